package main_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// Paths of the built outputs, as $(rlocationpath(s)) gives them.
var (
	imagePaths = flag.String("image", "", "the image's outputs: its layout, .tar and .digest")
	binaryPath = flag.String("binary", "", "the static binary put in the image")
	goldenPath = flag.String("golden", "", "the golden digest of the linux/amd64 image")
)

func runfile(t *testing.T, rlocation string) string {
	t.Helper()
	if rlocation == "" {
		t.Fatal("run this test with bazel test //examples/hello:image_test")
	}
	return filepath.Join(os.Getenv("TEST_SRCDIR"), rlocation)
}

// imageOutput returns the image output whose name ends with suffix ("" for
// the layout directory).
func imageOutput(t *testing.T, suffix string) string {
	t.Helper()
	for _, p := range strings.Fields(*imagePaths) {
		if filepath.Ext(p) == suffix {
			return runfile(t, p)
		}
	}
	t.Fatalf("no output ending in %q among %q", suffix, *imagePaths)
	return ""
}

// copyTree copies a directory, following symlinks: runfiles hold a tree
// artifact's files as symlinks, which go-containerregistry's layout refuses.
func copyTree(t *testing.T, src string) string {
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

func loadImage(t *testing.T) v1.Image {
	t.Helper()
	index, err := layout.ImageIndexFromPath(copyTree(t, imageOutput(t, "")))
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

func TestConfig(t *testing.T) {
	cf, err := loadImage(t).ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.OS != "linux" || cf.Architecture != runtime.GOARCH {
		t.Errorf("platform %s/%s, want linux/%s", cf.OS, cf.Architecture, runtime.GOARCH)
	}
	if !reflect.DeepEqual(cf.Config.Entrypoint, []string{"/app/hello"}) {
		t.Errorf("entrypoint %q, want [/app/hello]", cf.Config.Entrypoint)
	}
	if cf.Config.User != "65532:65532" {
		t.Errorf("user %q, want the non-root 65532:65532", cf.Config.User)
	}
	if got := cf.Created.UTC().Format("2006-01-02T15:04:05Z"); got != "1970-01-01T00:00:00Z" {
		t.Errorf("created %s, want the epoch", got)
	}
}

// TestSingleLayer checks that the image holds the binary and nothing else, and
// costs nothing beyond the compressed binary and its tar metadata.
func TestSingleLayer(t *testing.T) {
	layers, err := loadImage(t).Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("want one layer, got %d (%v)", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	binary, err := os.ReadFile(runfile(t, *binaryPath))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(rc)
	var listing []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		listing = append(listing, h.Name)
		if h.Name == "app/hello" {
			body, _ := io.ReadAll(tr)
			if !bytes.Equal(body, binary) || h.Mode != 0o755 || h.Uid != 0 || h.Gid != 0 || h.ModTime.Unix() != 0 {
				t.Errorf("app/hello: mode %o, owner %d:%d, mtime %v, same bytes as the binary: %v", h.Mode, h.Uid, h.Gid, h.ModTime, bytes.Equal(body, binary))
			}
		}
	}
	if strings.Join(listing, " ") != "app/ app/hello" {
		t.Errorf("layer holds %q, want [app/ app/hello]", listing)
	}

	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write(binary)
	w.Close()
	size, err := layers[0].Size()
	if err != nil {
		t.Fatal(err)
	}
	if limit := int64(gz.Len()) + 2048; size > limit {
		t.Errorf("layer is %d bytes compressed; the gzip-compressed binary is %d, so the limit is %d", size, gz.Len(), limit)
	}
	t.Logf("layer %d bytes, gzip-compressed binary %d bytes", size, gz.Len())
}

// TestGoldenDigest pins the image digest: any change to what the rules or the
// tool write shows up here and must be explained as a breaking change.
func TestGoldenDigest(t *testing.T) {
	got, err := os.ReadFile(imageOutput(t, ".digest"))
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOARCH != "amd64" {
		t.Skipf("the golden digest is that of the linux/amd64 image; this one is linux/%s (%s)", runtime.GOARCH, got)
	}
	want, err := os.ReadFile(runfile(t, *goldenPath))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != strings.TrimSpace(string(want)) {
		t.Errorf("image digest %s, golden %s.\nIf the change is intended, explain it as a breaking change and update examples/hello/image.digest.golden.",
			got, strings.TrimSpace(string(want)))
	}
	d, err := loadImage(t).Digest()
	if err != nil || d.String() != string(got) {
		t.Errorf("the layout's image has digest %v (%v), but the .digest file says %s", d, err, got)
	}
}
