package docs

import (
	"fmt"
	"sort"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// Symbol is one public name of a .bzl file: a rule, a provider, a macro
// or an aspect.
type Symbol struct {
	Name string
	Kind string // "rule", "provider", "macro", "aspect"
	Doc  string
	// Attrs are a rule's or an aspect's attributes, sorted by name ("name"
	// first).
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
}

// Field is one field of a provider.
type Field struct{ Name, Doc string }

// Param is one parameter of a macro; Doc from its docstring's Args.
// Varargs and kwargs go by their plain names: Bazel 7 does not say which
// they are, and a page must read the same whichever Bazel wrote it.
type Param struct {
	Name, Doc, Default string
	Mandatory          bool
}

// Field numbers of stardoc_output.proto (Bazel's
// src/main/protobuf/stardoc_output.proto), the ModuleInfo that
// starlark_doc_extract writes. Only what the pages show, and what every
// Bazel from 7 on writes, is read (not AttributeInfo's values, which Bazel 7
// leaves out): other fields are skipped, so pages read the same whichever
// Bazel wrote the proto.
const (
	moduleRule     = 1
	moduleProvider = 2
	moduleFunction = 3
	moduleAspect   = 4

	// Every message read begins with its name and, but for
	// StarlarkFunctionInfo, its doc (see walkNamed).
	symbolName = 1
	symbolDoc  = 2

	ruleAttribute     = 3
	aspectAttribute   = 4
	providerField     = 3
	functionParameter = 2
	functionDoc       = 3

	attrType      = 3
	attrMandatory = 4
	attrDefault   = 6

	paramDefault   = 3
	paramMandatory = 4
)

// attrTypes are stardoc's names of the AttributeType enum's values.
var attrTypes = map[uint64]string{
	1: "Name", 2: "Integer", 3: "Label", 4: "String", 5: "List of strings",
	6: "List of integers", 7: "List of labels", 8: "Boolean",
	9: "Dictionary: Label -> String", 10: "Dictionary: String -> String",
	11: "Dictionary: String -> List of strings", 12: "Label", 13: "List of labels",
	14: "Dictionary: String -> Label", 15: "Dictionary: String -> List of labels",
}

// Decode reads the binary ModuleInfo proto that Bazel's
// starlark_doc_extract writes for a .bzl file (the input stardoc renders)
// and describes its public symbols, sorted by name.
func Decode(data []byte) ([]Symbol, error) {
	var symbols []Symbol
	err := walk(data, func(num protowire.Number, msg []byte, _ uint64) error {
		var s Symbol
		var err error
		switch num {
		case moduleRule:
			s, err = decodeSymbol("rule", msg, ruleAttribute)
		case moduleAspect:
			s, err = decodeSymbol("aspect", msg, aspectAttribute)
		case moduleProvider:
			s, err = decodeSymbol("provider", msg, 0)
		case moduleFunction:
			s, err = decodeFunction(msg)
		default:
			return nil
		}
		symbols = append(symbols, s)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading starlark_doc_extract's ModuleInfo: %w", err)
	}
	sort.Slice(symbols, func(i, j int) bool { return symbols[i].Name < symbols[j].Name })
	return symbols, nil
}

// decodeSymbol reads a RuleInfo, AspectInfo or ProviderInfo.
func decodeSymbol(kind string, data []byte, attrField protowire.Number) (Symbol, error) {
	s := Symbol{Kind: kind}
	err := walkNamed(data, &s.Name, &s.Doc, func(num protowire.Number, msg []byte, _ uint64) error {
		switch {
		case kind == "provider" && num == providerField:
			var f Field
			err := walkNamed(msg, &f.Name, &f.Doc, nil)
			s.Fields = append(s.Fields, f)
			return err
		case kind != "provider" && num == attrField:
			a, err := decodeAttr(msg)
			s.Attrs = append(s.Attrs, a)
			return err
		}
		return nil
	})
	sort.SliceStable(s.Attrs, func(i, j int) bool {
		if (s.Attrs[i].Name == "name") != (s.Attrs[j].Name == "name") {
			return s.Attrs[i].Name == "name"
		}
		return s.Attrs[i].Name < s.Attrs[j].Name
	})
	return s, err
}

func decodeAttr(data []byte) (Attr, error) {
	var a Attr
	err := walkNamed(data, &a.Name, &a.Doc, func(num protowire.Number, msg []byte, n uint64) error {
		switch num {
		case attrType:
			a.Type = attrTypes[n]
			if a.Type == "" {
				return fmt.Errorf("attribute %s: unknown AttributeType %d", a.Name, n)
			}
		case attrMandatory:
			a.Mandatory = n != 0
		case attrDefault:
			a.Default = text(msg)
		}
		return nil
	})
	return a, err
}

func decodeParam(data []byte) (Param, error) {
	var p Param
	err := walkNamed(data, &p.Name, &p.Doc, func(num protowire.Number, msg []byte, n uint64) error {
		switch num {
		case paramDefault:
			p.Default = text(msg)
		case paramMandatory:
			p.Mandatory = n != 0
		}
		return nil
	})
	return p, err
}

// decodeFunction reads a StarlarkFunctionInfo: a macro, with the
// parameters' docs Bazel took from its docstring's Args section. Its doc
// is field 3 (field 2 holds the parameters), so walkNamed does not apply.
func decodeFunction(data []byte) (Symbol, error) {
	s := Symbol{Kind: "macro"}
	err := walk(data, func(num protowire.Number, msg []byte, _ uint64) error {
		switch num {
		case symbolName:
			s.Name = text(msg)
		case functionDoc:
			s.Doc = text(msg)
		case functionParameter:
			p, err := decodeParam(msg)
			s.Params = append(s.Params, p)
			return err
		}
		return nil
	})
	return s, err
}

// walkNamed walks a message whose fields 1 and 2 are its name and doc
// (RuleInfo, ProviderInfo, AspectInfo, AttributeInfo, ProviderFieldInfo,
// FunctionParamInfo): it sets those and passes the other fields to fn, if
// any.
func walkNamed(data []byte, name, doc *string, fn func(num protowire.Number, msg []byte, n uint64) error) error {
	return walk(data, func(num protowire.Number, msg []byte, n uint64) error {
		switch {
		case num == symbolName:
			*name = text(msg)
		case num == symbolDoc:
			*doc = text(msg)
		case fn != nil:
			return fn(num, msg, n)
		}
		return nil
	})
}

// walk calls fn for each field of a message: msg holds a length-delimited
// field's bytes (text or a message), n a varint field's value; other wire
// types are skipped.
func walk(data []byte, fn func(num protowire.Number, msg []byte, n uint64) error) error {
	for len(data) > 0 {
		num, typ, size := protowire.ConsumeTag(data)
		if size < 0 {
			return protowire.ParseError(size)
		}
		data = data[size:]
		var msg []byte
		var n uint64
		switch typ {
		case protowire.BytesType:
			msg, size = protowire.ConsumeBytes(data)
		case protowire.VarintType:
			n, size = protowire.ConsumeVarint(data)
		default:
			size = protowire.ConsumeFieldValue(num, typ, data)
		}
		if size < 0 {
			return fmt.Errorf("field %d: %w", num, protowire.ParseError(size))
		}
		data = data[size:]
		if typ == protowire.BytesType || typ == protowire.VarintType {
			if err := fn(num, msg, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// text reads a string field, undoing Bazel 7's encoding: it holds a .bzl
// file's UTF-8 bytes as one character each and writes each of those as
// UTF-8 again, so that "→" (e2 86 92) arrives as "â\u0086\u0092". Text
// whose characters are all below U+0100 and whose bytes then form UTF-8 is
// such text; anything else (ASCII, text a newer Bazel writes right) is
// taken as it is.
func text(b []byte) string {
	out := make([]byte, 0, len(b))
	wide := false
	for _, r := range string(b) {
		if r > 0xff {
			return string(b)
		}
		wide = wide || r > 0x7f
		out = append(out, byte(r))
	}
	if !wide || !utf8.Valid(b) || !utf8.Valid(out) {
		return string(b)
	}
	return string(out)
}
