package sign

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"golang.org/x/crypto/nacl/secretbox"
	"golang.org/x/crypto/scrypt"
)

// Key signs payloads deterministically with a private key of a file.
type Key struct {
	// Path is the file the key came from, for messages.
	Path   string
	signer crypto.Signer
}

// Public returns the key's public half.
func (k *Key) Public() crypto.PublicKey { return k.signer.Public() }

// Sign signs payload: Ed25519 over the payload itself, ECDSA P-256 over
// its SHA-256 per RFC 6979 (ASN.1 DER), as cosign and sigstore verify them.
// The same key and payload give the same bytes.
func (k *Key) Sign(payload []byte) ([]byte, error) {
	switch s := k.signer.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(s, payload), nil
	case *ecdsa.PrivateKey:
		digest := sha256.Sum256(payload)
		// No random source: the standard library signs per RFC 6979.
		return s.Sign(nil, digest[:], crypto.SHA256)
	}
	return nil, fmt.Errorf("key %s: unsupported key type %T", k.Path, k.signer)
}

// Verify says whether sig is a signature of payload by the public key pub
// (ECDSA P-256 or Ed25519).
func Verify(pub crypto.PublicKey, payload, sig []byte) bool {
	switch p := pub.(type) {
	case ed25519.PublicKey:
		return ed25519.Verify(p, payload, sig)
	case *ecdsa.PublicKey:
		digest := sha256.Sum256(payload)
		return ecdsa.VerifyASN1(p, digest[:], sig)
	}
	return false
}

// The PEM types of cosign's encrypted key file: sigstore's, and cosign's
// before it.
const (
	encryptedSigstoreKey = "ENCRYPTED SIGSTORE PRIVATE KEY"
	encryptedCosignKey   = "ENCRYPTED COSIGN PRIVATE KEY"
	pkcs8Key             = "PRIVATE KEY"
)

// LoadKey reads a private key: cosign's encrypted key file, whose password
// password gives (asked only for such a file), or an unencrypted PKCS#8
// PEM file. Errors name the file and never hold the password.
func LoadKey(path string, password func() ([]byte, error)) (*Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("signing key %s: not a PEM file; give cosign's cosign.key or a PKCS#8 PEM private key", path)
	}
	der := block.Bytes
	switch block.Type {
	case encryptedSigstoreKey, encryptedCosignKey:
		pw, err := password()
		if err != nil {
			return nil, fmt.Errorf("signing key %s: %w", path, err)
		}
		if der, err = decrypt(block.Bytes, pw); err != nil {
			return nil, fmt.Errorf("signing key %s: %w", path, err)
		}
	case pkcs8Key:
	default:
		return nil, fmt.Errorf("signing key %s: a PEM %q; give cosign's cosign.key (%q) or a PKCS#8 %q of ECDSA P-256 or Ed25519", path, block.Type, encryptedSigstoreKey, pkcs8Key)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: not a PKCS#8 private key: %w", path, err)
	}
	switch k := parsed.(type) {
	case ed25519.PrivateKey:
		return &Key{Path: path, signer: k}, nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("signing key %s: ECDSA on %s; use P-256", path, k.Curve.Params().Name)
		}
		return &Key{Path: path, signer: k}, nil
	}
	return nil, fmt.Errorf("signing key %s: a %T key; use ECDSA P-256 or Ed25519", path, parsed)
}

// encryptedKey is the JSON inside cosign's key file (secure-systems-lab's
// "encrypted" format); []byte fields are base64.
type encryptedKey struct {
	KDF struct {
		Name   string `json:"name"`
		Params struct {
			N int `json:"N"`
			R int `json:"r"`
			P int `json:"p"`
		} `json:"params"`
		Salt []byte `json:"salt"`
	} `json:"kdf"`
	Cipher struct {
		Name  string `json:"name"`
		Nonce []byte `json:"nonce"`
	} `json:"cipher"`
	Ciphertext []byte `json:"ciphertext"`
}

// errWrongPassword is what a key that does not open says: the password is
// wrong (or the file damaged).
var errWrongPassword = errors.New("the password does not open it (check COSIGN_PASSWORD)")

func decrypt(data, password []byte) ([]byte, error) {
	var e encryptedKey
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("not cosign's encrypted key format: %w", err)
	}
	if e.KDF.Name != "scrypt" || e.Cipher.Name != "nacl/secretbox" {
		return nil, fmt.Errorf("encrypted with %s and %s; cosign's keys use scrypt and nacl/secretbox", e.KDF.Name, e.Cipher.Name)
	}
	// The parameters cosign and securesystemslib write (2^15, 2^16, 2^17;
	// r 8, p 1): anything else would let a file ask for any memory.
	p := e.KDF.Params
	if (p.N != 1<<15 && p.N != 1<<16 && p.N != 1<<17) || p.R != 8 || p.P != 1 {
		return nil, fmt.Errorf("unsupported scrypt parameters N=%d r=%d p=%d", p.N, p.R, p.P)
	}
	if len(e.Cipher.Nonce) != 24 {
		return nil, fmt.Errorf("a nonce of %d bytes, want 24", len(e.Cipher.Nonce))
	}
	boxKey, err := scrypt.Key(password, e.KDF.Salt, p.N, p.R, p.P, 32)
	if err != nil {
		return nil, err
	}
	var key [32]byte
	var nonce [24]byte
	copy(key[:], boxKey)
	copy(nonce[:], e.Cipher.Nonce)
	plain, ok := secretbox.Open(nil, e.Ciphertext, &nonce, &key)
	if !ok {
		return nil, errWrongPassword
	}
	return plain, nil
}

// LoadPublicKey reads a PEM "PUBLIC KEY" (PKIX, as cosign.pub is) of
// ECDSA P-256 or Ed25519.
func LoadPublicKey(path string) (crypto.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("public key %s: not a PEM \"PUBLIC KEY\" (cosign.pub is one)", path)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("public key %s: %w", path, err)
	}
	switch p := pub.(type) {
	case ed25519.PublicKey:
		return p, nil
	case *ecdsa.PublicKey:
		if p.Curve == elliptic.P256() {
			return p, nil
		}
	}
	return nil, fmt.Errorf("public key %s: a %T key; want ECDSA P-256 or Ed25519", path, pub)
}

// PermissionWarning returns a warning when the key file can be read by
// group or others, or "".
func PermissionWarning(path string) string {
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm()&0o077 == 0 {
		return ""
	}
	return fmt.Sprintf("the signing key %s can be read by others (mode %04o); chmod 600 it", path, info.Mode().Perm())
}
