package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLayerVerbReadsParamsFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "hello")
	os.WriteFile(src, []byte("hi"), 0o644)
	entry, _ := json.Marshal(map[string]any{"kind": "file", "path": "/app/hello", "src": src, "mode": 0o755})
	params := filepath.Join(dir, "params")
	lines := []string{"layer", "--entry", string(entry), "--output", filepath.Join(dir, "l.tar.gz"), "--descriptor", filepath.Join(dir, "l.json")}
	os.WriteFile(params, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	if err := run([]string{"@" + params}); err != nil {
		t.Fatal(err)
	}
	var desc map[string]any
	data, _ := os.ReadFile(filepath.Join(dir, "l.json"))
	if err := json.Unmarshal(data, &desc); err != nil || desc["diffID"] == nil {
		t.Errorf("descriptor %s (%v)", data, err)
	}
}

func TestFailedVerbLeavesNoOutput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "l.tar.gz")
	err := run([]string{"layer", "--entry", `{"kind":"file","path":"/a/../../etc/passwd","src":"x"}`, "--output", out, "--descriptor", filepath.Join(dir, "l.json")})
	if err == nil || !strings.Contains(err.Error(), `"/a/../../etc/passwd"`) {
		t.Fatalf("want an error naming the path, got %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("output left behind after a failure: %v", err)
	}
}

func TestUnknownFieldsAndVerbsAreErrors(t *testing.T) {
	for _, args := range [][]string{
		{"frobnicate"},
		{},
		{"layer", "--entry", `{"kind":"file","path":"/a","source":"x"}`, "--output", "o", "--descriptor", "d"},
	} {
		if err := run(args); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
}
