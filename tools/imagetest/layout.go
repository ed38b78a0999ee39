package imagetest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-scratch/rules_scratch/tools/image"
	"github.com/rules-scratch/rules_scratch/tools/layer"
)

// WriteLayout writes, as the rules do, an image for the architecture of two
// layers (a small one holding content, a big one the same whatever the
// content) and returns the layout directory and the image digest.
func WriteLayout(t testing.TB, content, arch string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	var layers []image.Layer
	for i, data := range []string{content, strings.Repeat("big layer ", 100000)} {
		src := filepath.Join(dir, fmt.Sprint("src", i))
		if err := os.WriteFile(src, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		blob := filepath.Join(dir, fmt.Sprint("layer", i))
		f, err := os.Create(blob)
		if err != nil {
			t.Fatal(err)
		}
		desc, err := layer.Write(f, []layer.Entry{{Kind: layer.KindFile, Path: "/data", Source: src}})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		descPath := blob + ".json"
		data, _ := json.Marshal(desc)
		if err := os.WriteFile(descPath, data, 0o644); err != nil {
			t.Fatal(err)
		}
		layers = append(layers, image.Layer{Blob: blob, Descriptor: descPath})
	}
	img, err := image.Build(image.Config{OS: "linux", Architecture: arch, Entrypoint: []string{"/data"}}, layers)
	if err != nil {
		t.Fatal(err)
	}
	layoutDir := filepath.Join(dir, "layout")
	if err := img.WriteLayout(layoutDir, nil); err != nil {
		t.Fatal(err)
	}
	return layoutDir, img.Digest().String()
}

// WriteIndex writes an index of the layouts' images and returns its layout
// directory and digest.
func WriteIndex(t testing.TB, layouts ...string) (string, string) {
	t.Helper()
	index, err := image.BuildIndex(layouts)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "index")
	if err := index.WriteLayout(dir, nil); err != nil {
		t.Fatal(err)
	}
	return dir, index.Digest().String()
}
