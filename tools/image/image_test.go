package image

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/rules-scratch/rules_scratch/tools/layer"
)

// writeTestLayer writes a one-file layer and its descriptor, as the layer
// verb does, and returns it as an image Layer.
func writeTestLayer(t *testing.T, dir, name, content string) Layer {
	t.Helper()
	src := filepath.Join(dir, name+".src")
	if err := os.WriteFile(src, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	blobPath := filepath.Join(dir, name+".tar.gz")
	f, err := os.Create(blobPath)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := layer.Write(f, []layer.Entry{{Kind: layer.KindFile, Path: "/" + name, Source: src}})
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	descPath := filepath.Join(dir, name+".json")
	data, _ := json.Marshal(desc)
	if err := os.WriteFile(descPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return Layer{Blob: blobPath, Descriptor: descPath, CreatedBy: "test " + name}
}

var testConfig = Config{
	OS:           "linux",
	Architecture: "arm64",
	Variant:      "v8",
	Entrypoint:   []string{"/app/server"},
	Cmd:          []string{"--port=8080"},
	Env:          []string{"B=2", "A=1"},
	WorkingDir:   "/app",
	User:         "65532:65532",
	Labels:       map[string]string{"org.opencontainers.image.source": "https://example.com/app"},
	ExposedPorts: []string{"8080/tcp", "53/udp"},
	Volumes:      []string{"/data"},
	StopSignal:   "SIGINT",
	Annotations:  map[string]string{"org.opencontainers.image.version": "1.0"},
	Created:      1700000000,
}

func buildTestImage(t *testing.T) (*Image, []Layer) {
	t.Helper()
	dir := t.TempDir()
	layers := []Layer{writeTestLayer(t, dir, "one", "first"), writeTestLayer(t, dir, "two", "second")}
	img, err := Build(testConfig, layers)
	if err != nil {
		t.Fatal(err)
	}
	return img, layers
}

// checkOCIImage checks that img is the OCI image that want describes.
func checkOCIImage(t *testing.T, img v1.Image, want *Image) {
	t.Helper()
	checkImage(t, img)
	digest, err := img.Digest()
	if err != nil || digest != want.Digest() {
		t.Errorf("digest %v (%v), want %v", digest, err, want.Digest())
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if m.MediaType != "application/vnd.oci.image.manifest.v1+json" || m.Config.MediaType != "application/vnd.oci.image.config.v1+json" {
		t.Errorf("not OCI media types: %s, %s", m.MediaType, m.Config.MediaType)
	}
	if !reflect.DeepEqual(m.Annotations, testConfig.Annotations) {
		t.Errorf("manifest annotations %v, want %v", m.Annotations, testConfig.Annotations)
	}
}

// checkImage checks that img is valid and configured as testConfig says.
func checkImage(t *testing.T, img v1.Image) {
	t.Helper()
	if err := validate.Image(img); err != nil {
		t.Fatalf("validate.Image: %v", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if cf.OS != "linux" || cf.Architecture != "arm64" || cf.Variant != "v8" ||
		!reflect.DeepEqual(c.Entrypoint, testConfig.Entrypoint) || !reflect.DeepEqual(c.Cmd, testConfig.Cmd) ||
		!reflect.DeepEqual(c.Env, testConfig.Env) || c.WorkingDir != "/app" || c.User != "65532:65532" ||
		!reflect.DeepEqual(c.Labels, testConfig.Labels) || cf.Created.Unix() != 1700000000 ||
		!reflect.DeepEqual(c.ExposedPorts, map[string]struct{}{"8080/tcp": {}, "53/udp": {}}) ||
		!reflect.DeepEqual(c.Volumes, map[string]struct{}{"/data": {}}) || c.StopSignal != "SIGINT" {
		t.Errorf("config does not match what was asked: %+v", cf)
	}
	if len(cf.History) != 2 || cf.History[1].CreatedBy != "test two" || len(cf.RootFS.DiffIDs) != 2 {
		t.Errorf("history or rootfs: %+v %+v", cf.History, cf.RootFS)
	}
}

func TestWriteLayout(t *testing.T) {
	img, _ := buildTestImage(t)
	dir := filepath.Join(t.TempDir(), "layout")
	if err := img.WriteLayout(dir, []string{"example.com:5000/app:v1"}); err != nil {
		t.Fatal(err)
	}
	index, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	im, err := index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].Annotations[annotationRefName] != "v1" ||
		im.Manifests[0].Annotations[annotationContainerdName] != "example.com:5000/app:v1" {
		t.Fatalf("index.json: %+v", im)
	}
	got, err := index.Image(img.Digest())
	if err != nil {
		t.Fatal(err)
	}
	checkOCIImage(t, got, img)
}

// writeTestLayout writes img's layout into a new directory and returns it.
func writeTestLayout(t *testing.T, img *Image, tags []string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "layout")
	if err := img.WriteLayout(dir, tags); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestLayoutLinksLayers checks that a layout stores no second copy of a
// layer: its blob is the layer file itself, reached through a symlink as a
// sandbox presents it.
func TestLayoutLinksLayers(t *testing.T) {
	dir := t.TempDir()
	l := writeTestLayer(t, dir, "one", "first")
	link := filepath.Join(dir, "link.tar.gz")
	if err := os.Symlink(l.Blob, link); err != nil {
		t.Fatal(err)
	}
	l.Blob = link
	img, err := Build(testConfig, []Layer{l})
	if err != nil {
		t.Fatal(err)
	}
	layoutDir := writeTestLayout(t, img, nil)
	original, err := os.Stat(l.Blob)
	if err != nil {
		t.Fatal(err)
	}
	inLayout, err := os.Lstat(filepath.Join(layoutDir, blobPath(img.layers[0].desc.Digest)))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(original, inLayout) {
		t.Errorf("the layout's blob is not a hard link of the layer file")
	}
}

// TestLayoutCopiesAcrossDevices checks the fallback where a link cannot be
// made: the layer file on another file system (/dev/shm, a tmpfs).
func TestLayoutCopiesAcrossDevices(t *testing.T) {
	shm, err := os.MkdirTemp("/dev/shm", "layer")
	if err != nil {
		t.Skipf("no /dev/shm: %v", err)
	}
	defer os.RemoveAll(shm)
	l := writeTestLayer(t, shm, "one", "first")
	img, err := Build(testConfig, []Layer{l})
	if err != nil {
		t.Fatal(err)
	}
	layoutDir := writeTestLayout(t, img, nil)
	if err := os.Link(l.Blob, filepath.Join(layoutDir, "probe")); err == nil {
		t.Skip("/dev/shm and the test's temporary directory are one file system")
	}
	want, _ := os.ReadFile(l.Blob)
	got, err := os.ReadFile(filepath.Join(layoutDir, blobPath(img.layers[0].desc.Digest)))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("the layer blob was not copied into the layout (%v)", err)
	}
}

func TestWriteLayoutRefusesAChangedLayer(t *testing.T) {
	dir := t.TempDir()
	l := writeTestLayer(t, dir, "one", "first")
	img, err := Build(testConfig, []Layer{l})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(l.Blob, []byte("not the layer"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = img.WriteLayout(filepath.Join(t.TempDir(), "layout"), nil)
	if err == nil || !strings.Contains(err.Error(), "rebuild the layer") {
		t.Errorf("got %v, want an error saying the blob does not match its descriptor", err)
	}
}

func TestWriteTarballIsLayoutAndDockerArchive(t *testing.T) {
	img, _ := buildTestImage(t)
	tags := []string{"example.com/app:v1", "app:latest"}
	layoutDir := writeTestLayout(t, img, tags)
	var buf bytes.Buffer
	if err := WriteTarball(&buf, layoutDir, tags, ""); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "image.tar")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	// As a docker archive: manifest.json, read by go-containerregistry, which
	// (as `docker load` does) makes a Docker manifest of its own.
	for _, tag := range tags {
		docker, err := tarball.ImageFromPath(path, mustTag(t, tag))
		if err != nil {
			t.Fatalf("%s: %v", tag, err)
		}
		checkImage(t, docker)
	}

	// As an OCI layout archive: its files are exactly those of the layout.
	tr := tar.NewReader(bytes.NewReader(buf.Bytes()))
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.ModTime.Unix() != 0 || h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: mtime %v, owner %d:%d", h.Name, h.ModTime, h.Uid, h.Gid)
		}
		if h.Typeflag != tar.TypeReg || h.Name == "manifest.json" {
			continue
		}
		body, _ := io.ReadAll(tr)
		onDisk, err := os.ReadFile(filepath.Join(layoutDir, h.Name))
		if err != nil || !bytes.Equal(body, onDisk) {
			t.Errorf("%s differs from the layout directory's (%v)", h.Name, err)
		}
	}
	if names[0] != "blobs/" || names[len(names)-1] != "oci-layout" || len(names) != 2+4+3 {
		t.Errorf("tar entries: %v", names)
	}
}

// TestWriteTarballRenames checks that other tags than the layout's name the
// image in index.json (which podman reads) as well as in manifest.json.
func TestWriteTarballRenames(t *testing.T) {
	img, _ := buildTestImage(t)
	layoutDir := writeTestLayout(t, img, []string{"example.com/app:v1"})
	var buf bytes.Buffer
	if err := WriteTarball(&buf, layoutDir, []string{"other.example/renamed:2", "x:y"}, ""); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no index.json in the tarball: %v", err)
		}
		if h.Name != "index.json" {
			continue
		}
		var index v1.IndexManifest
		if err := json.NewDecoder(tr).Decode(&index); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{annotationRefName: "2", annotationContainerdName: "other.example/renamed:2"}
		if !reflect.DeepEqual(index.Manifests[0].Annotations, want) || index.Manifests[0].Digest != img.Digest() {
			t.Errorf("index.json names %v (%v), want %v", index.Manifests[0].Annotations, index.Manifests[0].Digest, want)
		}
		return
	}
}

func TestWriteTarballRefusesACorruptBlob(t *testing.T) {
	img, _ := buildTestImage(t)
	layoutDir := filepath.Join(t.TempDir(), "layout")
	if err := img.WriteLayout(layoutDir, nil); err != nil {
		t.Fatal(err)
	}
	configPath := filepath.Join(layoutDir, blobPath(img.config.desc.Digest))
	if err := os.WriteFile(configPath, []byte(`{"architecture":"evil"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteTarball(io.Discard, layoutDir, nil, "")
	if err == nil || !strings.Contains(err.Error(), "does not have the digest its name says") {
		t.Errorf("got %v, want an error naming the corrupt blob", err)
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	a, _ := buildTestImage(t)
	b, _ := buildTestImage(t)
	if a.Digest() != b.Digest() {
		t.Errorf("same inputs, two digests: %v and %v", a.Digest(), b.Digest())
	}
	var ta, tb bytes.Buffer
	if err := WriteTarball(&ta, writeTestLayout(t, a, nil), nil, ""); err != nil {
		t.Fatal(err)
	}
	if err := WriteTarball(&tb, writeTestLayout(t, b, nil), nil, ""); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ta.Bytes(), tb.Bytes()) {
		t.Error("same inputs, two tarballs")
	}
}

func TestBuildRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:`+strings.Repeat("0", 64)+`","size":0}`), 0o644)
	tests := []struct {
		name   string
		cfg    Config
		layers []Layer
		want   string
	}{
		{"no platform", Config{}, nil, "needs an os and an architecture"},
		{"missing descriptor", testConfig, []Layer{{Blob: "x", Descriptor: filepath.Join(dir, "none.json")}}, "reading layer descriptor"},
		{"incomplete descriptor", testConfig, []Layer{{Blob: "x", Descriptor: bad}}, "is incomplete"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(tc.cfg, tc.layers)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestTagOf(t *testing.T) {
	for ref, want := range map[string]string{
		"app":                    "latest",
		"app:v1":                 "v1",
		"localhost:5000/app":     "latest",
		"localhost:5000/app:1.2": "1.2",
	} {
		if got := tagOf(ref); got != want {
			t.Errorf("tagOf(%q) = %q, want %q", ref, got, want)
		}
	}
}

func mustTag(t *testing.T, s string) *name.Tag {
	t.Helper()
	tag, err := name.NewTag(s)
	if err != nil {
		t.Fatal(err)
	}
	return &tag
}
