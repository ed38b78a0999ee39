package image

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/rules-scratch/rules_scratch/tools/layer"
)

// FuzzDescriptorAndConfig builds an image from an arbitrary layer
// descriptor and an arbitrary config, both JSON: either an error, or an
// image whose config and manifest are JSON and whose entrypoint check
// answers without panicking.
func FuzzDescriptorAndConfig(f *testing.F) {
	desc, _ := json.Marshal(layer.Descriptor{MediaType: "application/vnd.oci.image.layer.v1.tar+gzip", Size: 10,
		Executables: map[string]layer.Executable{"/app/x": {Mode: 0o755, Arch: "amd64"}}, Symlinks: map[string]string{"/bin/x": "../app/x", "/a": "/a"}})
	cfg, _ := json.Marshal(testConfig)
	f.Add(desc, cfg)
	f.Add([]byte(`{"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":"sha256:`+string(bytes.Repeat([]byte("a"), 64))+`","size":1,"diffID":"sha256:`+string(bytes.Repeat([]byte("b"), 64))+`"}`), []byte(`{"os":"linux","architecture":"arm64","entrypoint":["/bin/x"]}`))
	f.Add([]byte(`{}`), []byte(`{}`))
	f.Fuzz(func(t *testing.T, descriptor, config []byte) {
		path := filepath.Join(t.TempDir(), "layer.json")
		if err := os.WriteFile(path, descriptor, 0o644); err != nil {
			t.Fatal(err)
		}
		var c Config
		if json.Unmarshal(config, &c) != nil {
			return
		}
		img, err := Build(c, []Layer{{Blob: "unused", Descriptor: path}})
		if err != nil {
			return
		}
		var m, cf map[string]any
		if json.Unmarshal(img.manifest.data, &m) != nil || json.Unmarshal(img.config.data, &cf) != nil {
			t.Fatalf("the manifest or config is not JSON:\n%s\n%s", img.manifest.data, img.config.data)
		}
		img.CheckEntrypoint()
	})
}
