package sbom

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-scratch/rules_scratch/tools/layer"
)

const (
	imageHex = "6a19d8204b602dd0ce1b60e41ca89ce2141f433fe2d68d622a84d262a2d8f46d"
	layerHex = "3a1d0e4d56dedd63757a3a85e55e911927c8333d2e061d8b47ebd003654c83df"
	appHex   = "52c4bc1fec1fbb767722ee427a2c346768b11a73319eb6f439e023da00349637"
	certHex  = "e4d06499df0c1d3f6a1c2c3b8f2e9d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e"
	tarHex   = "52c7ffafd239fab0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718"
	app1Hex  = "a9993e364706816aba3e25717850c26c9cd0d89d"
	cert1Hex = "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
)

func hash(hex string) v1.Hash { return v1.Hash{Algorithm: "sha256", Hex: hex} }

// testImage is an image of two layers: a CA bundle generated from a module,
// and a Go binary linking two modules (in the order given).
func testImage(modules ...Module) *Image {
	return &Image{
		Name:     "registry.example/team/app:1.0",
		Digest:   hash(imageHex),
		Platform: v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"},
		Created:  1700000000,
		Layers: []Layer{{
			Descriptor: layer.Descriptor{
				MediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
				Digest:    hash(layerHex), Size: 100, DiffID: hash(layerHex),
				Files: []layer.File{
					{Path: "/etc", Kind: layer.KindDir, Mode: 0o755},
					{Path: "/etc/ssl/certs/ca-certificates.crt", Kind: layer.KindFile, Mode: 0o644, Size: 10, SHA256: certHex, SHA1: cert1Hex},
				},
			},
			CreatedBy: "scratch_layer //rules/essentials:ca_certificates",
			Packages: []Package{{
				Kind: KindPackage, Name: "ca-certificates", Version: "v0.1.0",
				Source: &Module{Path: "golang.org/x/crypto/x509roots/fallback", Version: "v0.1.0"},
				Paths:  []string{"/etc/ssl/certs/"},
			}},
		}, {
			Descriptor: layer.Descriptor{
				MediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
				Digest:    hash(appHex), Size: 200, DiffID: hash(appHex),
				Files: []layer.File{
					{Path: "/app", Kind: layer.KindDir, Mode: 0o755},
					{Path: "/app/server", Kind: layer.KindFile, Mode: 0o755, Size: 20, SHA256: appHex, SHA1: app1Hex},
					{Path: "/app/current", Kind: layer.KindSymlink, Mode: 0o777, Target: "server"},
					{Path: "/app/server-link", Kind: layer.KindHardlink, Mode: 0o755, Target: "app/server"},
				},
			},
			CreatedBy: "scratch_layer //app:image_layer",
			Packages: []Package{{
				Kind: KindGoBinary, Path: "/app/server",
				Main:    &Module{Path: "example.com/app", Version: "(devel)"},
				Stdlib:  "go1.26.8",
				Modules: modules,
			}},
		}},
	}
}

var testSums = Sums{
	// base64 of 32 bytes 0x00..0x1f
	"github.com/google/uuid@v1.6.0": "h1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
}

func decode(t *testing.T, data []byte) spdxDocument {
	t.Helper()
	var doc spdxDocument
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("the SBOM is not the JSON we write: %v\n%s", err, data)
	}
	return doc
}

func packageNamed(doc spdxDocument, name string) *spdxPackage {
	for i := range doc.Packages {
		if doc.Packages[i].Name == name {
			return &doc.Packages[i]
		}
	}
	return nil
}

// related says whether the document relates from to to, by a relationship
// or, for CONTAINS, by the package's hasFiles.
func related(doc spdxDocument, from, kind, to string) bool {
	for _, r := range doc.Relationships {
		if r.Element == from && r.Type == kind && r.Related == to {
			return true
		}
	}
	for _, p := range doc.Packages {
		if p.SPDXID == from && kind == "CONTAINS" && slices.Contains(p.HasFiles, to) {
			return true
		}
	}
	return false
}

func TestSPDXDescribesImage(t *testing.T) {
	uuid := Module{Path: "github.com/google/uuid", Version: "v1.6.0", Repo: "gazelle~~go_deps~com_github_google_uuid"}
	burnt := Module{Path: "github.com/BurntSushi/toml", Version: "v1.4.0"}
	data, err := SPDX(testImage(uuid, burnt), testSums)
	if err != nil {
		t.Fatal(err)
	}
	doc := decode(t, data)

	if doc.SPDXVersion != "SPDX-2.3" || doc.CreationInfo.Created != "2023-11-14T22:13:20Z" {
		t.Errorf("version %q, created %q: want SPDX-2.3 and the image's created time", doc.SPDXVersion, doc.CreationInfo.Created)
	}
	if want := NamespacePrefix + "registry.example%2Fteam%2Fapp:1.0/sha256-" + imageHex; doc.DocumentNamespace != want {
		t.Errorf("namespace %q, want %q", doc.DocumentNamespace, want)
	}
	img := packageNamed(doc, "registry.example/team/app:1.0")
	if img == nil || img.ExternalRefs[0].ReferenceLocator != "pkg:oci/app@sha256%3A"+imageHex+"?arch=arm64&tag=1.0" {
		t.Fatalf("image package: %+v", img)
	}
	server := packageNamed(doc, "server")
	if server == nil || server.PackageFileName != "/app/server" || !server.FilesAnalyzed || len(server.Checksums) != 2 || server.Checksums[0] != (spdxChecksum{"SHA1", app1Hex}) || server.Checksums[1] != (spdxChecksum{"SHA256", appHex}) {
		t.Fatalf("binary package: %+v", server)
	}

	tests := []struct {
		name, version, purl, checksum string
	}{
		{"github.com/google/uuid", "v1.6.0", "pkg:golang/github.com/google/uuid@v1.6.0", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"},
		{"github.com/BurntSushi/toml", "v1.4.0", "pkg:golang/github.com/BurntSushi/toml@v1.4.0", ""},
		{"stdlib", "go1.26.8", "pkg:golang/stdlib@1.26.8", ""},
	}
	for _, tt := range tests {
		p := packageNamed(doc, tt.name)
		if p == nil {
			t.Errorf("no package %s", tt.name)
			continue
		}
		if p.VersionInfo != tt.version || p.ExternalRefs[0].ReferenceLocator != tt.purl {
			t.Errorf("%s: version %q purl %q, want %q %q", tt.name, p.VersionInfo, p.ExternalRefs[0].ReferenceLocator, tt.version, tt.purl)
		}
		var checksum string
		if len(p.Checksums) > 0 {
			checksum = p.Checksums[0].ChecksumValue
		}
		if checksum != tt.checksum {
			t.Errorf("%s: checksum %q, want %q (from go.sum's h1)", tt.name, checksum, tt.checksum)
		}
		if !related(doc, server.SPDXID, "DEPENDS_ON", p.SPDXID) {
			t.Errorf("server does not DEPENDS_ON %s", tt.name)
		}
	}
	if p := packageNamed(doc, "github.com/BurntSushi/toml"); p.DownloadLocation != "https://proxy.golang.org/github.com/!burnt!sushi/toml/@v/v1.4.0.zip" {
		t.Errorf("download location %q", p.DownloadLocation)
	}

	certs := packageNamed(doc, "ca-certificates")
	fallback := packageNamed(doc, "golang.org/x/crypto/x509roots/fallback")
	if certs == nil || fallback == nil || !related(doc, certs.SPDXID, "GENERATED_FROM", fallback.SPDXID) {
		t.Errorf("ca-certificates is not GENERATED_FROM its module: %+v %+v", certs, fallback)
	}
	// Regular files (hardlinks too, with their target's sums) named
	// relative to the image's root, each in its layer and in the package of
	// its path.
	if len(doc.Files) != 3 {
		t.Fatalf("files %+v, want the two regular files and the hardlink", doc.Files)
	}
	for _, f := range doc.Files {
		if f.FileName == "./app/server-link" && f.Checksums[1].ChecksumValue != appHex {
			t.Errorf("the hardlink has not its target's checksums: %+v", f)
		}
		if f.FileName == "./app/server-link" {
			continue
		}
		layerID, owner := packageNamed(doc, "layer 1: scratch_layer //app:image_layer").SPDXID, server.SPDXID
		if f.FileName == "./etc/ssl/certs/ca-certificates.crt" {
			layerID, owner = packageNamed(doc, "layer 0: scratch_layer //rules/essentials:ca_certificates").SPDXID, certs.SPDXID
		}
		if !related(doc, layerID, "CONTAINS", f.SPDXID) || !related(doc, owner, "CONTAINS", f.SPDXID) {
			t.Errorf("%s is not contained by %s and %s", f.FileName, layerID, owner)
		}
	}
}

// The bytes depend on what is in the image, not on the order the rules
// happen to list it in.
func TestSPDXIsDeterministic(t *testing.T) {
	a := Module{Path: "github.com/google/uuid", Version: "v1.6.0"}
	b := Module{Path: "golang.org/x/sys", Version: "v0.47.0"}
	first, err := SPDX(testImage(a, b), testSums)
	if err != nil {
		t.Fatal(err)
	}
	second, err := SPDX(testImage(b, a), testSums)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("module order changed the SBOM:\n%s\n%s", first, second)
	}
	bumped, err := SPDX(testImage(a, Module{Path: "golang.org/x/sys", Version: "v0.48.0"}), testSums)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(first, bumped) || !bytes.Contains(bumped, []byte(`"versionInfo":"v0.48.0"`)) {
		t.Errorf("a bumped module does not show")
	}
}

func TestSPDXUnversionedRepository(t *testing.T) {
	img := testImage()
	img.Layers[1].Packages[0].Unversioned = []string{"+http_archive+vendored_lib"}
	data, err := SPDX(img, nil)
	if err != nil {
		t.Fatal(err)
	}
	p := packageNamed(decode(t, data), "@+http_archive+vendored_lib")
	if p == nil || p.VersionInfo != noAssertion {
		t.Errorf("the unversioned repository is not listed as NOASSERTION: %+v", p)
	}
	warnings := img.Warnings()
	if len(warnings) != 1 || !strings.Contains(warnings[0], "@+http_archive+vendored_lib") || !strings.Contains(warnings[0], "/app/server") {
		t.Errorf("warnings %q, want one naming the binary and the repository", warnings)
	}
}

func TestSPDXTars(t *testing.T) {
	tarPackage := Package{Kind: KindTar, Name: "@@//rootfs:rootfs.tgz", File: "rootfs.tgz", Path: "/", Key: "tar:rootfs/rootfs.tgz"}
	tests := []struct {
		name     string
		tars     []layer.TarSource
		packages []Package
		wantErr  string
	}{
		{"one tar", []layer.TarSource{{Path: "/", Digest: hash(tarHex), Size: 512}}, []Package{tarPackage}, ""},
		{"tar the rules do not name", []layer.TarSource{{Path: "/", Digest: hash(tarHex), Size: 512}}, nil, "merged 1 tars but the rules name 0"},
		{"tar the layer did not merge", nil, []Package{tarPackage}, "merged 0 tars but the rules name 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := testImage()
			img.Layers[0].Descriptor.Tars = tt.tars
			img.Layers[0].Packages = tt.packages
			data, err := SPDX(img, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			p := packageNamed(decode(t, data), "@@//rootfs:rootfs.tgz")
			if p == nil || p.Checksums[0].ChecksumValue != tarHex || p.VersionInfo != noAssertion {
				t.Errorf("tar package %+v, want its digest and no guessed version", p)
			}
		})
	}
}

func TestReadSums(t *testing.T) {
	tests := []struct {
		name, in string
		want     Sums
		wantErr  bool
	}{
		{"modules and go.mod lines", "golang.org/x/sys v0.47.0 h1:abc=\ngolang.org/x/sys v0.47.0/go.mod h1:def=\n\n", Sums{"golang.org/x/sys@v0.47.0": "h1:abc="}, false},
		{"malformed", "golang.org/x/sys v0.47.0\n", nil, true},
		{"not h1", "golang.org/x/sys v0.47.0 h2:abc=\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadSums(strings.NewReader(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && (len(got) != len(tt.want) || got["golang.org/x/sys@v0.47.0"] != tt.want["golang.org/x/sys@v0.47.0"]) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestImagePurl(t *testing.T) {
	tests := []struct {
		name, arch, want string
	}{
		{"localhost:5000/team/App:v2", "amd64", "pkg:oci/app@sha256%3A" + imageHex + "?arch=amd64&tag=v2"},
		{"localhost:5000/team/app", "", "pkg:oci/app@sha256%3A" + imageHex},
	}
	for _, tt := range tests {
		img := &Image{Name: tt.name, Digest: hash(imageHex), Platform: v1.Platform{Architecture: tt.arch}}
		if got := ImagePurl(img); got != tt.want {
			t.Errorf("ImagePurl(%s) = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestIndexSPDX(t *testing.T) {
	amd := testImage()
	amd.Platform = v1.Platform{OS: "linux", Architecture: "amd64"}
	amd.Digest = hash(tarHex)
	arm := testImage()
	data, err := IndexSPDX(&Index{Name: "registry.example/team/app:1.0", Digest: hash(layerHex), Images: []*Image{amd, arm}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := decode(t, data)
	var indexID string
	images, layers := 0, 0
	for _, p := range doc.Packages {
		switch {
		case strings.HasPrefix(p.SPDXID, "SPDXRef-Index-"):
			indexID = p.SPDXID
		case strings.HasPrefix(p.SPDXID, "SPDXRef-Image-"):
			images++
		case strings.HasPrefix(p.SPDXID, "SPDXRef-Layer-"):
			layers++
		}
	}
	if indexID == "" || !related(doc, "SPDXRef-DOCUMENT", "DESCRIBES", indexID) {
		t.Fatalf("the document does not describe the index")
	}
	// The two test images share both layers.
	if images != 2 || layers != 2 {
		t.Errorf("%d images and %d layers, want 2 and 2 (shared layers once)", images, layers)
	}
	for _, p := range doc.Packages {
		if strings.HasPrefix(p.SPDXID, "SPDXRef-Image-") && !related(doc, indexID, "CONTAINS", p.SPDXID) {
			t.Errorf("the index does not CONTAINS %s", p.Name)
		}
	}
	modules, err := Modules(data)
	if err != nil || strings.Join(modules, ";") != "golang.org/x/crypto/x509roots/fallback v0.1.0;stdlib go1.26.8" {
		t.Errorf("Modules = %q, %v", modules, err)
	}
}
