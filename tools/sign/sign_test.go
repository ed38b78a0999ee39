package sign

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/scrypt"
)

// writePEM writes a PEM file of the given type and returns its path.
func writePEM(t *testing.T, blockType string, der []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func pkcs8(t *testing.T, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// encryptAsCosign writes der as cosign generate-key-pair does: scrypt
// (N 2^15, r 8, p 1) and NaCl secretbox, as JSON in a PEM block.
func encryptAsCosign(t *testing.T, der []byte, password string, n int) []byte {
	t.Helper()
	salt, nonce := make([]byte, 32), make([]byte, 24)
	rand.Read(salt)
	rand.Read(nonce)
	boxKey, err := scrypt.Key([]byte(password), salt, n, 8, 1, 32)
	if err != nil {
		t.Fatal(err)
	}
	var key [32]byte
	var nonceArray [24]byte
	copy(key[:], boxKey)
	copy(nonceArray[:], nonce)
	data, _ := json.Marshal(map[string]any{
		"kdf":        map[string]any{"name": "scrypt", "params": map[string]int{"N": n, "r": 8, "p": 1}, "salt": salt},
		"cipher":     map[string]any{"name": "nacl/secretbox", "nonce": nonce},
		"ciphertext": secretbox.Seal(nil, der, &nonceArray, &key),
	})
	return data
}

func noPassword() ([]byte, error) { panic("asked for a password") }

func TestLoadKeysAndSignDeterministically(t *testing.T) {
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	const password = "correct horse battery staple"
	for _, tc := range []struct {
		name string
		path string
	}{
		{"ECDSA P-256 PKCS#8", writePEM(t, "PRIVATE KEY", pkcs8(t, ecKey))},
		{"Ed25519 PKCS#8", writePEM(t, "PRIVATE KEY", pkcs8(t, edKey))},
		{"cosign.key, ECDSA", writePEM(t, "ENCRYPTED SIGSTORE PRIVATE KEY", encryptAsCosign(t, pkcs8(t, ecKey), password, 1<<15))},
		{"older cosign.key, Ed25519", writePEM(t, "ENCRYPTED COSIGN PRIVATE KEY", encryptAsCosign(t, pkcs8(t, edKey), password, 1<<16))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, err := LoadKey(tc.path, func() ([]byte, error) { return []byte(password), nil })
			if err != nil {
				t.Fatal(err)
			}
			payload := SimpleSigning("registry.example/team/app:1.0", v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)})
			first, err := key.Sign(payload)
			if err != nil {
				t.Fatal(err)
			}
			second, _ := key.Sign(payload)
			if !bytes.Equal(first, second) {
				t.Errorf("two signatures of one payload differ")
			}
			if !Verify(key.Public(), payload, first) {
				t.Errorf("the signature does not verify")
			}
			if Verify(key.Public(), append(payload, ' '), first) {
				t.Errorf("the signature verifies another payload")
			}
		})
	}
}

func TestKeysRefused(t *testing.T) {
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	const password = "s3cret-pass-word"
	wrong := func() ([]byte, error) { return []byte("wrong-" + password), nil }
	for _, tc := range []struct {
		name, path, want string
	}{
		{"wrong password", writePEM(t, "ENCRYPTED SIGSTORE PRIVATE KEY", encryptAsCosign(t, pkcs8(t, ecKey), password, 1<<15)), "the password does not open it (check COSIGN_PASSWORD)"},
		{"huge scrypt cost", writePEM(t, "ENCRYPTED SIGSTORE PRIVATE KEY", encryptAsCosign(t, pkcs8(t, ecKey), password, 1<<10)), "unsupported scrypt parameters N=1024"},
		{"P-384", writePEM(t, "PRIVATE KEY", pkcs8(t, p384)), "ECDSA on P-384; use P-256"},
		{"RSA", writePEM(t, "PRIVATE KEY", pkcs8(t, rsaKey)), "use ECDSA P-256 or Ed25519"},
		{"a public key", writePEM(t, "PUBLIC KEY", []byte{1}), `a PEM "PUBLIC KEY"; give cosign's cosign.key`},
		{"not PEM", filepath.Join(t.TempDir(), "missing.key"), "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadKey(tc.path, wrong)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
				t.Fatalf("got %v, want an error naming %s and saying %q", err, tc.path, tc.want)
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("the error holds the password: %v", err)
			}
		})
	}
	// An unencrypted key never asks for a password.
	if _, err := LoadKey(writePEM(t, "PRIVATE KEY", pkcs8(t, ecKey)), noPassword); err != nil {
		t.Error(err)
	}
}

func TestPermissionWarning(t *testing.T) {
	path := writePEM(t, "PRIVATE KEY", []byte{1})
	if w := PermissionWarning(path); w != "" {
		t.Errorf("a 0600 key warns: %s", w)
	}
	os.Chmod(path, 0o644)
	if w := PermissionWarning(path); !strings.Contains(w, "can be read by others (mode 0644)") {
		t.Errorf("a 0644 key: %q", w)
	}
}

func TestPayloads(t *testing.T) {
	digest := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0f", 32)}
	want := `{"critical":{"identity":{"docker-reference":"registry.example/team/app:1.0"},"image":{"docker-manifest-digest":"sha256:` + digest.Hex + `"},"type":"cosign container image signature"},"optional":null}`
	payload := SimpleSigning("registry.example/team/app:1.0", digest)
	if string(payload) != want {
		t.Errorf("payload\n%s\nwant\n%s", payload, want)
	}
	ref, got, err := ParseSimpleSigning(payload)
	if err != nil || ref != "registry.example/team/app:1.0" || got != digest {
		t.Errorf("ParseSimpleSigning = %q %v %v", ref, got, err)
	}
	// DSSE's own example.
	if got := string(PAE("http://example.com/HelloWorld", []byte("hello world"))); got != "DSSEv1 29 http://example.com/HelloWorld 11 hello world" {
		t.Errorf("PAE = %q", got)
	}
	statement, err := Statement(SPDXPredicateType, []byte(`{"spdxVersion":"SPDX-2.3"}`), "registry.example/team/app", digest)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"` + digest.Hex + `"},"name":"registry.example/team/app"}],"predicateType":"https://spdx.dev/Document","predicate":{"spdxVersion":"SPDX-2.3"}}`; string(statement) != want {
		t.Errorf("statement\n%s\nwant\n%s", statement, want)
	}
}

func TestSignatureAndAttestationImages(t *testing.T) {
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	key, err := LoadKey(writePEM(t, "PRIVATE KEY", pkcs8(t, edKey)), noPassword)
	if err != nil {
		t.Fatal(err)
	}
	digest := v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0f", 32)}
	sigLayer, err := SignatureLayer(key, SimpleSigning("r/app", digest))
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := base64.StdEncoding.DecodeString(sigLayer.Descriptor.Annotations[SignatureAnnotation])
	if sigLayer.Descriptor.MediaType != SimpleSigningMediaType || !Verify(key.Public(), sigLayer.Data, sig) {
		t.Errorf("signature layer %+v does not verify", sigLayer.Descriptor)
	}
	statement, _ := Statement(SLSAProvenanceV1Type, []byte(`{}`), "r/app", digest)
	attLayer, err := AttestationLayer(key, statement)
	if err != nil {
		t.Fatal(err)
	}
	var envelope Envelope
	if err := json.Unmarshal(attLayer.Data, &envelope); err != nil {
		t.Fatal(err)
	}
	if attLayer.Descriptor.Annotations[PredicateTypeAnnotation] != SLSAProvenanceV1Type || !bytes.Equal(envelope.Payload, statement) ||
		!Verify(key.Public(), PAE(envelope.PayloadType, envelope.Payload), envelope.Signatures[0].Sig) {
		t.Errorf("attestation layer %+v, envelope %+v", attLayer.Descriptor, envelope)
	}

	manifest, config, err := Image(nil, []Blob{sigLayer})
	if err != nil || manifest == nil || config == nil {
		t.Fatalf("Image = %s, %s, %v", manifest, config, err)
	}
	var m v1.Manifest
	json.Unmarshal(manifest, &m)
	if len(m.Layers) != 1 || m.Layers[0].Digest != sigLayer.Descriptor.Digest {
		t.Errorf("manifest layers %+v", m.Layers)
	}
	// The same signature again: nothing to push.
	if again, _, _ := Image(&m, []Blob{sigLayer}); again != nil {
		t.Errorf("an image that has the signature is made again: %s", again)
	}
	// Another key's signature is kept beside ours.
	other := Blob{Descriptor: v1.Descriptor{MediaType: SimpleSigningMediaType, Digest: v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("11", 32)}, Size: 3}}
	merged, _, _ := Image(&v1.Manifest{Layers: []v1.Descriptor{other.Descriptor}}, []Blob{sigLayer})
	json.Unmarshal(merged, &m)
	if len(m.Layers) != 2 || m.Layers[0].Digest != other.Descriptor.Digest {
		t.Errorf("merged layers %+v: want the existing one first, then ours", m.Layers)
	}
	if Tag(digest, "sig") != "sha256-"+digest.Hex+".sig" {
		t.Errorf("Tag = %s", Tag(digest, "sig"))
	}
}

// A test key's signatures are fixed bytes: they can be locked, and pushing
// again finds them in the registry.
func TestSignaturesAreLocked(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, 32)
	ecKey, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), seed)
	if err != nil {
		t.Fatal(err)
	}
	payload := SimpleSigning("registry.example/team/app:1.0", v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("ab", 32)})
	for _, tc := range []struct {
		name string
		key  any
		want string
	}{
		{"Ed25519", ed25519.NewKeyFromSeed(seed), "8rQjVUYznVfWLF1lnExdoCWw+d/RQAjDbu5fYoSAVGKDsg0pFJ5eHNQnKO/i+PBaLTJ6vAq1DJiY9GnM/CTLAg=="},
		{"ECDSA P-256", ecKey, "MEQCIAWiFAa51XYAgtJJI2G5HF8Fclj8J9/dWtX1QrTCoehLAiBwxEOQ5BlNmpmCYCA0Q95sp3IF+Vcz+VtWXByTZGr7KQ=="},
	} {
		key, err := LoadKey(writePEM(t, "PRIVATE KEY", pkcs8(t, tc.key)), noPassword)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := key.Sign(payload)
		if err != nil {
			t.Fatal(err)
		}
		if got := base64.StdEncoding.EncodeToString(sig); got != tc.want {
			t.Errorf("%s signature %s, locked %s", tc.name, got, tc.want)
		}
	}
}
