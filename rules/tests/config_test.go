package tests_test

import (
	"flag"
	"reflect"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-scratch/rules_scratch/tools/imagetest"
)

var (
	base    = flag.String("base", "", "$(rlocationpaths) of the base image")
	derived = flag.String("derived", "", "$(rlocationpaths) of the image built on it")
	embed   = flag.String("embed", "", "$(rlocationpaths) of a go_scratch_image built from embed")
)

// TestEmbedImage checks go_scratch_image's defaults with `embed`: the binary
// named after its package folder, essentials below it, a non-root user.
func TestEmbedImage(t *testing.T) {
	img := imagetest.Load(t, imagetest.Output(t, *embed, ""))
	cf := configOf(t, img)
	if !reflect.DeepEqual(cf.Config.Entrypoint, []string{"/app/tests"}) || cf.Config.User != "65532:65532" {
		t.Errorf("entrypoint %q, user %q; want [/app/tests] and 65532:65532", cf.Config.Entrypoint, cf.Config.User)
	}
	layers, _ := img.Layers()
	if len(layers) != 2 {
		t.Fatalf("want the tmp essential and the binary's layer, got %d layers", len(layers))
	}
	var names []string
	for _, e := range imagetest.Files(t, layers[1]) {
		names = append(names, e.Name)
	}
	if len(names) < 2 || names[0] != "app/" || names[1] != "app/tests" {
		t.Errorf("binary layer holds %q", names)
	}
}

func configOf(t *testing.T, img v1.Image) *v1.ConfigFile {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	return cf
}

func TestBaseConfig(t *testing.T) {
	c := configOf(t, imagetest.Load(t, imagetest.Output(t, *base, ""))).Config
	want := v1.Config{
		Entrypoint:   []string{"/base"},
		Cmd:          []string{"--base"},
		Env:          []string{"A=1", "B=2"},
		Labels:       map[string]string{"from": "base", "keep": "base"},
		ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		WorkingDir:   "/w",
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("config\n got %+v\nwant %+v", c, want)
	}
}

// TestDerivedImage checks how `base` is inherited: layers first, config
// overridden or merged as a later Dockerfile stage would have it.
func TestDerivedImage(t *testing.T) {
	baseImg := imagetest.Load(t, imagetest.Output(t, *base, ""))
	img := imagetest.Load(t, imagetest.Output(t, *derived, ""))
	cf := configOf(t, img)
	want := v1.Config{
		Entrypoint:   []string{"/base"},
		Cmd:          []string{"--derived"},
		Env:          []string{"A=1", "B=3", "C=k8", "D=_main/rules/tests/testdata/plain.txt"},
		Labels:       map[string]string{"from": "derived", "keep": "base"},
		ExposedPorts: map[string]struct{}{"8080/tcp": {}, "53/udp": {}},
		Volumes:      map[string]struct{}{"/data": {}},
		WorkingDir:   "/w",
		User:         "nonroot",
		StopSignal:   "SIGINT",
	}
	if !reflect.DeepEqual(cf.Config, want) {
		t.Errorf("config\n got %+v\nwant %+v", cf.Config, want)
	}
	if cf.Created.Unix() != 1700000000 || cf.History[0].Created.Unix() != 1700000000 {
		t.Errorf("created %v, history %+v: want source_date_epoch", cf.Created, cf.History)
	}
	baseLayers, _ := baseImg.Layers()
	layers, _ := img.Layers()
	if len(layers) != 2 || len(baseLayers) != 1 {
		t.Fatalf("want the base's layer and one more, got %d (base %d)", len(layers), len(baseLayers))
	}
	d0, _ := layers[0].Digest()
	b0, _ := baseLayers[0].Digest()
	if d0 != b0 {
		t.Errorf("first layer %v is not the base's %v", d0, b0)
	}
	if names := imagetest.Files(t, layers[1]); len(names) != 2 || names[1].Name != "etc/nsswitch.conf" {
		t.Errorf("second layer holds %+v", names)
	}
	m, _ := img.Manifest()
	if m.Annotations["org.opencontainers.image.version"] != "1.2.3" {
		t.Errorf("annotations %v", m.Annotations)
	}
}
