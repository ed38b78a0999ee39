package docs

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/rules-scratch/rules_scratch/tools/imagetest"
)

var (
	guide = flag.String("guide", "", "docs/migration.md ($(rlocationpath))")
	build = flag.String("build", "", "this package's BUILD.bazel ($(rlocationpath))")
)

// TestGuideQuotesThisPackage: the rules_scratch side of docs/migration.md
// is this BUILD file, word for word, so that the guide cannot rot.
func TestGuideQuotesThisPackage(t *testing.T) {
	doc, err := os.ReadFile(imagetest.Runfile(t, *guide))
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(imagetest.Runfile(t, *build))
	if err != nil {
		t.Fatal(err)
	}
	const marker = "<!-- examples/migration/BUILD.bazel, checked by //docs:docs_test -->\n```starlark\n"
	_, rest, ok := strings.Cut(string(doc), marker)
	if !ok {
		t.Fatalf("docs/migration.md lacks the marker %q", marker)
	}
	quoted, _, ok := strings.Cut(rest, "```\n")
	if !ok {
		t.Fatal("the quote is not closed")
	}
	if quoted != string(want) {
		t.Errorf("docs/migration.md quotes another BUILD file than examples/migration/BUILD.bazel; paste it again.\nquoted:\n%s\nBUILD.bazel:\n%s", quoted, want)
	}
}
