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

func TestStamp(t *testing.T) {
	status := map[string]string{"STABLE_GIT_COMMIT": "abc123", "BUILD_USER": "ci"}
	tests := []struct {
		in      string
		stamped bool
		want    string
		err     string
	}{
		{in: "registry.example.com/app", want: "registry.example.com/app"},
		{in: "git-{STABLE_GIT_COMMIT}", stamped: true, want: "git-abc123"},
		{in: "{BUILD_USER}-{STABLE_GIT_COMMIT}", stamped: true, want: "ci-abc123"},
		{in: "git-{STABLE_GIT_COMMIT}", err: "needs stamping: run `bazel run --stamp"},
		{in: "{MISSING}", stamped: true, err: "has no MISSING; it has BUILD_USER, STABLE_GIT_COMMIT"},
	}
	for _, tc := range tests {
		got, err := stamp(tc.in, status, tc.stamped)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("stamp(%q): got %q, %v; want an error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("stamp(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestReadStatus(t *testing.T) {
	dir := t.TempDir()
	stable := filepath.Join(dir, "stable-status.txt")
	volatile := filepath.Join(dir, "volatile-status.txt")
	os.WriteFile(stable, []byte("STABLE_GIT_COMMIT abc123\nBUILD_EMBED_LABEL \n"), 0o644)
	os.WriteFile(volatile, []byte("BUILD_TIMESTAMP 1700000000\n"), 0o644)
	status, err := readStatus([]string{stable, volatile})
	if err != nil {
		t.Fatal(err)
	}
	if status["STABLE_GIT_COMMIT"] != "abc123" || status["BUILD_TIMESTAMP"] != "1700000000" || len(status) != 3 {
		t.Errorf("status %v", status)
	}
}

func TestFindRuntimeRefusesUnknown(t *testing.T) {
	if _, err := findRuntime("rkt"); err == nil || !strings.Contains(err.Error(), `unknown runtime "rkt"`) {
		t.Errorf("got %v", err)
	}
}
