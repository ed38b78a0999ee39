package image

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/rules-scratch/rules_scratch/tools/layer"
)

// factsLayer writes a descriptor that says a layer holds these executables
// and symlinks (the blob is never read).
func factsLayer(t *testing.T, name string, exes map[string]layer.Executable, links map[string]string) Layer {
	t.Helper()
	desc := layer.Descriptor{MediaType: types.OCILayer, Size: 1, Executables: exes, Symlinks: links}
	desc.Digest.Algorithm, desc.Digest.Hex = "sha256", strings.Repeat("a", 64)
	desc.DiffID = desc.Digest
	data, _ := json.Marshal(desc)
	path := filepath.Join(t.TempDir(), name+".json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return Layer{Blob: "unused", Descriptor: path, CreatedBy: "scratch_layer //test:" + name}
}

func TestCheckEntrypoint(t *testing.T) {
	static := layer.Executable{Mode: 0o755, Arch: "amd64"}
	app := factsLayer(t, "app", map[string]layer.Executable{
		"/app/server":  static,
		"/bin/busybox": static,
		"/app/arm":     {Mode: 0o755, Arch: "arm64"},
		"/app/dynamic": {Mode: 0o755, Arch: "amd64", Dynamic: "program interpreter /lib64/ld-linux-x86-64.so.2"},
		"/app/run.sh":  {Mode: 0o755},
	}, map[string]string{
		"/bin/sh":    "busybox",
		"/usr/bin":   "../bin",
		"/loop/a":    "b",
		"/loop/b":    "a",
		"/app/climb": "../../../bin/busybox",
	})
	shadow := factsLayer(t, "shadow", nil, map[string]string{"/app/server": "/nowhere"})
	tests := []struct {
		name       string
		entrypoint []string
		cmd        []string
		layers     []Layer
		want       string // empty: accepted
	}{
		{"static binary", []string{"/app/server"}, nil, []Layer{app}, ""},
		{"script", []string{"/app/run.sh"}, nil, []Layer{app}, ""},
		{"symlink chain", []string{"/usr/bin/sh", "-c", "true"}, nil, []Layer{app}, ""},
		{"symlink climbing above the root stops there", []string{"/app/climb"}, nil, []Layer{app}, ""},
		{"cmd without entrypoint", nil, []string{"/bin/sh"}, []Layer{app}, ""},
		{"relative command is left to PATH", []string{"server"}, nil, []Layer{app}, ""},
		{"no command", nil, nil, []Layer{app}, ""},
		{"missing", []string{"/app/client"}, nil, []Layer{app}, `the image's command "/app/client" cannot start: no layer of the image has an executable file there`},
		{"missing at the end of a symlink", []string{"/app/server"}, nil, []Layer{app, shadow}, `"/app/server" cannot start: no layer of the image has an executable file there (it leads to /nowhere)`},
		{"other architecture", []string{"/app/arm"}, nil, []Layer{app}, `"/app/arm", from scratch_layer //test:app, is an ELF binary for arm64, but the image is amd64`},
		{"dynamic", []string{"/app/dynamic"}, nil, []Layer{app}, "is dynamically linked (program interpreter /lib64/ld-linux-x86-64.so.2)"},
		{"loop", []string{"/loop/a"}, nil, []Layer{app}, "more than 40 symlinks"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{OS: "linux", Architecture: "amd64", Entrypoint: tc.entrypoint, Cmd: tc.cmd}
			img, err := Build(cfg, tc.layers)
			if err != nil {
				t.Fatal(err)
			}
			err = img.CheckEntrypoint()
			if tc.want == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
