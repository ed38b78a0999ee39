package sbom

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func decodeStatement(t *testing.T, data []byte) statement {
	t.Helper()
	var st statement
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		t.Fatalf("not the statement we write: %v\n%s", err, data)
	}
	return st
}

func TestProvenance(t *testing.T) {
	uuid := Module{Path: "github.com/google/uuid", Version: "v1.6.0"}
	img := testImage(uuid)
	img.Layers[1].Packages[0].Unversioned = []string{"+http_archive+vendored"}
	tests := []struct {
		name  string
		build Build
		// wantDeps are the resolved dependencies' URIs (or names) and digests.
		wantDeps    map[string]map[string]string
		wantStarted string
	}{
		{
			name:  "unstamped",
			build: Build{Target: "//app:image"},
			wantDeps: map[string]map[string]string{
				"pkg:golang/github.com/google/uuid@v1.6.0":                 {"dirHash": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"},
				"pkg:golang/golang.org/x/crypto/x509roots/fallback@v0.1.0": nil,
				"pkg:golang/stdlib@1.26.8go":                               nil,
				"@+http_archive+vendored":                                  nil,
			},
		},
		{
			name:  "stamped",
			build: Build{Target: "//app:image", BuilderID: "https://ci.example/runner", Commit: "0123abcd", SourceURI: "git+https://git.example/app", StartedOn: 1700000000},
			wantDeps: map[string]map[string]string{
				"pkg:golang/github.com/google/uuid@v1.6.0":                 {"dirHash": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"},
				"pkg:golang/golang.org/x/crypto/x509roots/fallback@v0.1.0": nil,
				"pkg:golang/stdlib@1.26.8go":                               nil,
				"@+http_archive+vendored":                                  nil,
				"git+https://git.example/appsource":                        {"gitCommit": "0123abcd"},
			},
			wantStarted: "2023-11-14T22:13:20Z",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := Provenance(tt.build, testSums, []Subject{{Name: img.Name, Digest: img.Digest}}, img)
			if err != nil {
				t.Fatal(err)
			}
			st := decodeStatement(t, data)
			if st.Type != "https://in-toto.io/Statement/v1" || st.PredicateType != "https://slsa.dev/provenance/v1" {
				t.Errorf("_type %q predicateType %q", st.Type, st.PredicateType)
			}
			if len(st.Subject) != 1 || st.Subject[0].Digest["sha256"] != imageHex {
				t.Errorf("subject %+v, want the image's digest", st.Subject)
			}
			def := st.Predicate.BuildDefinition
			if want := (externalParameters{Target: "//app:image", Platforms: []string{"linux/arm64/v8"}, Compression: "gzip"}); def.BuildType != BuildType || def.ExternalParameters.Target != want.Target || strings.Join(def.ExternalParameters.Platforms, ",") != "linux/arm64/v8" || def.ExternalParameters.Compression != "gzip" {
				t.Errorf("buildDefinition %+v", def)
			}
			got := map[string]map[string]string{}
			for _, d := range def.ResolvedDependencies {
				got[d.URI+d.Name] = d.Digest
			}
			if len(got) != len(tt.wantDeps) {
				t.Errorf("resolved dependencies %+v, want %v", def.ResolvedDependencies, tt.wantDeps)
			}
			for uri, digest := range tt.wantDeps {
				if g, ok := got[uri]; !ok || len(g) != len(digest) || (digest != nil && g[firstKey(digest)] != digest[firstKey(digest)]) {
					t.Errorf("dependency %s: %v, want %v", uri, g, digest)
				}
			}
			wantBuilder := tt.build.BuilderID
			if wantBuilder == "" {
				wantBuilder = DefaultBuilderID
			}
			if st.Predicate.RunDetails.Builder.ID != wantBuilder {
				t.Errorf("builder %q, want %q", st.Predicate.RunDetails.Builder.ID, wantBuilder)
			}
			var started string
			if md := st.Predicate.RunDetails.Metadata; md != nil {
				started = md.StartedOn
			}
			if started != tt.wantStarted {
				t.Errorf("startedOn %q, want %q (a timestamp only when stamped)", started, tt.wantStarted)
			}
		})
	}
}

func firstKey(m map[string]string) string {
	for k := range m {
		return k
	}
	return ""
}

func TestProvenanceOfIndex(t *testing.T) {
	amd := testImage()
	amd.Platform = v1.Platform{OS: "linux", Architecture: "amd64"}
	amd.Layers[1].Descriptor.MediaType = "application/vnd.oci.image.layer.v1.tar+zstd"
	arm := testImage()
	subjects := []Subject{{"registry.example/app:1.0", hash(layerHex)}, {"linux/amd64", hash(imageHex)}, {"linux/arm64/v8", hash(appHex)}}
	first, err := Provenance(Build{Target: "//app:index"}, nil, subjects, amd, arm)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Provenance(Build{Target: "//app:index"}, nil, subjects, arm, amd)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, again) {
		t.Errorf("the order of the images changed the provenance")
	}
	st := decodeStatement(t, first)
	if len(st.Subject) != 3 || st.Subject[2].Name != "linux/arm64/v8" {
		t.Errorf("subjects %+v", st.Subject)
	}
	if p := st.Predicate.BuildDefinition.ExternalParameters; strings.Join(p.Platforms, " ") != "linux/amd64 linux/arm64/v8" || p.Compression != "gzip,zstd" {
		t.Errorf("externalParameters %+v", p)
	}
	if _, err := Provenance(Build{Target: "//app:index"}, nil, []Subject{{Name: "x"}}, amd); err == nil {
		t.Errorf("a subject without a digest was accepted")
	}
}
