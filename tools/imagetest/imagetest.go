// Package imagetest helps Bazel tests read the images the rules built.
package imagetest

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// Runfile returns the path of a runfile given as $(rlocationpath ...).
func Runfile(t testing.TB, rlocation string) string {
	t.Helper()
	if rlocation == "" {
		t.Fatal("no runfile given: run this test with bazel test")
	}
	return filepath.Join(os.Getenv("TEST_SRCDIR"), rlocation)
}

// Output picks, from the space-separated $(rlocationpaths) of a
// scratch_image, the output whose name ends in ext ("" for the layout).
func Output(t testing.TB, rlocations, ext string) string {
	t.Helper()
	for _, p := range strings.Fields(rlocations) {
		if filepath.Ext(p) == ext {
			return Runfile(t, p)
		}
	}
	t.Fatalf("no output ending in %q among %q", ext, rlocations)
	return ""
}

// Load reads the single image of an OCI layout and checks it with
// go-containerregistry's validate.Image.
func Load(t testing.TB, dir string) v1.Image {
	t.Helper()
	index, err := layout.ImageIndexFromPath(copyTree(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	m, err := index.IndexManifest()
	if err != nil || len(m.Manifests) != 1 {
		t.Fatalf("index.json should name one image: %+v (%v)", m, err)
	}
	img, err := index.Image(m.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(img); err != nil {
		t.Fatalf("validate.Image: %v", err)
	}
	return img
}

// Entry is a tar header with the entry's content.
type Entry struct {
	*tar.Header
	Body []byte
}

// Files lists the entries of a layer, in order.
func Files(t testing.TB, l v1.Layer) []Entry {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	return readTar(t, rc)
}

// BlobFiles lists the entries of a gzip-compressed layer blob, such as a
// scratch_layer's <name>.tar.gz, given as $(rlocationpath).
func BlobFiles(t testing.TB, rlocation string) []Entry {
	t.Helper()
	f, err := os.Open(Runfile(t, rlocation))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	return readTar(t, zr)
}

func readTar(t testing.TB, r io.Reader) []Entry {
	t.Helper()
	tr := tar.NewReader(r)
	var out []Entry
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Entry{h, body})
	}
}

// copyTree copies a directory, following symlinks: runfiles hold a tree
// artifact's files as symlinks, which go-containerregistry's layout refuses.
func copyTree(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == src {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		info, err := os.Stat(p)
		if err != nil {
			return err
		}
		if info.IsDir() {
			return os.Mkdir(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}
