package docs

import (
	"fmt"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
	"go.starlark.net/syntax"
)

// builtins are Bazel's globals as far as a .bzl file's top level uses
// them: rule, attr, provider and aspect record what documentation needs;
// the rest are stand-ins.
var builtins = starlark.StringDict{
	"rule":     starlark.NewBuiltin("rule", newRule),
	"provider": starlark.NewBuiltin("provider", newProvider),
	"aspect":   starlark.NewBuiltin("aspect", newAspect),
	"attr":     attrModule(),
	"Label": starlark.NewBuiltin("Label", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		return args[0], nil
	}),
	"select": starlark.NewBuiltin("select", func(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, _ []starlark.Tuple) (starlark.Value, error) {
		return args[0], nil
	}),
	"struct":           starlark.NewBuiltin("struct", starlarkstruct.Make),
	"transition":       &standIn{name: "transition"},
	"exec_group":       &standIn{name: "exec_group"},
	"module_extension": &standIn{name: "module_extension"},
	"repository_rule":  &standIn{name: "repository_rule"},
	"config_common":    &standIn{name: "config_common"},
	"platform_common":  &standIn{name: "platform_common"},
	"tag_class":        &standIn{name: "tag_class"},
	"config":           &standIn{name: "config"},
	"json":             &standIn{name: "json"},
}

// standIn is any value of another repository, or a Bazel global whose
// value documentation does not need: it may be called, indexed, added to.
type standIn struct{ name string }

func (s *standIn) String() string        { return s.name }
func (s *standIn) Type() string          { return "stand-in" }
func (s *standIn) Freeze()               {}
func (s *standIn) Truth() starlark.Bool  { return true }
func (s *standIn) Hash() (uint32, error) { return starlark.String(s.name).Hash() }
func (s *standIn) Name() string          { return s.name }
func (s *standIn) CallInternal(*starlark.Thread, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return s, nil
}
func (s *standIn) Attr(name string) (starlark.Value, error) {
	return &standIn{name: s.name + "." + name}, nil
}
func (s *standIn) AttrNames() []string { return nil }
func (s *standIn) Binary(op syntax.Token, y starlark.Value, side starlark.Side) (starlark.Value, error) {
	return s, nil
}

// declaration is a value that a .bzl file's top level declares (a rule,
// an attribute, a provider, an aspect): the kind names it.
type declaration string

func (d declaration) String() string        { return string(d) }
func (d declaration) Type() string          { return string(d) }
func (d declaration) Freeze()               {}
func (d declaration) Truth() starlark.Bool  { return true }
func (d declaration) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable: %s", d) }

// attrBox is what an attr.* call declares.
type attrBox struct {
	declaration
	attr Attr
}

// attrTypes name attr.* functions as Bazel's documentation names types.
var attrTypes = map[string]string{
	"bool": "Boolean", "int": "Integer", "int_list": "List of integers", "string": "String",
	"string_list": "List of strings", "string_dict": "Dictionary: String -> String",
	"string_list_dict": "Dictionary: String -> List of strings", "label": "Label",
	"label_list": "List of labels", "label_keyed_string_dict": "Dictionary: Label -> String",
	"string_keyed_label_dict": "Dictionary: String -> Label", "output": "Label", "output_list": "List of labels",
}

func attrModule() *starlarkstruct.Module {
	members := starlark.StringDict{}
	for fn, typ := range attrTypes {
		members[fn] = starlark.NewBuiltin("attr."+fn, func(_ *starlark.Thread, _ *starlark.Builtin, _ starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			a := Attr{Type: typ}
			for _, kv := range kwargs {
				key, value := string(kv[0].(starlark.String)), kv[1]
				switch key {
				case "doc":
					a.Doc = string(value.(starlark.String))
				case "mandatory":
					a.Mandatory = bool(value.Truth())
				case "default":
					a.Default = defaultString(value)
				case "values":
					if list, ok := value.(*starlark.List); ok {
						for i := 0; i < list.Len(); i++ {
							a.Values = append(a.Values, list.Index(i).String())
						}
					}
				}
			}
			if a.Default == "" && !a.Mandatory {
				a.Default = map[string]string{"Boolean": "False", "Integer": "0", "String": `""`}[typ]
				if a.Default == "" {
					if strings.HasPrefix(typ, "List") {
						a.Default = "[]"
					} else if strings.HasPrefix(typ, "Dictionary") {
						a.Default = "{}"
					} else {
						a.Default = "None"
					}
				}
			}
			return &attrBox{declaration: "attr", attr: a}, nil
		})
	}
	return &starlarkstruct.Module{Name: "attr", Members: members}
}

func defaultString(v starlark.Value) string {
	if s, ok := v.(*standIn); ok {
		return "`" + s.name + "`"
	}
	return v.String()
}

type ruleValue struct {
	declaration
	doc   string
	attrs map[string]Attr
}

func newRule(_ *starlark.Thread, _ *starlark.Builtin, _ starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	r := &ruleValue{declaration: "rule", attrs: map[string]Attr{}}
	for _, kv := range kwargs {
		switch string(kv[0].(starlark.String)) {
		case "doc":
			r.doc = string(kv[1].(starlark.String))
		case "attrs":
			dict, ok := kv[1].(*starlark.Dict)
			if !ok {
				return nil, fmt.Errorf("rule: attrs is a %s, not a dict", kv[1].Type())
			}
			for _, item := range dict.Items() {
				name := string(item[0].(starlark.String))
				box, ok := item[1].(*attrBox)
				if !ok {
					return nil, fmt.Errorf("rule: attribute %s is a %s", name, item[1].Type())
				}
				if !strings.HasPrefix(name, "_") {
					r.attrs[name] = box.attr
				}
			}
		}
	}
	return r, nil
}

type providerValue struct {
	declaration
	doc    string
	fields []Field
}

func newProvider(_ *starlark.Thread, _ *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	p := &providerValue{declaration: "provider"}
	if len(args) > 0 {
		p.doc = string(args[0].(starlark.String))
	}
	for _, kv := range kwargs {
		switch string(kv[0].(starlark.String)) {
		case "doc":
			p.doc = string(kv[1].(starlark.String))
		case "fields":
			switch fields := kv[1].(type) {
			case *starlark.Dict:
				for _, item := range fields.Items() {
					p.fields = append(p.fields, Field{Name: string(item[0].(starlark.String)), Doc: string(item[1].(starlark.String))})
				}
			case *starlark.List:
				for i := 0; i < fields.Len(); i++ {
					p.fields = append(p.fields, Field{Name: string(fields.Index(i).(starlark.String))})
				}
			}
		}
	}
	return p, nil
}

type aspectValue struct {
	declaration
	doc string
}

func newAspect(_ *starlark.Thread, _ *starlark.Builtin, _ starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	a := &aspectValue{declaration: "aspect"}
	for _, kv := range kwargs {
		if string(kv[0].(starlark.String)) == "doc" {
			a.doc = string(kv[1].(starlark.String))
		}
	}
	return a, nil
}

// Iterate makes a stand-in an empty sequence (a list of another
// repository's, such as its source roots).
func (s *standIn) Iterate() starlark.Iterator { return emptyIterator{} }

type emptyIterator struct{}

func (emptyIterator) Next(*starlark.Value) bool { return false }
func (emptyIterator) Done()                     {}
