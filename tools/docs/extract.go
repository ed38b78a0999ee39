package docs

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Symbol is one public name of a .bzl file: a rule, a provider or a macro.
type Symbol struct {
	Name string
	Kind string // "rule", "provider", "macro", "aspect"
	Doc  string
	// Attrs are a rule's attributes, sorted by name ("name" first).
	Attrs []Attr
	// Fields are a provider's fields, as declared.
	Fields []Field
	// Params are a macro's parameters, in order.
	Params []Param
}

// Attr is one attribute of a rule.
type Attr struct {
	Name, Type, Doc, Default string
	Mandatory                bool
	Values                   []string
}

// Field is one field of a provider.
type Field struct{ Name, Doc string }

// Param is one parameter of a macro; Doc from its docstring's Args.
type Param struct{ Name, Doc, Default string }

// Extract evaluates the .bzl file label (//rules:defs.bzl) of the
// workspace at root and describes the symbols it exports. Loads of the
// workspace's files are evaluated; loads of other repositories give
// stand-ins, since documentation needs only what the rules declare.
func Extract(root, label string) ([]Symbol, error) {
	e := &extractor{root: root, modules: map[string]starlark.StringDict{}}
	globals, err := e.load(label, "")
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(globals))
	for name := range globals {
		if !strings.HasPrefix(name, "_") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var symbols []Symbol
	for _, name := range names {
		if s, ok := describe(name, globals[name]); ok {
			symbols = append(symbols, s)
		}
	}
	return symbols, nil
}

type extractor struct {
	root    string
	modules map[string]starlark.StringDict
}

// resolveLabel turns a load's label into a workspace path, relative to
// the package of the loading file; "" for another repository's.
func resolveLabel(label, fromPkg string) string {
	switch {
	case strings.HasPrefix(label, "@"):
		return ""
	case strings.HasPrefix(label, "//"):
		pkg, name, _ := strings.Cut(label[2:], ":")
		return path.Join(pkg, name)
	case strings.HasPrefix(label, ":"):
		return path.Join(fromPkg, label[1:])
	}
	return path.Join(fromPkg, label)
}

func (e *extractor) load(label, fromPkg string) (starlark.StringDict, error) {
	file := resolveLabel(label, fromPkg)
	if m, ok := e.modules[file]; ok {
		return m, nil
	}
	src, err := os.ReadFile(filepath.Join(e.root, file))
	if err != nil {
		return nil, err
	}
	opts := &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true, Recursion: true}
	parsed, prog, err := starlark.SourceProgramOptions(opts, file, src, func(name string) bool {
		return !starlark.Universe.Has(name)
	})
	if err != nil {
		return nil, err
	}
	// What this file loads from other repositories, by module.
	external := map[string][]string{}
	for _, stmt := range parsed.Stmts {
		if l, ok := stmt.(*syntax.LoadStmt); ok && strings.HasPrefix(l.ModuleName(), "@") {
			for _, from := range l.From {
				external[l.ModuleName()] = append(external[l.ModuleName()], from.Name)
			}
		}
	}
	pkg := path.Dir(file)
	thread := &starlark.Thread{
		Name: file,
		Load: func(_ *starlark.Thread, module string) (starlark.StringDict, error) {
			if names, ok := external[module]; ok {
				stand := starlark.StringDict{}
				for _, name := range names {
					stand[name] = &standIn{name: name}
				}
				return stand, nil
			}
			return e.load(module, pkg)
		},
	}
	globals, err := prog.Init(thread, builtins)
	if err != nil {
		return nil, fmt.Errorf("evaluating %s: %w", file, err)
	}
	e.modules[file] = globals
	return globals, nil
}

func describe(name string, v starlark.Value) (Symbol, bool) {
	switch v := v.(type) {
	case *ruleValue:
		s := Symbol{Name: name, Kind: "rule", Doc: v.doc, Attrs: []Attr{{Name: "name", Type: "Name", Doc: "A unique name for this target.", Mandatory: true}}}
		var attrs []Attr
		for attrName, a := range v.attrs {
			a.Name = attrName
			attrs = append(attrs, a)
		}
		sort.Slice(attrs, func(i, j int) bool { return attrs[i].Name < attrs[j].Name })
		s.Attrs = append(s.Attrs, attrs...)
		return s, true
	case *providerValue:
		return Symbol{Name: name, Kind: "provider", Doc: v.doc, Fields: v.fields}, true
	case *aspectValue:
		return Symbol{Name: name, Kind: "aspect", Doc: v.doc}, true
	case *starlark.Function:
		doc, params := parseDocstring(v.Doc())
		s := Symbol{Name: name, Kind: "macro", Doc: doc}
		n := v.NumParams()
		for i := 0; i < n; i++ {
			pname, _ := v.Param(i)
			p := Param{Name: pname, Doc: params[pname]}
			switch {
			case v.HasKwargs() && i == n-1:
				p.Name = "**" + pname
			case v.HasVarargs() && i == n-1-boolInt(v.HasKwargs()):
				p.Name = "*" + pname
			default:
				if d := v.ParamDefault(i); d != nil {
					p.Default = d.String()
				}
			}
			s.Params = append(s.Params, p)
		}
		return s, true
	}
	return Symbol{}, false
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// parseDocstring splits a Google-style docstring into its text and its
// Args section's descriptions by parameter; the lines after the first are
// dedented first, as Python's inspect.cleandoc does.
func parseDocstring(doc string) (string, map[string]string) {
	lines := dedent(doc)
	params := map[string]string{}
	var text []string
	section, current, argIndent := "", "", -1
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case indent == 0 && strings.HasSuffix(trimmed, ":") && !strings.Contains(strings.TrimSuffix(trimmed, ":"), " "):
			section, current, argIndent = trimmed, "", -1
			continue
		case section == "Args:" && trimmed != "":
			if argIndent < 0 {
				argIndent = indent
			}
			if name, desc, ok := strings.Cut(trimmed, ":"); ok && indent == argIndent {
				current = strings.TrimLeft(name, "*")
				params[current] = strings.TrimSpace(desc)
			} else if current != "" {
				params[current] += " " + trimmed
			}
			continue
		case section != "":
			continue
		}
		text = append(text, line)
	}
	return strings.TrimSpace(strings.Join(text, "\n")), params
}

// dedent removes the indentation common to the lines after the first.
func dedent(doc string) []string {
	lines := strings.Split(doc, "\n")
	common := -1
	for _, line := range lines[1:] {
		if strings.TrimSpace(line) == "" {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		if common < 0 || indent < common {
			common = indent
		}
	}
	for i := 1; i < len(lines) && common > 0; i++ {
		if len(lines[i]) >= common {
			lines[i] = lines[i][common:]
		} else {
			lines[i] = strings.TrimLeft(lines[i], " ")
		}
	}
	return lines
}
