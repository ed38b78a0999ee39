package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"
	"unicode"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-scratch/rules_scratch/tools/layer"
)

// NamespacePrefix starts every document namespace; the rest is the image's
// name and manifest digest, which make the namespace unique to the image.
const NamespacePrefix = "https://github.com/rules-scratch/rules_scratch/sbom/"

const noAssertion = "NOASSERTION"

// The SPDX 2.3 JSON document, as much of it as we write.
type spdxDocument struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreationInfo   `json:"creationInfo"`
	Packages          []spdxPackage      `json:"packages"`
	Files             []spdxFile         `json:"files,omitempty"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	SPDXID                string            `json:"SPDXID"`
	Name                  string            `json:"name"`
	VersionInfo           string            `json:"versionInfo,omitempty"`
	PackageFileName       string            `json:"packageFileName,omitempty"`
	Supplier              string            `json:"supplier,omitempty"`
	DownloadLocation      string            `json:"downloadLocation"`
	FilesAnalyzed         bool              `json:"filesAnalyzed"`
	Checksums             []spdxChecksum    `json:"checksums,omitempty"`
	LicenseConcluded      string            `json:"licenseConcluded"`
	LicenseDeclared       string            `json:"licenseDeclared"`
	CopyrightText         string            `json:"copyrightText"`
	Comment               string            `json:"comment,omitempty"`
	ExternalRefs          []spdxExternalRef `json:"externalRefs,omitempty"`
	PrimaryPackagePurpose string            `json:"primaryPackagePurpose,omitempty"`
	// HasFiles are the files the package CONTAINS, a shorter form of the
	// relationships (SPDX 2.3 JSON).
	HasFiles []string `json:"hasFiles,omitempty"`
}

// A file's concluded license and copyright are optional in SPDX 2.3; left
// out rather than NOASSERTION, a thousand times over.
type spdxFile struct {
	SPDXID    string         `json:"SPDXID"`
	FileName  string         `json:"fileName"`
	Checksums []spdxChecksum `json:"checksums"`
}

type spdxChecksum struct {
	Algorithm     string `json:"algorithm"`
	ChecksumValue string `json:"checksumValue"`
}

type spdxExternalRef struct {
	ReferenceCategory string `json:"referenceCategory"`
	ReferenceType     string `json:"referenceType"`
	ReferenceLocator  string `json:"referenceLocator"`
}

type spdxRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// SPDX returns the image's SBOM as SPDX 2.3 JSON on one line (it can hold
// thousands of files; `jq .` shows it indented), with a final newline.
func SPDX(img *Image, sums Sums) ([]byte, error) {
	if img.Name == "" || img.Digest.Hex == "" {
		return nil, fmt.Errorf("the image needs a name and a digest")
	}
	b := newSPDXBuilder(sums)
	id, err := b.image(img)
	if err != nil {
		return nil, err
	}
	b.relate("SPDXRef-DOCUMENT", "DESCRIBES", id)
	return b.document(img.Name, img.Digest, img.Created)
}

// Index is a multi-platform image index and its images.
type Index struct {
	Name    string
	Digest  v1.Hash
	Created int64
	Images  []*Image
}

// IndexSPDX returns the SBOM of an index: the index CONTAINS each platform's
// image, described as SPDX describes a single image (a layer the platforms
// share is one package).
func IndexSPDX(idx *Index, sums Sums) ([]byte, error) {
	if idx.Name == "" || idx.Digest.Hex == "" || len(idx.Images) == 0 {
		return nil, fmt.Errorf("the index needs a name, a digest and images")
	}
	b := newSPDXBuilder(sums)
	indexID := contentID("SPDXRef-Index", idx.Digest.Hex)
	b.add(spdxPackage{
		SPDXID:                indexID,
		Name:                  idx.Name,
		VersionInfo:           idx.Digest.String(),
		DownloadLocation:      noAssertion,
		Checksums:             []spdxChecksum{{"SHA256", idx.Digest.Hex}},
		ExternalRefs:          []spdxExternalRef{purlRef(ImagePurl(&Image{Name: idx.Name, Digest: idx.Digest}))},
		PrimaryPackagePurpose: "CONTAINER",
		Comment:               fmt.Sprintf("An OCI image index of %d platforms, built from scratch by rules_scratch; its version is its digest.", len(idx.Images)),
	})
	b.relate("SPDXRef-DOCUMENT", "DESCRIBES", indexID)
	for _, img := range idx.Images {
		id, err := b.image(img)
		if err != nil {
			return nil, err
		}
		b.relate(indexID, "CONTAINS", id)
	}
	return b.document(idx.Name, idx.Digest, idx.Created)
}

func newSPDXBuilder(sums Sums) *spdxBuilder {
	return &spdxBuilder{packages: map[string]spdxPackage{}, files: map[string]spdxFile{}, relations: map[spdxRelationship]bool{}, sums: sums}
}

// image adds an image, its layers, files and packages, and returns its
// identifier.
func (b *spdxBuilder) image(img *Image) (string, error) {
	imageID := contentID("SPDXRef-Image", img.Digest.Hex)
	b.add(spdxPackage{
		SPDXID:                imageID,
		Name:                  img.Name,
		VersionInfo:           img.Digest.String(),
		DownloadLocation:      noAssertion,
		Checksums:             []spdxChecksum{{"SHA256", img.Digest.Hex}},
		ExternalRefs:          []spdxExternalRef{purlRef(ImagePurl(img))},
		PrimaryPackagePurpose: "CONTAINER",
		Comment:               fmt.Sprintf("An OCI image for %s, built from scratch by rules_scratch; its version is its manifest digest.", platformString(img)),
	})

	// A path's file is the one of the topmost layer that has it.
	fileIDs := map[string]string{}
	for i, l := range img.Layers {
		layerID := contentID("SPDXRef-Layer", l.Descriptor.Digest.Hex)
		b.add(spdxPackage{
			SPDXID:           layerID,
			Name:             fmt.Sprintf("layer %d: %s", i, l.CreatedBy),
			VersionInfo:      l.Descriptor.Digest.String(),
			DownloadLocation: noAssertion,
			Checksums:        []spdxChecksum{{"SHA256", l.Descriptor.Digest.Hex}},
			Comment:          fmt.Sprintf("A layer (%s, %d bytes, diff ID %s); its version is its blob's digest.", l.Descriptor.MediaType, l.Descriptor.Size, l.Descriptor.DiffID),
		})
		b.relate(imageID, "CONTAINS", layerID)
		// A hardlink is a regular file too, with its target's content.
		regular := map[string]layer.File{}
		for _, f := range l.Descriptor.Files {
			switch f.Kind {
			case layer.KindFile:
				regular[f.Path] = f
			case layer.KindHardlink:
				target, ok := regular["/"+strings.TrimPrefix(f.Target, "/")]
				if !ok {
					continue
				}
				f.SHA256, f.SHA1 = target.SHA256, target.SHA1
			default:
				continue
			}
			id := contentID("SPDXRef-File", l.Descriptor.Digest.Hex, f.Path, f.SHA256)
			// SPDX names files relative to the package's root: "./app/hello".
			b.files[id] = spdxFile{
				SPDXID:    id,
				FileName:  "." + f.Path,
				Checksums: []spdxChecksum{{"SHA1", f.SHA1}, {"SHA256", f.SHA256}},
			}
			b.relate(layerID, "CONTAINS", id)
			fileIDs[f.Path] = id
		}
	}
	for i, l := range img.Layers {
		tars := l.Descriptor.Tars
		tarPackages, err := l.tars()
		if err != nil {
			return "", err
		}
		for j, p := range tarPackages {
			id := contentID("SPDXRef-Tar", tars[j].Digest.Hex)
			b.add(spdxPackage{
				SPDXID:           id,
				Name:             p.Name,
				PackageFileName:  p.File,
				VersionInfo:      noAssertion,
				DownloadLocation: noAssertion,
				Checksums:        []spdxChecksum{{"SHA256", tars[j].Digest.Hex}},
				Comment:          fmt.Sprintf("A tar of %d bytes whose entries layer %d holds below %s; its contents are not guessed: the layer's files are listed as they are.", tars[j].Size, i, p.Path),
			})
			b.relate(imageID, "CONTAINS", id)
		}
		for _, p := range l.Packages {
			switch p.Kind {
			case KindGoBinary:
				b.goBinary(imageID, p, fileIDs)
			case KindPackage:
				b.filePackage(imageID, p, fileIDs)
			case KindTar:
			default:
				return "", fmt.Errorf("layer %d: unknown package kind %q", i, p.Kind)
			}
		}
	}
	return imageID, nil
}

// document returns the SPDX document of what the builder holds, sorted.
func (b *spdxBuilder) document(name string, digest v1.Hash, created int64) ([]byte, error) {
	doc := spdxDocument{
		SPDXVersion:       "SPDX-2.3",
		DataLicense:       "CC0-1.0",
		SPDXID:            "SPDXRef-DOCUMENT",
		Name:              name,
		DocumentNamespace: NamespacePrefix + url.PathEscape(name) + "/" + digest.Algorithm + "-" + digest.Hex,
		CreationInfo: spdxCreationInfo{
			Created:  time.Unix(created, 0).UTC().Format(time.RFC3339),
			Creators: []string{"Tool: rules_scratch"},
		},
	}
	// A package that CONTAINS files has them analyzed, as SPDX says.
	analyzed := map[string]bool{}
	for r := range b.relations {
		if _, ok := b.files[r.Related]; ok && r.Type == "CONTAINS" {
			analyzed[r.Element] = true
		}
	}
	for _, p := range b.packages {
		p.HasFiles = sortedUnique(p.HasFiles)
		p.FilesAnalyzed = analyzed[p.SPDXID] || len(p.HasFiles) > 0
		doc.Packages = append(doc.Packages, p)
	}
	sort.Slice(doc.Packages, func(i, j int) bool { return doc.Packages[i].SPDXID < doc.Packages[j].SPDXID })
	for _, f := range b.files {
		doc.Files = append(doc.Files, f)
	}
	sort.Slice(doc.Files, func(i, j int) bool { return doc.Files[i].SPDXID < doc.Files[j].SPDXID })
	for r := range b.relations {
		doc.Relationships = append(doc.Relationships, r)
	}
	sort.Slice(doc.Relationships, func(i, j int) bool {
		a, c := doc.Relationships[i], doc.Relationships[j]
		if a.Element != c.Element {
			return a.Element < c.Element
		}
		if a.Type != c.Type {
			return a.Type < c.Type
		}
		return a.Related < c.Related
	})
	return marshal(doc)
}

type spdxBuilder struct {
	packages  map[string]spdxPackage
	files     map[string]spdxFile
	relations map[spdxRelationship]bool
	sums      Sums
}

func (b *spdxBuilder) add(p spdxPackage) {
	if p.LicenseConcluded == "" {
		p.LicenseConcluded = noAssertion
	}
	if p.LicenseDeclared == "" {
		p.LicenseDeclared = noAssertion
	}
	if p.CopyrightText == "" {
		p.CopyrightText = noAssertion
	}
	// The same package in two images of an index has the files of both.
	p.HasFiles = append(b.packages[p.SPDXID].HasFiles, p.HasFiles...)
	b.packages[p.SPDXID] = p
}

func (b *spdxBuilder) relate(from, kind, to string) {
	b.relations[spdxRelationship{from, kind, to}] = true
}

// module adds the package of a Go module (or of the standard library, path
// "stdlib") and returns its identifier.
func (b *spdxBuilder) module(m Module) string {
	if m.Path == "stdlib" {
		id := contentID("SPDXRef-Package-golang", "stdlib", m.Version)
		b.add(spdxPackage{
			SPDXID:           id,
			Name:             "stdlib",
			VersionInfo:      m.Version,
			Supplier:         "Organization: Go",
			DownloadLocation: stdlibSource(m.Version),
			ExternalRefs:     []spdxExternalRef{purlRef(ModulePurl(m))},
			Comment:          "The Go standard library and runtime of the Go SDK that built the binary.",
		})
		return id
	}
	id := contentID("SPDXRef-Package-golang", m.Path, m.Version)
	p := spdxPackage{
		SPDXID:           id,
		Name:             m.Path,
		VersionInfo:      m.Version,
		DownloadLocation: "https://proxy.golang.org/" + escapeModulePath(m.Path) + "/@v/" + escapeModulePath(m.Version) + ".zip",
		ExternalRefs:     []spdxExternalRef{purlRef(ModulePurl(m))},
	}
	if h1 := b.sums[m.Path+"@"+m.Version]; h1 != "" {
		if sum, ok := h1Hex(h1); ok {
			p.Checksums = []spdxChecksum{{"SHA256", sum}}
			p.Comment = "go.sum: " + h1 + " (the checksum is this h1 hash: SHA-256 of the module's file list, as golang.org/x/mod/sumdb/dirhash computes it)."
		}
	}
	b.add(p)
	return id
}

func (b *spdxBuilder) goBinary(imageID string, p Package, fileIDs map[string]string) {
	id := contentID("SPDXRef-Package-go-binary", fileIDs[p.Path], p.Path)
	pkg := spdxPackage{
		SPDXID:                id,
		Name:                  path.Base(p.Path),
		PackageFileName:       p.Path,
		VersionInfo:           noAssertion,
		DownloadLocation:      noAssertion,
		PrimaryPackagePurpose: "APPLICATION",
		Comment:               "A Go binary built by rules_go; its modules are read off Bazel's build graph (rules_go links no module list into the binary).",
	}
	if p.Main != nil && p.Main.Path != "" {
		pkg.VersionInfo = p.Main.Version
		pkg.Comment += " Main module: " + p.Main.Path + " " + p.Main.Version + "."
		pkg.ExternalRefs = []spdxExternalRef{purlRef(ModulePurl(*p.Main))}
	}
	if fid, ok := fileIDs[p.Path]; ok {
		pkg.Checksums = b.files[fid].Checksums
		pkg.HasFiles = []string{fid}
	}
	b.add(pkg)
	b.relate(imageID, "CONTAINS", id)
	if p.Stdlib != "" {
		b.relate(id, "DEPENDS_ON", b.module(Module{Path: "stdlib", Version: p.Stdlib}))
	}
	for _, m := range p.Modules {
		b.relate(id, "DEPENDS_ON", b.module(m))
	}
	for _, repo := range p.Unversioned {
		unknown := contentID("SPDXRef-Package-bazel-repository", repo)
		b.add(spdxPackage{
			SPDXID:           unknown,
			Name:             "@" + repo,
			VersionInfo:      noAssertion,
			DownloadLocation: noAssertion,
			Comment:          "Go code of the Bazel repository @" + repo + ", which carries no module version (no package_info).",
		})
		b.relate(id, "DEPENDS_ON", unknown)
	}
}

func (b *spdxBuilder) filePackage(imageID string, p Package, fileIDs map[string]string) {
	id := contentID("SPDXRef-Package", p.Name, p.Version, strings.Join(p.Paths, "\n"))
	pkg := spdxPackage{
		SPDXID:           id,
		Name:             p.Name,
		VersionInfo:      p.Version,
		Supplier:         "Organization: rules_scratch",
		DownloadLocation: noAssertion,
		Comment:          p.Comment,
	}
	if pkg.VersionInfo == "" {
		pkg.VersionInfo = noAssertion
	}
	if p.Purl != "" {
		pkg.ExternalRefs = []spdxExternalRef{purlRef(p.Purl)}
	}
	for filePath, fid := range fileIDs {
		for _, dir := range p.Paths {
			if filePath == dir || strings.HasPrefix(filePath, strings.TrimSuffix(dir, "/")+"/") {
				pkg.HasFiles = append(pkg.HasFiles, fid)
			}
		}
	}
	b.add(pkg)
	b.relate(imageID, "CONTAINS", id)
	if p.Source != nil {
		b.relate(id, "GENERATED_FROM", b.module(*p.Source))
	}
}

// ImagePurl is the package URL of an image: pkg:oci/<name>@sha256%3A<hex>
// with its architecture and tag.
func ImagePurl(img *Image) string {
	repo, tag := img.Name, ""
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo, tag = repo[:i], repo[i+1:]
	}
	q := url.Values{}
	if img.Platform.Architecture != "" {
		q.Set("arch", img.Platform.Architecture)
	}
	if tag != "" {
		q.Set("tag", tag)
	}
	purl := "pkg:oci/" + strings.ToLower(path.Base(repo)) + "@" + img.Digest.Algorithm + "%3A" + img.Digest.Hex
	if len(q) > 0 {
		purl += "?" + q.Encode()
	}
	return purl
}

// ModulePurl is the package URL of a Go module: pkg:golang/<path>@<version>;
// for the standard library (path "stdlib", version "go1.26.8"),
// pkg:golang/stdlib@1.26.8.
func ModulePurl(m Module) string {
	if m.Path == "stdlib" {
		return "pkg:golang/stdlib@" + strings.TrimPrefix(m.Version, "go")
	}
	return "pkg:golang/" + m.Path + "@" + m.Version
}

// stdlibSource is where the source of the Go release version (go1.26.8) is.
func stdlibSource(version string) string {
	return "https://go.dev/dl/" + version + ".src.tar.gz"
}

func purlRef(purl string) spdxExternalRef {
	return spdxExternalRef{"PACKAGE-MANAGER", "purl", purl}
}

func platformString(img *Image) string {
	s := img.Platform.OS + "/" + img.Platform.Architecture
	if img.Platform.Variant != "" {
		s += "/" + img.Platform.Variant
	}
	return s
}

// contentID is an SPDX identifier derived from the given parts.
func contentID(prefix string, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return prefix + "-" + hex.EncodeToString(h[:8])
}

// escapeModulePath escapes upper-case letters as the module proxy wants
// ("!" and the lower-case letter), as golang.org/x/mod/module.EscapePath.
func escapeModulePath(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func sortedUnique(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// marshal writes v as compact JSON and a newline, HTML characters as they
// are.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Modules lists the Go modules (and standard library) an SBOM of ours
// names, SPDX or CycloneDX, as sorted "path version" lines: what a lock
// records so that a bump is named with both versions.
func Modules(sbomJSON []byte) ([]string, error) {
	var doc struct {
		spdxDocument
		Components []cdxComponent `json:"components"`
	}
	if err := json.Unmarshal(sbomJSON, &doc); err != nil {
		return nil, err
	}
	type versioned struct{ purl, version string }
	var found []versioned
	for _, p := range doc.Packages {
		for _, ref := range p.ExternalRefs {
			if ref.ReferenceType == "purl" {
				found = append(found, versioned{ref.ReferenceLocator, p.VersionInfo})
			}
		}
	}
	for _, c := range doc.Components {
		found = append(found, versioned{c.Purl, c.Version})
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range found {
		purl, ok := strings.CutPrefix(f.purl, "pkg:golang/")
		if !ok || f.version == "(devel)" {
			continue
		}
		path, _, _ := strings.Cut(purl, "@")
		if line := path + " " + f.version; !seen[line] {
			seen[line] = true
			out = append(out, line)
		}
	}
	sort.Strings(out)
	return out, nil
}
