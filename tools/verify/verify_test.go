package verify

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/rules-scratch/rules_scratch/tools/imagetest"
	"github.com/rules-scratch/rules_scratch/tools/push"
	"github.com/rules-scratch/rules_scratch/tools/sign"
)

// newKey writes an Ed25519 key pair and returns the private key and the
// public one, as scratch verify reads it.
func newKey(t *testing.T) (*sign.Key, crypto.PublicKey) {
	t.Helper()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	dir := t.TempDir()
	der, _ := x509.MarshalPKCS8PrivateKey(priv)
	os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	pubDER, _ := x509.MarshalPKIXPublicKey(pub)
	os.WriteFile(filepath.Join(dir, "key.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644)
	key, err := sign.LoadKey(filepath.Join(dir, "key.pem"), nil)
	if err != nil {
		t.Fatal(err)
	}
	public, err := sign.LoadPublicKey(filepath.Join(dir, "key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	return key, public
}

func pushTo(t *testing.T, dir, repo string, tags []string, opts ...push.Option) {
	t.Helper()
	opts = append([]push.Option{push.WithKeychain(authn.NewMultiKeychain())}, opts...)
	if _, err := push.Push(context.Background(), dir, repo, tags, opts...); err != nil {
		t.Fatal(err)
	}
}

func check(t *testing.T, ref string, keys ...crypto.PublicKey) *Report {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	opts, err := push.RemoteOptions(context.Background(), r.Context(), push.WithKeychain(authn.NewMultiKeychain()))
	if err != nil {
		t.Fatal(err)
	}
	report, err := Verify(r, keys, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return report
}

func TestVerify(t *testing.T) {
	server := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(server.Close)
	repo := strings.TrimPrefix(server.URL, "http://") + "/team/app"
	key, public := newKey(t)
	_, otherPublic := newKey(t)

	dir, digest := imagetest.WriteLayout(t, "signed", "amd64")
	provenance := filepath.Join(t.TempDir(), "image.provenance.json")
	os.WriteFile(provenance, []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"x","digest":{"sha256":"`+strings.TrimPrefix(digest, "sha256:")+`"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`), 0o644)
	pushTo(t, dir, repo, []string{"v1"}, push.WithSigningKeys(key), push.WithAttachments(push.Attachment{ArtifactType: "application/vnd.in-toto+json", Path: provenance}))
	unsigned, _ := imagetest.WriteLayout(t, "unsigned", "amd64")
	pushTo(t, unsigned, repo, []string{"unsigned"})

	for _, tc := range []struct {
		ref      string
		keys     []crypto.PublicKey
		verified bool
		says     string
	}{
		{repo + ":v1", []crypto.PublicKey{public}, true, "signed, claiming " + repo + ":v1"},
		{repo + "@" + digest, []crypto.PublicKey{public}, true, "attested https://slsa.dev/provenance/v1"},
		{repo + ":v1", []crypto.PublicKey{otherPublic, public}, true, "signed"},
		{repo + ":v1", []crypto.PublicKey{otherPublic}, false, "not by the key"},
		{repo + ":unsigned", []crypto.PublicKey{public}, false, "no signature: the tag sha256-"},
	} {
		report := check(t, tc.ref, tc.keys...)
		if report.Verified() != tc.verified || !strings.Contains(report.String(), tc.says) {
			t.Errorf("%s with %d keys: verified %v, want %v; the report says:\n%s(want it to say %q)", tc.ref, len(tc.keys), report.Verified(), tc.verified, report, tc.says)
		}
	}

	// The same digest under another tag: the signatures claim v1, not v2.
	pushTo(t, dir, repo, []string{"v2"})
	if report := check(t, repo+":v2", public); report.Verified() || !strings.Contains(report.String(), "claims "+repo+":v1, not "+repo+":v2") {
		t.Errorf("a tag no signature claims verified:\n%s", report)
	}
}

func TestVerifyAnIndex(t *testing.T) {
	server := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(server.Close)
	repo := strings.TrimPrefix(server.URL, "http://") + "/team/app"
	key, public := newKey(t)
	amd64, _ := imagetest.WriteLayout(t, "x86", "amd64")
	arm64, _ := imagetest.WriteLayout(t, "arm", "arm64")
	dir, _ := imagetest.WriteIndex(t, amd64, arm64)
	pushTo(t, dir, repo, []string{"all"}, push.WithSigningKeys(key))
	report := check(t, repo+":all", public)
	if !report.Verified() || len(report.Manifests) != 3 || report.Manifests[2].Platform != "linux/arm64" {
		t.Errorf("the index and its two images:\n%s", report)
	}
}
