package main_test

import (
	"bytes"
	"flag"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-scratch/rules_scratch/tools/imagetest"
	"github.com/rules-scratch/rules_scratch/tools/layer"
)

// Paths of the built outputs, as $(rlocationpath(s)) gives them.
var (
	imagePaths = flag.String("image", "", "the image's outputs: its layout, .tar and .digest")
	binaryPath = flag.String("binary", "", "the static binary put in the image")
)

func loadImage(t *testing.T) v1.Image {
	t.Helper()
	return imagetest.Load(t, imagetest.Output(t, *imagePaths, ""))
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
	binary, err := os.ReadFile(imagetest.Runfile(t, *binaryPath))
	if err != nil {
		t.Fatal(err)
	}
	var listing []string
	for _, e := range imagetest.Files(t, layers[0]) {
		listing = append(listing, e.Name)
		if e.Name == "app/hello" && (!bytes.Equal(e.Body, binary) || e.Mode != 0o755 || e.Uid != 0 || e.Gid != 0 || e.ModTime.Unix() != 0) {
			t.Errorf("app/hello: mode %o, owner %d:%d, mtime %v, same bytes as the binary: %v", e.Mode, e.Uid, e.Gid, e.ModTime, bytes.Equal(e.Body, binary))
		}
	}
	if strings.Join(listing, " ") != "app/ app/hello" {
		t.Errorf("layer holds %q, want [app/ app/hello]", listing)
	}

	// The binary alone, gzip-compressed as every layer is.
	var gz bytes.Buffer
	w, err := layer.NewCompressor(&gz, layer.Gzip, 1)
	if err != nil {
		t.Fatal(err)
	}
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

// TestDigestFile checks that <name>.digest names the layout's image. The
// digest itself is pinned by //examples:digests_test.
func TestDigestFile(t *testing.T) {
	got, err := os.ReadFile(imagetest.Output(t, *imagePaths, ".digest"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := loadImage(t).Digest()
	if err != nil || d.String() != string(got) {
		t.Errorf("the layout's image has digest %v (%v), but the .digest file says %s", d, err, got)
	}
}
