package diff

import (
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/rules-scratch/rules_scratch/tools/image"
	"github.com/rules-scratch/rules_scratch/tools/layer"
)

// build writes an image of one layer holding files (path -> content) and
// returns its layout.
func build(t testing.TB, cfg image.Config, files map[string]string, opts ...layer.Option) string {
	t.Helper()
	dir := t.TempDir()
	var entries []layer.Entry
	for path, content := range files {
		src := filepath.Join(dir, strings.ReplaceAll(path, "/", "_"))
		os.WriteFile(src, []byte(content), 0o644)
		entries = append(entries, layer.Entry{Kind: layer.KindFile, Path: path, Source: src})
	}
	blob := filepath.Join(dir, "layer")
	f, _ := os.Create(blob)
	desc, err := layer.Write(f, entries, opts...)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(desc)
	os.WriteFile(blob+".json", data, 0o644)
	if cfg.OS == "" {
		cfg.OS, cfg.Architecture = "linux", "amd64"
	}
	img, err := image.Build(cfg, []image.Layer{{Blob: blob, Descriptor: blob + ".json", CreatedBy: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "layout")
	if err := img.WriteLayout(out, nil); err != nil {
		t.Fatal(err)
	}
	return out
}

func compare(t *testing.T, a, b string) []string {
	t.Helper()
	ta, doneA, err := Open(a)
	if err != nil {
		t.Fatal(err)
	}
	defer doneA()
	tb, doneB, err := Open(b)
	if err != nil {
		t.Fatal(err)
	}
	defer doneB()
	ds, err := Compare(ta, tb)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.String())
	}
	return out
}

func TestCompare(t *testing.T) {
	base := build(t, image.Config{Env: []string{"A=1"}}, map[string]string{"/app/x": "x", "/etc/y": "y"})
	tests := []struct {
		name string
		b    string
		want []string // each a line of the report, in order; nil: identical
	}{
		{"identical", build(t, image.Config{Env: []string{"A=1"}}, map[string]string{"/app/x": "x", "/etc/y": "y"}), nil},
		{"env", build(t, image.Config{Env: []string{"A=2"}}, map[string]string{"/app/x": "x", "/etc/y": "y"}), []string{
			`config: config.Env: ["A=1"] -> ["A=2"]`,
		}},
		{"compression only", build(t, image.Config{Env: []string{"A=1"}}, map[string]string{"/app/x": "x", "/etc/y": "y"}, layer.WithCompression(layer.Zstd)), []string{
			"layer 1: the same content, compressed otherwise: ",
		}},
		{"one file", build(t, image.Config{Env: []string{"A=1"}}, map[string]string{"/app/x": "changed", "/etc/y": "y"}), []string{
			"config: rootfs.diff_ids: ",
			"layer 1: changed: ",
			"layer 1 /app/x: content: sha256:",
		}},
		{"added and removed", build(t, image.Config{Env: []string{"A=1"}}, map[string]string{"/app/x": "x", "/etc/z": "y"}), []string{
			"config: rootfs.diff_ids: ",
			"layer 1: changed: ",
			"layer 1 /etc/y: removed: file",
			"layer 1 /etc/z: added: file",
		}},
		{"mtime", build(t, image.Config{Env: []string{"A=1"}}, map[string]string{"/app/x": "x", "/etc/y": "y"}, layer.WithModTime(time1)), []string{
			"config: rootfs.diff_ids: ",
			"layer 1: changed: ",
			"layer 1 /app: mtime: 0 -> 1700000000",
			"layer 1 /app/x: mtime: 0 -> 1700000000",
			"layer 1 /etc: mtime: 0 -> 1700000000",
			"layer 1 /etc/y: mtime: 0 -> 1700000000",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := compare(t, base, tc.b)
			if tc.want == nil {
				if len(got) != 0 {
					t.Errorf("want identical, got %q", got)
				}
				return
			}
			if len(got) == 0 || !strings.HasPrefix(got[0], "manifest: digest: ") {
				t.Fatalf("the report should start with the manifest digests: %q", got)
			}
			got = got[1:]
			if len(got) != len(tc.want) {
				t.Fatalf("got %d lines %q, want %d", len(got), got, len(tc.want))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("line %d: %q, want it to start with %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestLockCheck(t *testing.T) {
	open := func(dir string) LockedTarget {
		t.Helper()
		target, done, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer done()
		locked, err := LockTarget(target)
		if err != nil {
			t.Fatal(err)
		}
		return locked
	}
	a := open(build(t, image.Config{}, map[string]string{"/app/x": "x"}))
	b := open(build(t, image.Config{}, map[string]string{"/app/x": "changed"}))
	if problems := (Lock{"//a:image": a}).Check(Lock{"//a:image": a}); len(problems) != 0 {
		t.Errorf("the same image differs from its lock: %q", problems)
	}
	problems := Lock{"//a:image": a}.Check(Lock{"//a:image": b, "//b:image": a})
	if len(problems) != 2 {
		t.Fatalf("want 2 problems, got %q", problems)
	}
	for _, want := range []string{"//a:image: locked " + a.Digest + ", built " + b.Digest, "linux/amd64:", "layer 1 changed: diff_id", "/app/x changed: file 0644 0:0 1 sha256:"} {
		if !strings.Contains(problems[0], want) {
			t.Errorf("the explanation does not say %q:\n%s", want, problems[0])
		}
	}
	if !strings.Contains(problems[1], "//b:image ("+a.Digest+") is not in the lock") {
		t.Errorf("second problem: %s", problems[1])
	}
	data, err := Lock{"//a:image": a}.Marshal()
	if err != nil || !strings.Contains(string(data), "\n              \"/app/x file 0644 0:0 1 sha256:") {
		t.Errorf("the lock does not list one file a line:\n%s", data)
	}
}

func TestLockCheckDocuments(t *testing.T) {
	locked := LockedTarget{Digest: "sha256:aa", SBOM: "sha256:s1", Provenance: "sha256:p1", Modules: []string{"golang.org/x/sys v0.47.0", "golang.org/x/text v0.20.0", "stdlib go1.26.8"}}
	tests := []struct {
		name      string
		lock, now LockedTarget
		want      []string
	}{
		{"unchanged", locked, locked, nil},
		{
			"a bumped module changes the image",
			locked,
			LockedTarget{Digest: "sha256:bb", SBOM: "sha256:s2", Provenance: "sha256:p2", Modules: []string{"github.com/google/uuid v1.6.0", "golang.org/x/sys v0.48.0", "stdlib go1.26.8"}},
			[]string{"//a:image: locked sha256:aa, built sha256:bb", "Go module golang.org/x/sys: v0.47.0 -> v0.48.0", "Go module github.com/google/uuid added: v1.6.0", "Go module golang.org/x/text removed (was v0.20.0)"},
		},
		{
			"the same image, another provenance",
			locked,
			LockedTarget{Digest: "sha256:aa", SBOM: "sha256:s1", Provenance: "sha256:p9", Modules: locked.Modules},
			[]string{"the image is the locked one (sha256:aa)", "its provenance: locked sha256:p1, built sha256:p9"},
		},
		{
			"a lock written before SBOMs",
			LockedTarget{Digest: "sha256:aa"},
			locked,
			[]string{"its SBOM: locked none, built sha256:s1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := Lock{"//a:image": tt.lock}.Check(Lock{"//a:image": tt.now})
			if len(tt.want) == 0 {
				if len(problems) != 0 {
					t.Errorf("problems %q, want none", problems)
				}
				return
			}
			if len(problems) != 1 {
				t.Fatalf("problems %q, want one", problems)
			}
			for _, want := range tt.want {
				if !strings.Contains(problems[0], want) {
					t.Errorf("the explanation does not say %q:\n%s", want, problems[0])
				}
			}
		})
	}
}

var time1 = time.Unix(1700000000, 0)

// TestOtherToolsImages compares ours with images other tools wrote: one made
// as crane append makes it (go-containerregistry's mutate, saved as a docker
// archive), and ours read back from a registry.
func TestOtherToolsImages(t *testing.T) {
	ours := build(t, image.Config{}, map[string]string{"/app/x": "x"})
	target, done, err := Open(ours)
	if err != nil {
		t.Fatal(err)
	}
	defer done()

	// crane append -f layer.tar: an empty image plus the same files.
	layers, err := target.Image.Layers()
	if err != nil {
		t.Fatal(err)
	}
	appended, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "crane.tar")
	if err := tarball.WriteToFile(archive, name.MustParseReference("crane/app:latest"), appended); err != nil {
		t.Fatal(err)
	}
	report := compare(t, ours, archive)
	if len(report) == 0 || strings.Contains(strings.Join(report, "\n"), " /app/x: ") {
		t.Errorf("against crane's image, want config differences and the same files, got:\n%s", strings.Join(report, "\n"))
	}

	server := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer server.Close()
	ref := strings.TrimPrefix(server.URL, "http://") + "/team/app:v1"
	parsed, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(parsed, target.Image); err != nil {
		t.Fatal(err)
	}
	if report := compare(t, ours, ref); len(report) != 0 {
		t.Errorf("the image read back from a registry differs: %q", report)
	}
}

// TestNotDownloaded opens layouts as Bazel leaves them when it builds
// remotely without the bytes: each error names what is missing and how to
// download it, before any blob is read.
func TestNotDownloaded(t *testing.T) {
	full := build(t, image.Config{}, map[string]string{"/app/x": "x"})
	withoutLayer := build(t, image.Config{}, map[string]string{"/app/y": "y"})
	target, done, err := Open(withoutLayer)
	if err != nil {
		t.Fatal(err)
	}
	manifest, err := target.Image.Manifest()
	done()
	if err != nil {
		t.Fatal(err)
	}
	layerBlob := filepath.Join(withoutLayer, "blobs", "sha256", manifest.Layers[0].Digest.Hex)
	if err := os.Remove(layerBlob); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	// A relative path whose first element exists: a path, not a repository
	// on Docker Hub.
	t.Chdir(filepath.Dir(full))
	tests := []struct {
		name, ref, want string
	}{
		{"empty directory", empty, "has no index.json"},
		{"missing layer", withoutLayer, "lacks the blob sha256:" + filepath.Base(layerBlob)},
		{"missing relative path", filepath.Base(full) + "/nothing", "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, done, err := Open(tt.ref)
			done()
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "--remote_download_outputs=toplevel") {
				t.Errorf("Open(%s) = %v, want an error with %q and how to download it", tt.ref, err, tt.want)
			}
		})
	}
	if _, done, err := Open(full); err != nil {
		t.Errorf("a whole layout: %v", err)
	} else {
		done()
	}
}
