package docs

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestExtractAndRender(t *testing.T) {
	symbols, err := Extract("testdata", "//pkg:defs.bzl")
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
	if m.Doc != "Makes `count` things." || len(m.Params) != 3 || m.Params[0].Doc != "the first thing's name; the others are numbered." ||
		m.Params[1].Default != "1" || m.Params[2].Name != "**kwargs" || m.Params[2].Doc != "passed to each thing." {
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
		"| <a id=\"thing-mode\"></a>`mode` | How \\| to make it. One of \"fast\", \"slow\". | String | `\"fast\"` |",
		"| <a id=\"thing-src\"></a>`src` | The source. | Label | required |",
		"| `path` | File: where it is. |",
		"| `count` | how many. | `1` |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the page lacks %q:\n%s", want, b.String())
		}
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
