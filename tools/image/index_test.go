package image

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// writePlatformLayouts writes one image per platform, all with the same
// layer, and returns their layouts.
func writePlatformLayouts(t *testing.T, archs ...string) []string {
	t.Helper()
	dir := t.TempDir()
	shared := writeTestLayer(t, dir, "shared", "the same on every platform")
	var layouts []string
	for _, arch := range archs {
		cfg := testConfig
		cfg.Architecture, cfg.Variant, _ = strings.Cut(arch, "/")
		img, err := Build(cfg, []Layer{shared})
		if err != nil {
			t.Fatal(err)
		}
		layouts = append(layouts, writeTestLayout(t, img, nil))
	}
	return layouts
}

func TestIndex(t *testing.T) {
	layouts := writePlatformLayouts(t, "amd64", "arm64/v8", "arm/v7")
	ix, err := BuildIndex(layouts)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "index")
	if err := ix.WriteLayout(dir, []string{"example.com/app:v1"}); err != nil {
		t.Fatal(err)
	}
	root, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	rm, _ := root.IndexManifest()
	if len(rm.Manifests) != 1 || rm.Manifests[0].Digest != ix.Digest() || rm.Manifests[0].Annotations[annotationRefName] != "v1" {
		t.Fatalf("index.json: %+v", rm)
	}
	idx, err := root.ImageIndex(ix.Digest())
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(idx); err != nil {
		t.Fatalf("validate.Index: %v", err)
	}
	im, _ := idx.IndexManifest()
	var platforms []string
	for _, m := range im.Manifests {
		platforms = append(platforms, m.Platform.String())
	}
	if strings.Join(platforms, " ") != "linux/amd64 linux/arm64/v8 linux/arm/v7" {
		t.Errorf("platforms %v, in the order given", platforms)
	}
	// 3 manifests + 3 configs + 1 shared layer + the index manifest.
	blobs, _ := os.ReadDir(filepath.Join(dir, "blobs", "sha256"))
	if len(blobs) != 8 {
		t.Errorf("%d blobs, want 8: the shared layer once", len(blobs))
	}

	var buf bytes.Buffer
	if err := WriteTarball(&buf, dir, []string{"example.com/app:v1"}, "linux/arm64/v8"); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "index.tar")
	os.WriteFile(path, buf.Bytes(), 0o644)
	docker, err := tarball.ImageFromPath(path, mustTag(t, "example.com/app:v1"))
	if err != nil {
		t.Fatal(err)
	}
	cf, err := docker.ConfigFile()
	if err != nil || cf.Architecture != "arm64" || cf.Variant != "v8" {
		t.Errorf("manifest.json names a %s/%s image (%v), want arm64/v8", cf.Architecture, cf.Variant, err)
	}
	err = WriteTarball(&buf, dir, nil, "linux/s390x")
	if err == nil || !strings.Contains(err.Error(), `no image for platform "linux/s390x"; it has linux/amd64, linux/arm64/v8, linux/arm/v7`) {
		t.Errorf("got %v, want an error listing the platforms", err)
	}
}

func TestIndexRefusesTwoImagesForOnePlatform(t *testing.T) {
	layouts := writePlatformLayouts(t, "amd64", "amd64")
	_, err := BuildIndex(layouts)
	if err == nil || !strings.Contains(err.Error(), "are both for linux/amd64") {
		t.Errorf("got %v", err)
	}
}
