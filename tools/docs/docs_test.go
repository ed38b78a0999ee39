package docs

import (
	"bytes"
	"flag"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/rules-scratch/rules_scratch/tools/imagetest"
	"google.golang.org/protobuf/encoding/protowire"
)

var moduleInfo = flag.String("module_info", "", "runfiles path of starlark_doc_extract's output for testdata/pkg/defs.bzl (bazel test //tools/docs:docs_test)")

// TestBazelModuleInfo decodes and renders what Bazel's starlark_doc_extract
// wrote for testdata/pkg/defs.bzl.
func TestBazelModuleInfo(t *testing.T) {
	if *moduleInfo == "" {
		t.Skip("needs starlark_doc_extract's output: bazel test //tools/docs:docs_test")
	}
	data, err := os.ReadFile(imagetest.Runfile(t, *moduleInfo))
	if err != nil {
		t.Fatal(err)
	}
	symbols, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]Symbol{}
	for _, s := range symbols {
		byName[s.Name] = s
	}
	rule := byName["thing"]
	var attrs []string
	for _, a := range rule.Attrs {
		attrs = append(attrs, a.Name+" "+a.Type+" "+a.Default)
	}
	if want := []string{"name Name ", "count Integer 2", "deps List of labels []", "mode String \"fast\"", "src Label "}; !reflect.DeepEqual(attrs, want) {
		t.Errorf("attributes %q, want %q (private ones left out)", attrs, want)
	}
	if p := byName["ThingInfo"]; p.Kind != "provider" || len(p.Fields) != 1 || p.Fields[0].Doc != "File: where it is." {
		t.Errorf("provider %+v", p)
	}
	m := byName["make_things"]
	if m.Kind != "macro" || m.Doc != "Makes `count` things." || len(m.Params) != 3 || m.Params[0].Doc != "the first thing's name;\nthe others are numbered." ||
		m.Params[1].Default != "1" || m.Params[2].Name != "kwargs" || m.Params[2].Doc != "passed to each thing." {
		t.Errorf("macro %+v", m)
	}

	var b bytes.Buffer
	page := Page{File: "thing.md", Title: "Things", Symbols: []string{"thing", "ThingInfo", "make_things"}}
	if err := Render(&b, page, symbols, "@x//pkg:defs.bzl"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"load(\"@x//pkg:defs.bzl\", \"thing\")",
		"Makes a thing.\n\nIn two paragraphs.",
		"| <a id=\"thing-mode\"></a>`mode` | How \\| to make it. | String | `\"fast\"` |",
		"| <a id=\"thing-count\"></a>`count` | How many → at least one. | Integer | `2` |",
		"| <a id=\"thing-src\"></a>`src` | The source. | Label | required |",
		"| `path` | File: where it is. |",
		"| `name` | the first thing's name; the others are numbered. | required |",
		"| `count` | how many. | `1` |",
		"| `kwargs` | passed to each thing. |  |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the page lacks %q:\n%s", want, b.String())
		}
	}
}

// message encodes fields: a string or []byte is length-delimited, an int a
// varint.
func message(fields ...any) []byte {
	var b []byte
	for i := 0; i < len(fields); i += 2 {
		num := protowire.Number(fields[i].(int))
		switch v := fields[i+1].(type) {
		case string:
			b = protowire.AppendTag(b, num, protowire.BytesType)
			b = protowire.AppendString(b, v)
		case []byte:
			b = protowire.AppendTag(b, num, protowire.BytesType)
			b = protowire.AppendBytes(b, v)
		case int:
			b = protowire.AppendTag(b, num, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(v))
		}
	}
	return b
}

func TestDecode(t *testing.T) {
	fixed32 := protowire.AppendFixed32(protowire.AppendTag(nil, 42, protowire.Fixed32Type), 7)
	for _, tc := range []struct {
		name string
		data []byte
		want []Symbol
		err  string
	}{{
		name: "symbols sorted by name, name attribute first, unknown fields skipped",
		data: append(message(
			moduleRule, message(symbolName, "r", symbolDoc, "R.", 99, "future",
				ruleAttribute, message(symbolName, "srcs", attrType, 7, attrDefault, "[]"),
				ruleAttribute, message(symbolName, "name", attrType, 1, attrMandatory, 1)),
			moduleProvider, message(symbolName, "AInfo", providerField, message(symbolName, "f", symbolDoc, "F.")),
			moduleAspect, message(symbolName, "an_aspect", symbolDoc, "A.", aspectAttribute, message(symbolName, "x", attrType, 4)),
			7, message(1, "an_extension"),
		), fixed32...),
		want: []Symbol{
			{Name: "AInfo", Kind: "provider", Fields: []Field{{Name: "f", Doc: "F."}}},
			{Name: "an_aspect", Kind: "aspect", Doc: "A.", Attrs: []Attr{{Name: "x", Type: "String"}}},
			{Name: "r", Kind: "rule", Doc: "R.", Attrs: []Attr{{Name: "name", Type: "Name", Mandatory: true}, {Name: "srcs", Type: "List of labels", Default: "[]"}}},
		},
	}, {
		name: "macro parameters keep their order; a newer Bazel's roles are skipped",
		data: message(moduleFunction, message(symbolName, "m", functionDoc, "M.",
			functionParameter, message(symbolName, "name", symbolDoc, "N.", paramMandatory, 1),
			functionParameter, message(symbolName, "n", paramDefault, "1"),
			functionParameter, message(symbolName, "kwargs", 5, 5))),
		want: []Symbol{{Name: "m", Kind: "macro", Doc: "M.", Params: []Param{
			{Name: "name", Doc: "N.", Mandatory: true}, {Name: "n", Default: "1"}, {Name: "kwargs"},
		}}},
	}, {
		name: "Bazel 7's twice-encoded UTF-8 is undone; right UTF-8 and Latin-1 text stay",
		data: message(
			moduleProvider, message(symbolName, "A", symbolDoc, "path \u00e2\u0086\u0092 label"),
			moduleProvider, message(symbolName, "B", symbolDoc, "path → label"),
			moduleProvider, message(symbolName, "C", symbolDoc, "café")),
		want: []Symbol{
			{Name: "A", Kind: "provider", Doc: "path → label"},
			{Name: "B", Kind: "provider", Doc: "path → label"},
			{Name: "C", Kind: "provider", Doc: "café"},
		},
	}, {
		name: "an attribute type this reader does not know",
		data: message(moduleRule, message(symbolName, "r", ruleAttribute, message(symbolName, "odd", attrType, 77))),
		err:  "attribute odd: unknown AttributeType 77",
	}, {
		name: "truncated",
		data: message(moduleRule, message(symbolName, "r"))[:3],
		err:  "reading starlark_doc_extract's ModuleInfo",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Decode(tc.data)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestRenderRefusesUndocumented(t *testing.T) {
	symbols := []Symbol{{Name: "r", Kind: "rule", Doc: "A rule.", Attrs: []Attr{{Name: "name"}, {Name: "srcs", Type: "List of labels"}}}}
	err := Render(&bytes.Buffer{}, Page{File: "r.md", Title: "r", Symbols: []string{"r"}}, symbols, "//:defs.bzl")
	if err == nil || !strings.Contains(err.Error(), "r has no doc for attribute srcs") {
		t.Errorf("got %v", err)
	}
	err = Render(&bytes.Buffer{}, Page{File: "r.md", Title: "r", Symbols: []string{"nope"}}, symbols, "//:defs.bzl")
	if err == nil || !strings.Contains(err.Error(), "nope is not a rule") {
		t.Errorf("got %v", err)
	}
}
