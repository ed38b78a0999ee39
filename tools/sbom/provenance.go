package sbom

import (
	"fmt"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

const (
	// BuildType names how rules_scratch builds an image (README:
	// "Provenance"); its externalParameters are the target label, the
	// platform and the layers' compression.
	BuildType = "https://github.com/rules-scratch/rules_scratch/provenance/image/v1"
	// DefaultBuilderID is runDetails.builder.id unless the build sets
	// --@rules_scratch//rules:builder_id: some machine running Bazel.
	DefaultBuilderID = "https://github.com/rules-scratch/rules_scratch/builder/bazel"

	statementType  = "https://in-toto.io/Statement/v1"
	provenanceType = "https://slsa.dev/provenance/v1"
)

// Build is how an image was built, beyond what it is made of.
type Build struct {
	// Target is the Bazel label of the image (or index).
	Target    string
	BuilderID string
	// Commit, SourceURI and StartedOn come from the workspace status of a
	// stamped build (empty or zero without --stamp).
	Commit    string
	SourceURI string
	StartedOn int64
}

// Subject is an artifact the provenance is about.
type Subject struct {
	Name   string
	Digest v1.Hash
}

type statement struct {
	Type          string               `json:"_type"`
	Subject       []resourceDescriptor `json:"subject"`
	PredicateType string               `json:"predicateType"`
	Predicate     slsaProvenance       `json:"predicate"`
}

type slsaProvenance struct {
	BuildDefinition buildDefinition `json:"buildDefinition"`
	RunDetails      runDetails      `json:"runDetails"`
}

type buildDefinition struct {
	BuildType            string               `json:"buildType"`
	ExternalParameters   externalParameters   `json:"externalParameters"`
	ResolvedDependencies []resourceDescriptor `json:"resolvedDependencies"`
}

type externalParameters struct {
	Target      string   `json:"target"`
	Platforms   []string `json:"platforms"`
	Compression string   `json:"compression"`
}

type runDetails struct {
	Builder  builder   `json:"builder"`
	Metadata *metadata `json:"metadata,omitempty"`
}

type builder struct {
	ID string `json:"id"`
}

type metadata struct {
	StartedOn string `json:"startedOn,omitempty"`
}

type resourceDescriptor struct {
	Name             string            `json:"name,omitempty"`
	URI              string            `json:"uri,omitempty"`
	Digest           map[string]string `json:"digest,omitempty"`
	DownloadLocation string            `json:"downloadLocation,omitempty"`
}

// Provenance returns an in-toto Statement v1 with a SLSA provenance v1
// predicate, compact JSON with a final newline: the subjects were built by
// build from the images' inputs. An index passes itself and each of its
// platform manifests as subjects, and its images.
func Provenance(build Build, sums Sums, subjects []Subject, images ...*Image) ([]byte, error) {
	if build.Target == "" || len(subjects) == 0 || len(images) == 0 {
		return nil, fmt.Errorf("provenance needs a target, subjects and images")
	}
	st := statement{Type: statementType, PredicateType: provenanceType}
	for _, s := range subjects {
		if s.Digest.Hex == "" {
			return nil, fmt.Errorf("subject %q has no digest", s.Name)
		}
		st.Subject = append(st.Subject, resourceDescriptor{Name: s.Name, Digest: map[string]string{s.Digest.Algorithm: s.Digest.Hex}})
	}

	deps := map[string]resourceDescriptor{}
	add := func(d resourceDescriptor) { deps[d.URI+"\x00"+d.Name] = d }
	module := func(m Module) {
		if m.Path == "stdlib" {
			add(resourceDescriptor{Name: "go", URI: ModulePurl(m), DownloadLocation: stdlibSource(m.Version)})
			return
		}
		d := resourceDescriptor{URI: ModulePurl(m)}
		if sum, ok := h1Hex(sums[m.Path+"@"+m.Version]); ok {
			d.Digest = map[string]string{"dirHash": sum}
		}
		add(d)
	}
	var platforms []string
	compressions := map[string]bool{}
	for _, img := range images {
		platforms = append(platforms, platformString(img))
		for _, l := range img.Layers {
			compressions[compressionOf(string(l.Descriptor.MediaType))] = true
			for _, p := range l.Packages {
				switch p.Kind {
				case KindGoBinary:
					if p.Stdlib != "" {
						module(Module{Path: "stdlib", Version: p.Stdlib})
					}
					for _, m := range p.Modules {
						module(m)
					}
					// Linked code whose module is unknown: named, never left out.
					for _, repo := range p.Unversioned {
						add(resourceDescriptor{Name: "@" + repo})
					}
				case KindPackage:
					if p.Source != nil {
						module(*p.Source)
					}
				}
			}
			tars, err := l.tars()
			if err != nil {
				return nil, err
			}
			for i, t := range l.Descriptor.Tars {
				add(resourceDescriptor{Name: tars[i].Name, Digest: map[string]string{t.Digest.Algorithm: t.Digest.Hex}})
			}
		}
	}
	if build.Commit != "" {
		add(resourceDescriptor{Name: "source", URI: build.SourceURI, Digest: map[string]string{"gitCommit": build.Commit}})
	}
	for _, d := range deps {
		st.Predicate.BuildDefinition.ResolvedDependencies = append(st.Predicate.BuildDefinition.ResolvedDependencies, d)
	}
	rd := st.Predicate.BuildDefinition.ResolvedDependencies
	sort.Slice(rd, func(i, j int) bool {
		if rd[i].URI != rd[j].URI {
			return rd[i].URI < rd[j].URI
		}
		return rd[i].Name < rd[j].Name
	})

	var kinds []string
	for c := range compressions {
		kinds = append(kinds, c)
	}
	sort.Strings(kinds)
	sort.Strings(platforms)
	st.Predicate.BuildDefinition.BuildType = BuildType
	st.Predicate.BuildDefinition.ExternalParameters = externalParameters{Target: build.Target, Platforms: platforms, Compression: strings.Join(kinds, ",")}
	st.Predicate.RunDetails.Builder.ID = build.BuilderID
	if st.Predicate.RunDetails.Builder.ID == "" {
		st.Predicate.RunDetails.Builder.ID = DefaultBuilderID
	}
	if build.StartedOn != 0 {
		st.Predicate.RunDetails.Metadata = &metadata{StartedOn: time.Unix(build.StartedOn, 0).UTC().Format(time.RFC3339)}
	}
	return marshal(st)
}

// compressionOf is "gzip", "zstd" or "none" for a layer media type.
func compressionOf(mediaType string) string {
	switch {
	case strings.HasSuffix(mediaType, "gzip"):
		return "gzip"
	case strings.HasSuffix(mediaType, "zstd"):
		return "zstd"
	}
	return "none"
}
