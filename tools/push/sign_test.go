package push

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/rules-scratch/rules_scratch/tools/imagetest"
	"github.com/rules-scratch/rules_scratch/tools/sign"
)

// testKey writes an unencrypted Ed25519 key and loads it.
func testKey(t *testing.T) *sign.Key {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	path := filepath.Join(t.TempDir(), "key.pem")
	os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	keys, err := LoadSigningKeys([]string{path}, func(w string) { t.Errorf("warning: %s", w) })
	if err != nil {
		t.Fatal(err)
	}
	return keys[0]
}

// cosignLayers reads the image under the tag sha256-<hex>.<suffix> of
// digest: its layers' descriptors and bytes.
func cosignLayers(t *testing.T, repo, digest, suffix string) ([]v1.Descriptor, [][]byte) {
	t.Helper()
	h, _ := v1.NewHash(digest)
	ref, _ := name.NewTag(repo + ":" + sign.Tag(h, suffix))
	img, err := remote.Image(ref)
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	var data [][]byte
	for _, d := range m.Layers {
		l, err := img.LayerByDigest(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		rc, _ := l.Compressed()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := rc.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		rc.Close()
		data = append(data, []byte(b.String()))
	}
	return m.Layers, data
}

// verifiedSignatures returns the docker references of the layers whose
// signature by key verifies and whose payload names digest.
func verifiedSignatures(t *testing.T, key *sign.Key, layers []v1.Descriptor, data [][]byte, digest string) []string {
	t.Helper()
	var refs []string
	for i, d := range layers {
		sig, _ := base64.StdEncoding.DecodeString(d.Annotations[sign.SignatureAnnotation])
		ref, h, err := sign.ParseSimpleSigning(data[i])
		if err == nil && h.String() == digest && d.MediaType == sign.SimpleSigningMediaType && sign.Verify(key.Public(), data[i], sig) {
			refs = append(refs, ref)
		}
	}
	return refs
}

func TestPushSignsBeforeTheTags(t *testing.T) {
	host, rec := newRegistry(t)
	repo := host + "/team/app"
	dir, digest := writeLayout(t, "signed")
	key := testKey(t)
	opts := []Option{
		WithSigningKeys(key),
		WithAttachments(
			Attachment{ArtifactType: "application/spdx+json", Path: writeDocument(t, "image.spdx.json", `{"spdxVersion":"SPDX-2.3"}`)},
			Attachment{ArtifactType: "application/vnd.in-toto+json", Path: writeDocument(t, "image.provenance.json", `{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`)},
		),
	}
	_, progress, err := push(t, dir, repo, []string{"v1", "latest"}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	layers, data := cosignLayers(t, repo, digest, "sig")
	if got := verifiedSignatures(t, key, layers, data, digest); strings.Join(got, " ") != repo+":v1 "+repo+":latest" {
		t.Errorf("verified signatures claim %v, want one per tag", got)
	}
	layers, data = cosignLayers(t, repo, digest, "att")
	var predicateTypes []string
	for i, d := range layers {
		var envelope sign.Envelope
		if err := json.Unmarshal(data[i], &envelope); err != nil || d.MediaType != sign.DSSEMediaType ||
			!sign.Verify(key.Public(), sign.PAE(envelope.PayloadType, envelope.Payload), envelope.Signatures[0].Sig) {
			t.Errorf("attestation %d does not verify: %v %s", i, err, data[i])
		}
		var statement struct {
			PredicateType string `json:"predicateType"`
			Subject       []struct {
				Digest map[string]string `json:"digest"`
			} `json:"subject"`
		}
		json.Unmarshal(envelope.Payload, &statement)
		predicateTypes = append(predicateTypes, d.Annotations[sign.PredicateTypeAnnotation])
		if d.Annotations[sign.PredicateTypeAnnotation] == sign.SPDXPredicateType && "sha256:"+statement.Subject[0].Digest["sha256"] != digest {
			t.Errorf("the SBOM attestation's subject is %v, want %s", statement.Subject, digest)
		}
	}
	if strings.Join(predicateTypes, " ") != sign.SPDXPredicateType+" "+sign.SLSAProvenanceV1Type {
		t.Errorf("attestations %v, want the SBOM's and the provenance", predicateTypes)
	}
	// Signatures before the tags.
	puts := slices.DeleteFunc(slices.Clone(rec.requests), func(r string) bool { return !strings.HasPrefix(r, "PUT /v2/team/app/manifests/") })
	if n := len(puts); n < 2 || puts[n-2] != "PUT /v2/team/app/manifests/v1" || !strings.HasSuffix(puts[n-3], ".att") {
		t.Errorf("manifest puts %v: want the signatures, then the tags", puts)
	}
	if !strings.Contains(progress, "signed: ") {
		t.Errorf("progress does not count the signing requests:\n%s", progress)
	}

	// Again: the same signatures, nothing uploaded or put but the tags.
	before := len(rec.requests)
	uploadsBefore := rec.count("PATCH") + rec.count("PUT /v2/team/app/blobs")
	_, progress, err = push(t, dir, repo, []string{"v1", "latest"}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if uploads := rec.count("PATCH") + rec.count("PUT /v2/team/app/blobs") - uploadsBefore; uploads != 0 {
		t.Errorf("the second push uploaded %d blobs", uploads)
	}
	for _, r := range rec.requests[before:] {
		if strings.HasPrefix(r, "PUT /v2/team/app/manifests/sha256-") {
			t.Errorf("the second push put %s", r)
		}
	}
	if strings.Count(progress, "has every signature already") != 2 {
		t.Errorf("progress:\n%s", progress)
	}

	// Another key adds its signature; ours stay.
	other := testKey(t)
	if _, _, err := push(t, dir, repo, []string{"v1"}, WithSigningKeys(other)); err != nil {
		t.Fatal(err)
	}
	layers, data = cosignLayers(t, repo, digest, "sig")
	if len(verifiedSignatures(t, key, layers, data, digest)) != 2 || len(verifiedSignatures(t, other, layers, data, digest)) != 1 {
		t.Errorf("after a push signed with another key: %d layers", len(layers))
	}
}

func TestPushSignsAnIndexAndEachPlatform(t *testing.T) {
	host, _ := newRegistry(t)
	repo := host + "/team/app"
	amd64, amd64Digest := imagetest.WriteLayout(t, "x86", "amd64")
	arm64, arm64Digest := imagetest.WriteLayout(t, "arm", "arm64")
	dir, indexDigest := imagetest.WriteIndex(t, amd64, arm64)
	key := testKey(t)
	if _, _, err := push(t, dir, repo, nil, WithSigningKeys(key)); err != nil {
		t.Fatal(err)
	}
	for _, digest := range []string{indexDigest, amd64Digest, arm64Digest} {
		layers, data := cosignLayers(t, repo, digest, "sig")
		if got := verifiedSignatures(t, key, layers, data, digest); len(got) != 1 || got[0] != repo {
			t.Errorf("%s: verified signatures claim %v, want the repository", digest, got)
		}
	}
}
