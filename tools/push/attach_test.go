package push

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-scratch/rules_scratch/tools/imagetest"
)

// writeDocument writes a document to attach and returns its path.
func writeDocument(t *testing.T, base, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), base)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// referrers lists what refers to digest in repo, with the referrers API or
// its tag schema, as a verifier finds them: artifact type to the document
// bytes.
func referrers(t *testing.T, repo, digest string) map[string]string {
	t.Helper()
	subject, err := name.NewDigest(repo + "@" + digest)
	if err != nil {
		t.Fatal(err)
	}
	index, err := remote.Referrers(subject)
	if err != nil {
		t.Fatalf("referrers of %s: %v", subject, err)
	}
	manifest, err := index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, desc := range manifest.Manifests {
		img, err := remote.Image(subject.Context().Digest(desc.Digest.String()))
		if err != nil {
			t.Fatal(err)
		}
		m, err := img.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		// (go-containerregistry's registry lists the config's media type
		// as the artifact type; the manifest's own is what counts.)
		if m.Subject == nil || m.Subject.Digest.String() != digest || len(m.Layers) != 1 {
			t.Errorf("referrer %s: subject %v, %d layers; want subject %s and one layer", desc.Digest, m.Subject, len(m.Layers), digest)
			continue
		}
		layer, err := img.LayerByDigest(m.Layers[0].Digest)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := layer.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		var data bytes.Buffer
		data.ReadFrom(rc)
		rc.Close()
		found[m.ArtifactType] = data.String()
	}
	return found
}

func TestAttachmentsReferToTheImageBeforeTheTags(t *testing.T) {
	for _, api := range []bool{false, true} {
		t.Run(map[bool]string{false: "referrers tag schema", true: "referrers API"}[api], func(t *testing.T) {
			host, rec := newRegistryWith(t, []registry.Option{registry.WithReferrersSupport(api)})
			dir, digest := writeLayout(t, "attached")
			sbom := writeDocument(t, "image.spdx.json", `{"spdxVersion":"SPDX-2.3"}`)
			provenance := writeDocument(t, "image.provenance.json", `{"_type":"https://in-toto.io/Statement/v1"}`)
			attach := WithAttachments(
				Attachment{ArtifactType: "application/spdx+json", Path: sbom},
				Attachment{ArtifactType: "application/vnd.in-toto+json", Path: provenance},
			)
			_, progress, err := push(t, dir, host+"/team/app", []string{"v1"}, attach)
			if err != nil {
				t.Fatal(err)
			}
			got := referrers(t, host+"/team/app", digest)
			want := map[string]string{
				"application/spdx+json":        `{"spdxVersion":"SPDX-2.3"}`,
				"application/vnd.in-toto+json": `{"_type":"https://in-toto.io/Statement/v1"}`,
			}
			if len(got) != 2 || got["application/spdx+json"] != want["application/spdx+json"] || got["application/vnd.in-toto+json"] != want["application/vnd.in-toto+json"] {
				t.Errorf("referrers of the image: %v, want %v", got, want)
			}
			// The tag moves last.
			puts := slices.DeleteFunc(slices.Clone(rec.requests), func(r string) bool { return !strings.HasPrefix(r, "PUT /v2/team/app/manifests/") })
			if last := puts[len(puts)-1]; last != "PUT /v2/team/app/manifests/v1" {
				t.Errorf("manifest puts %v: the tag is not last", puts)
			}
			fallbackTag := "PUT /v2/team/app/manifests/sha256-" + strings.TrimPrefix(digest, "sha256:")
			if api == slices.Contains(puts, fallbackTag) {
				t.Errorf("manifest puts %v: with the referrers API %v, want the tag schema's index put %v", puts, api, !api)
			}
			if strings.Count(progress, "attached ") != 2 || !strings.Contains(progress, "attached application/spdx+json image.spdx.json to the image: sha256:") {
				t.Errorf("progress does not say what it attached:\n%s", progress)
			}

			// Again: the same artifact manifests, no blob uploaded, the
			// referrers listed once each.
			uploadsBefore := rec.count("PATCH") + rec.count("PUT /v2/team/app/blobs")
			_, again, err := push(t, dir, host+"/team/app", []string{"v1"}, attach)
			if err != nil {
				t.Fatal(err)
			}
			if uploads := rec.count("PATCH") + rec.count("PUT /v2/team/app/blobs") - uploadsBefore; uploads != 0 {
				t.Errorf("the second push uploaded %d blobs:\n%s", uploads, again)
			}
			attached := func(p string) []string {
				var lines []string
				for _, line := range strings.Split(p, "\n") {
					if strings.HasPrefix(line, "attached ") {
						lines = append(lines, line)
					}
				}
				return lines
			}
			if !slices.Equal(attached(progress), attached(again)) {
				t.Errorf("the second push made other artifacts:\n%s\nthen\n%s", progress, again)
			}
			if n := len(referrers(t, host+"/team/app", digest)); n != 2 {
				t.Errorf("after a second push the image has %d referrers, want 2", n)
			}
		})
	}
}

func TestAttachmentsToAnIndexAndItsPlatforms(t *testing.T) {
	host, _ := newRegistry(t)
	amd64, amd64Digest := imagetest.WriteLayout(t, "x86", "amd64")
	arm64, arm64Digest := imagetest.WriteLayout(t, "arm", "arm64")
	dir, indexDigest := imagetest.WriteIndex(t, amd64, arm64)
	attach := WithAttachments(
		Attachment{ArtifactType: "application/spdx+json", Path: writeDocument(t, "index.spdx.json", "index")},
		Attachment{Platform: "linux/amd64", ArtifactType: "application/spdx+json", Path: writeDocument(t, "amd64.spdx.json", "amd64")},
		Attachment{Platform: "linux/arm64", ArtifactType: "application/spdx+json", Path: writeDocument(t, "arm64.spdx.json", "arm64")},
	)
	if _, _, err := push(t, dir, host+"/team/app", nil, attach); err != nil {
		t.Fatal(err)
	}
	for digest, want := range map[string]string{indexDigest: "index", amd64Digest: "amd64", arm64Digest: "arm64"} {
		if got := referrers(t, host+"/team/app", digest)["application/spdx+json"]; got != want {
			t.Errorf("the SBOM of %s is %q, want %q", digest, got, want)
		}
	}
}

func TestAttachmentErrorsComeBeforeAnyRequest(t *testing.T) {
	host, rec := newRegistry(t)
	dir, _ := writeLayout(t, "refused")
	for _, tc := range []struct {
		attachment Attachment
		want       string
	}{
		{Attachment{ArtifactType: "application/spdx+json", Path: filepath.Join(t.TempDir(), "missing.spdx.json")}, "missing.spdx.json: no such file"},
		{Attachment{Platform: "linux/arm64", ArtifactType: "application/spdx+json", Path: writeDocument(t, "a.json", "{}")}, "the layout holds an image, not an index"},
	} {
		_, _, err := push(t, dir, host+"/team/app", []string{"v1"}, WithAttachments(tc.attachment))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want an error saying %q", tc.attachment, err, tc.want)
		}
	}
	if len(rec.requests) != 0 {
		t.Errorf("refused pushes sent %v", rec.requests)
	}
}

func TestParseAttachment(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Attachment
		err  bool
	}{
		{in: "application/spdx+json=a/b.spdx.json", want: Attachment{ArtifactType: "application/spdx+json", Path: "a/b.spdx.json"}},
		{in: "application/vnd.in-toto+json@linux/arm64/v8=p=q.json", want: Attachment{Platform: "linux/arm64/v8", ArtifactType: "application/vnd.in-toto+json", Path: "p=q.json"}},
		{in: "b.spdx.json", err: true},
		{in: "spdx=b.spdx.json", err: true},
		{in: "application/spdx+json=", err: true},
	} {
		got, err := ParseAttachment(tc.in)
		if (err != nil) != tc.err || (!tc.err && got != tc.want) {
			t.Errorf("ParseAttachment(%q) = %+v, %v; want %+v (error %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
}

// The artifact's manifest is a function of the document and the subject.
func TestArtifactManifestIsReproducible(t *testing.T) {
	subject := v1.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)}, Size: 500}
	a := Attachment{ArtifactType: "application/spdx+json", Path: writeDocument(t, "image.spdx.json", "{}")}
	first, err := newArtifact(a, subject)
	if err != nil {
		t.Fatal(err)
	}
	b := Attachment{ArtifactType: "application/spdx+json", Path: writeDocument(t, "image.spdx.json", "{}")}
	second, err := newArtifact(b, subject)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","data":"e30="},"layers":[{"mediaType":"application/spdx+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","annotations":{"org.opencontainers.image.title":"image.spdx.json"}}],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":500,"digest":"sha256:` + strings.Repeat("ab", 32) + `"},"artifactType":"application/spdx+json"}`
	if string(first.manifest) != want || string(second.manifest) != want {
		t.Errorf("artifact manifest:\n%s\n%s\nwant\n%s", first.manifest, second.manifest, want)
	}
}
