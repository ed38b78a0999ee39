package sbom

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func decodeCycloneDX(t *testing.T, data []byte) cdxDocument {
	t.Helper()
	var doc cdxDocument
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("the SBOM is not the JSON we write: %v\n%s", err, data)
	}
	return doc
}

func componentNamed(doc cdxDocument, name string) *cdxComponent {
	for i := range doc.Components {
		if doc.Components[i].Name == name {
			return &doc.Components[i]
		}
	}
	return nil
}

func dependsOn(doc cdxDocument, from, to string) bool {
	for _, d := range doc.Dependencies {
		if d.Ref == from && slices.Contains(d.DependsOn, to) {
			return true
		}
	}
	return false
}

func TestCycloneDXSaysWhatSPDXSays(t *testing.T) {
	uuid := Module{Path: "github.com/google/uuid", Version: "v1.6.0"}
	spdx, err := SPDX(testImage(uuid), testSums)
	if err != nil {
		t.Fatal(err)
	}
	data, err := CycloneDX(spdx)
	if err != nil {
		t.Fatal(err)
	}
	doc := decodeCycloneDX(t, data)
	if doc.BOMFormat != "CycloneDX" || doc.SpecVersion != "1.6" || doc.Metadata.Timestamp != "2023-11-14T22:13:20Z" {
		t.Errorf("format %q %q, timestamp %q", doc.BOMFormat, doc.SpecVersion, doc.Metadata.Timestamp)
	}
	if !regexp.MustCompile(`^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(doc.SerialNumber) {
		t.Errorf("serial number %q is not a version 8 UUID URN", doc.SerialNumber)
	}
	image := doc.Metadata.Component
	if image.Type != "container" || image.Name != "registry.example/team/app:1.0" || image.Purl != "pkg:oci/app@sha256%3A"+imageHex+"?arch=arm64&tag=1.0" {
		t.Errorf("the image: %+v", image)
	}

	server := componentNamed(doc, "server")
	if server == nil || server.Type != "application" || len(server.Hashes) != 2 || server.Hashes[1] != (cdxHash{"SHA-256", appHex}) ||
		server.Evidence == nil || server.Evidence.Occurrences[0].Location != "/app/server" {
		t.Fatalf("the binary: %+v", server)
	}
	for name, want := range map[string]cdxComponent{
		"github.com/google/uuid": {Type: "library", Version: "v1.6.0", Purl: "pkg:golang/github.com/google/uuid@v1.6.0"},
		"stdlib":                 {Type: "library", Version: "go1.26.8", Purl: "pkg:golang/stdlib@1.26.8"},
	} {
		c := componentNamed(doc, name)
		if c == nil || c.Type != want.Type || c.Version != want.Version || c.Purl != want.Purl {
			t.Errorf("%s: %+v, want %+v", name, c, want)
			continue
		}
		if !dependsOn(doc, server.BOMRef, c.BOMRef) {
			t.Errorf("the binary does not depend on %s", name)
		}
	}
	if uuid := componentNamed(doc, "github.com/google/uuid"); uuid.Hashes[0].Content != "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" {
		t.Errorf("uuid's hash %+v, want go.sum's h1 in hex", uuid.Hashes)
	}
	// The CA bundle's module is its ancestor, not a component of the image.
	certs := componentNamed(doc, "ca-certificates")
	if certs == nil || certs.Pedigree == nil || certs.Pedigree.Ancestors[0].Purl != "pkg:golang/golang.org/x/crypto/x509roots/fallback@v0.1.0" || certs.Pedigree.Ancestors[0].BOMRef != "" {
		t.Errorf("ca-certificates: %+v", certs)
	}
	if componentNamed(doc, "golang.org/x/crypto/x509roots/fallback") != nil {
		t.Errorf("the CA bundle's module is listed as a component of the image")
	}
	// Layers hold their regular files; the image contains its layers.
	layer := componentNamed(doc, "layer 1: scratch_layer //app:image_layer")
	if layer == nil || !dependsOn(doc, image.BOMRef, layer.BOMRef) {
		t.Fatalf("the image does not contain the app layer: %+v", layer)
	}
	var files []string
	for _, f := range layer.Components {
		files = append(files, f.Type+" "+f.Name)
	}
	if strings.Join(files, ";") != "file /app/server;file /app/server-link" && strings.Join(files, ";") != "file /app/server-link;file /app/server" {
		t.Errorf("the app layer's files: %v", files)
	}

	// Every bom-ref once; every dependency names one.
	refs := map[string]int{image.BOMRef: 1}
	var walk func([]cdxComponent)
	walk = func(cs []cdxComponent) {
		for _, c := range cs {
			if c.BOMRef != "" {
				refs[c.BOMRef]++
			}
			walk(c.Components)
		}
	}
	walk(doc.Components)
	for ref, n := range refs {
		if n != 1 {
			t.Errorf("bom-ref %s is used %d times", ref, n)
		}
	}
	for _, d := range doc.Dependencies {
		for _, ref := range append([]string{d.Ref}, d.DependsOn...) {
			if refs[ref] == 0 {
				t.Errorf("dependency names %s, which no component has", ref)
			}
		}
	}
	modules, err := Modules(data)
	if err != nil || strings.Join(modules, ";") != "github.com/google/uuid v1.6.0;stdlib go1.26.8" {
		t.Errorf("Modules of the CycloneDX document = %q, %v", modules, err)
	}
}

func TestCycloneDXOfAnIndex(t *testing.T) {
	amd := testImage()
	amd.Platform = v1.Platform{OS: "linux", Architecture: "amd64"}
	amd.Digest = hash(tarHex)
	spdx, err := IndexSPDX(&Index{Name: "registry.example/team/app:1.0", Digest: hash(layerHex), Images: []*Image{amd, testImage()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := CycloneDX(spdx)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := CycloneDX(spdx)
	if !bytes.Equal(data, again) {
		t.Errorf("two conversions differ")
	}
	doc := decodeCycloneDX(t, data)
	var images []string
	for _, c := range doc.Components {
		if c.Type == "container" && dependsOn(doc, doc.Metadata.Component.BOMRef, c.BOMRef) {
			images = append(images, c.Purl)
		}
	}
	if len(images) != 2 {
		t.Errorf("the index contains %v, want its two images", images)
	}
}
