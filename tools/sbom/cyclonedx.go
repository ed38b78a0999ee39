package sbom

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// The CycloneDX 1.6 JSON document, as much of it as we write.
type cdxDocument struct {
	BOMFormat    string          `json:"bomFormat"`
	SpecVersion  string          `json:"specVersion"`
	SerialNumber string          `json:"serialNumber"`
	Version      int             `json:"version"`
	Metadata     cdxMetadata     `json:"metadata"`
	Components   []cdxComponent  `json:"components,omitempty"`
	Dependencies []cdxDependency `json:"dependencies,omitempty"`
}

type cdxMetadata struct {
	Timestamp string       `json:"timestamp"`
	Tools     cdxTools     `json:"tools"`
	Component cdxComponent `json:"component"`
}

type cdxTools struct {
	Components []cdxComponent `json:"components"`
}

type cdxComponent struct {
	Type               string           `json:"type"`
	BOMRef             string           `json:"bom-ref,omitempty"`
	Supplier           *cdxSupplier     `json:"supplier,omitempty"`
	Name               string           `json:"name"`
	Version            string           `json:"version,omitempty"`
	Description        string           `json:"description,omitempty"`
	Hashes             []cdxHash        `json:"hashes,omitempty"`
	Purl               string           `json:"purl,omitempty"`
	ExternalReferences []cdxExternalRef `json:"externalReferences,omitempty"`
	Pedigree           *cdxPedigree     `json:"pedigree,omitempty"`
	Evidence           *cdxEvidence     `json:"evidence,omitempty"`
	Components         []cdxComponent   `json:"components,omitempty"`
}

type cdxSupplier struct {
	Name string `json:"name"`
}

type cdxHash struct {
	Alg     string `json:"alg"`
	Content string `json:"content"`
}

type cdxExternalRef struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

type cdxPedigree struct {
	Ancestors []cdxComponent `json:"ancestors"`
}

type cdxEvidence struct {
	Occurrences []cdxOccurrence `json:"occurrences"`
}

type cdxOccurrence struct {
	Location string `json:"location"`
}

type cdxDependency struct {
	Ref       string   `json:"ref"`
	DependsOn []string `json:"dependsOn"`
}

var cdxHashAlgorithms = map[string]string{"SHA1": "SHA-1", "SHA256": "SHA-256"}

// CycloneDX returns, as CycloneDX 1.6 JSON on one line, what an SPDX
// document of SPDX or IndexSPDX says: one description, two formats.
//
//   - The image (or index) is the metadata's component; every package is a
//     component (an image "container", a Go binary "application", a Go
//     module or the standard library "library", anything else "data"); a
//     layer's files (type "file", with their SHA-1 and SHA-256) are its
//     nested components.
//   - What a package CONTAINS (an image its layers and packages, an index
//     its images) and what it DEPENDS_ON (a Go binary its modules) are its
//     dependencies, as trivy writes an image's containment.
//   - A package GENERATED_FROM another (the CA bundle from its Go module)
//     has it as a pedigree ancestor; a package's files are the evidence of
//     where it occurs.
//
// Identifiers (bom-ref) are the SPDX ones; the serial number derives from
// the document namespace, the timestamp is the SPDX created time.
func CycloneDX(spdxJSON []byte) ([]byte, error) {
	var in spdxDocument
	if err := json.Unmarshal(spdxJSON, &in); err != nil {
		return nil, fmt.Errorf("reading the SPDX document: %w", err)
	}
	files := map[string]spdxFile{}
	for _, f := range in.Files {
		files[f.SPDXID] = f
	}
	packages := map[string]spdxPackage{}
	for _, p := range in.Packages {
		packages[p.SPDXID] = p
	}
	var root string
	dependsOn := map[string][]string{}
	layerFiles := map[string][]string{}
	ancestors := map[string][]string{}
	for _, r := range in.Relationships {
		switch {
		case r.Type == "DESCRIBES":
			root = r.Related
		case r.Type == "GENERATED_FROM":
			ancestors[r.Element] = append(ancestors[r.Element], r.Related)
		case r.Type == "CONTAINS" && files[r.Related].SPDXID != "":
			layerFiles[r.Element] = append(layerFiles[r.Element], r.Related)
		case r.Type == "CONTAINS" || r.Type == "DEPENDS_ON":
			dependsOn[r.Element] = append(dependsOn[r.Element], r.Related)
		}
	}
	if _, ok := packages[root]; !ok {
		return nil, fmt.Errorf("the SPDX document describes no package of its own")
	}
	// A package only some other package's pedigree names (the CA bundle's
	// module) is an ancestor there, not a component of the image.
	ancestorOnly := map[string]bool{}
	for _, ids := range ancestors {
		for _, id := range ids {
			ancestorOnly[id] = true
		}
	}
	for _, ids := range dependsOn {
		for _, id := range ids {
			delete(ancestorOnly, id)
		}
	}

	component := func(p spdxPackage) cdxComponent {
		c := cdxComponent{Type: "data", BOMRef: p.SPDXID, Name: p.Name, Description: p.Comment}
		if p.VersionInfo != noAssertion {
			c.Version = p.VersionInfo
		}
		for _, ref := range p.ExternalRefs {
			if ref.ReferenceType == "purl" {
				c.Purl = ref.ReferenceLocator
			}
		}
		switch {
		case p.PrimaryPackagePurpose == "CONTAINER":
			c.Type = "container"
		case p.PrimaryPackagePurpose == "APPLICATION":
			c.Type = "application"
		case strings.HasPrefix(c.Purl, "pkg:golang/"):
			c.Type = "library"
		}
		if name, ok := strings.CutPrefix(p.Supplier, "Organization: "); ok {
			c.Supplier = &cdxSupplier{Name: name}
		}
		c.Hashes = cdxHashes(p.Checksums)
		if p.DownloadLocation != noAssertion && p.DownloadLocation != "" {
			c.ExternalReferences = []cdxExternalRef{{Type: "distribution", URL: p.DownloadLocation}}
		}
		for _, fid := range p.HasFiles {
			if c.Evidence == nil {
				c.Evidence = &cdxEvidence{}
			}
			c.Evidence.Occurrences = append(c.Evidence.Occurrences, cdxOccurrence{Location: strings.TrimPrefix(files[fid].FileName, ".")})
		}
		for _, fid := range sortedUnique(layerFiles[p.SPDXID]) {
			f := files[fid]
			c.Components = append(c.Components, cdxComponent{Type: "file", BOMRef: fid, Name: strings.TrimPrefix(f.FileName, "."), Hashes: cdxHashes(f.Checksums)})
		}
		return c
	}

	out := cdxDocument{
		BOMFormat:    "CycloneDX",
		SpecVersion:  "1.6",
		SerialNumber: "urn:uuid:" + uuidOf(in.DocumentNamespace),
		Version:      1,
		Metadata: cdxMetadata{
			Timestamp: in.CreationInfo.Created,
			Tools:     cdxTools{Components: []cdxComponent{{Type: "application", Name: "rules_scratch"}}},
			Component: component(packages[root]),
		},
	}
	for _, p := range in.Packages {
		if p.SPDXID == root || ancestorOnly[p.SPDXID] {
			continue
		}
		c := component(p)
		for _, id := range sortedUnique(ancestors[p.SPDXID]) {
			a := component(packages[id])
			a.BOMRef = "" // an ancestor is a copy: bom-refs are unique in a BOM
			if c.Pedigree == nil {
				c.Pedigree = &cdxPedigree{}
			}
			c.Pedigree.Ancestors = append(c.Pedigree.Ancestors, a)
		}
		out.Components = append(out.Components, c)
	}
	// Packages are sorted in the SPDX document already; so are the refs.
	for from, ids := range dependsOn {
		out.Dependencies = append(out.Dependencies, cdxDependency{Ref: from, DependsOn: sortedUnique(ids)})
	}
	sort.Slice(out.Dependencies, func(i, j int) bool { return out.Dependencies[i].Ref < out.Dependencies[j].Ref })
	return marshal(out)
}

func cdxHashes(sums []spdxChecksum) []cdxHash {
	var out []cdxHash
	for _, s := range sums {
		if alg, ok := cdxHashAlgorithms[s.Algorithm]; ok {
			out = append(out, cdxHash{Alg: alg, Content: s.ChecksumValue})
		}
	}
	return out
}

// uuidOf is a name-based UUID (version 8, RFC 9562) of s: the same document
// gets the same serial number.
func uuidOf(s string) string {
	h := sha256.Sum256([]byte(s))
	h[6] = h[6]&0x0f | 0x80
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
