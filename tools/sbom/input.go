package sbom

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-scratch/rules_scratch/tools/layer"
)

// Image is what an SBOM describes: an image and what the rules know of its
// layers.
type Image struct {
	// Name is the image's first repository:tag.
	Name     string
	Digest   v1.Hash
	Platform v1.Platform
	// Created is the image's created time, in seconds since the Unix epoch.
	Created int64
	Layers  []Layer
}

// Layer is one layer of an image.
type Layer struct {
	Descriptor layer.Descriptor
	CreatedBy  string
	Packages   []Package
}

// The kinds of Package.
const (
	KindGoBinary = "go_binary"
	KindPackage  = "package"
	KindTar      = "tar"
)

// Package is something a layer holds, as the rules describe it.
type Package struct {
	Kind string `json:"kind"`

	// For KindPackage: a file set of the rules' own (the essentials).
	Name    string   `json:"name,omitempty"`
	Version string   `json:"version,omitempty"`
	Purl    string   `json:"purl,omitempty"`
	Comment string   `json:"comment,omitempty"`
	Source  *Module  `json:"source,omitempty"` // the module (or stdlib) it is generated from
	Paths   []string `json:"paths,omitempty"`

	// For KindGoBinary: Path is the binary's path in the image; for KindTar,
	// where the tar's entries went (the tar's Name is its label, File its
	// base name).
	Path        string   `json:"path,omitempty"`
	Main        *Module  `json:"main,omitempty"`
	Stdlib      string   `json:"stdlib,omitempty"`
	Modules     []Module `json:"modules,omitempty"`
	Unversioned []string `json:"unversioned,omitempty"`
	File        string   `json:"file,omitempty"`
	// Key orders the tars of a layer as the layer's entries are.
	Key string `json:"key,omitempty"`
}

// tars are the layer's tar packages in the order of the layer's Tars.
func (l Layer) tars() ([]Package, error) {
	var tars []Package
	for _, p := range l.Packages {
		if p.Kind == KindTar {
			tars = append(tars, p)
		}
	}
	sort.SliceStable(tars, func(a, c int) bool { return tars[a].Key < tars[c].Key })
	if len(tars) != len(l.Descriptor.Tars) {
		return nil, fmt.Errorf("layer %s merged %d tars but the rules name %d", l.CreatedBy, len(l.Descriptor.Tars), len(tars))
	}
	return tars, nil
}

// Module is a Go module: its path and version, and the Bazel repository
// that holds it.
type Module struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	Repo    string `json:"repo,omitempty"`
}

// Sums are go.sum's h1 hashes of module contents, by "path@version".
type Sums map[string]string

// ReadSums parses a go.sum; lines for go.mod files are skipped.
func ReadSums(r io.Reader) (Sums, error) {
	sums := Sums{}
	scanner := bufio.NewScanner(r)
	for n := 1; scanner.Scan(); n++ {
		fields := strings.Fields(scanner.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 || !strings.HasPrefix(fields[2], "h1:") {
			return nil, fmt.Errorf("go.sum line %d: want \"module version h1:hash\", got %q", n, scanner.Text())
		}
		if strings.HasSuffix(fields[1], "/go.mod") {
			continue
		}
		sums[fields[0]+"@"+fields[1]] = fields[2]
	}
	return sums, scanner.Err()
}

// h1Hex is the SHA-256 of a go.sum "h1:" hash in lowercase hex, which
// in-toto calls dirHash.
func h1Hex(h1 string) (string, bool) {
	sum, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h1, "h1:"))
	if !strings.HasPrefix(h1, "h1:") || err != nil || len(sum) != sha256.Size {
		return "", false
	}
	return hex.EncodeToString(sum), true
}

// Warnings says what the SBOM lists without knowing it: linked Go code of
// repositories that carry no version metadata.
func (img *Image) Warnings() []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range img.Layers {
		for _, p := range l.Packages {
			for _, repo := range p.Unversioned {
				if !seen[p.Path+" "+repo] {
					seen[p.Path+" "+repo] = true
					out = append(out, fmt.Sprintf("%s links Go code of the repository @%s, which carries no module version (no package_info, as gazelle's go_deps gives its repositories): the SBOM lists it as NOASSERTION", p.Path, repo))
				}
			}
		}
	}
	return out
}
