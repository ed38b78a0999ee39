package sign

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// SimpleSigningType is the critical.type of cosign's payload.
const SimpleSigningType = "cosign container image signature"

type simpleSigning struct {
	Critical struct {
		Identity struct {
			DockerReference string `json:"docker-reference"`
		} `json:"identity"`
		Image struct {
			DockerManifestDigest string `json:"docker-manifest-digest"`
		} `json:"image"`
		Type string `json:"type"`
	} `json:"critical"`
	Optional map[string]any `json:"optional"`
}

// SimpleSigning returns cosign's simple signing payload: the manifest
// digest, claimed as dockerReference ("registry/repo:tag", which podman's
// default matchRepoDigestOrExact identity rule wants for a pull by that
// tag and accepts for a pull by digest of that repository).
func SimpleSigning(dockerReference string, digest v1.Hash) []byte {
	var p simpleSigning
	p.Critical.Identity.DockerReference = dockerReference
	p.Critical.Image.DockerManifestDigest = digest.String()
	p.Critical.Type = SimpleSigningType
	data, _ := json.Marshal(p) // cannot fail: strings only
	return data
}

// ParseSimpleSigning reads a simple signing payload: the claimed reference
// and the digest.
func ParseSimpleSigning(payload []byte) (string, v1.Hash, error) {
	var p simpleSigning
	if err := json.Unmarshal(payload, &p); err != nil {
		return "", v1.Hash{}, fmt.Errorf("not a simple signing payload: %w", err)
	}
	if p.Critical.Type != SimpleSigningType {
		return "", v1.Hash{}, fmt.Errorf("a simple signing payload of type %q, want %q", p.Critical.Type, SimpleSigningType)
	}
	h, err := v1.NewHash(p.Critical.Image.DockerManifestDigest)
	return p.Critical.Identity.DockerReference, h, err
}

// InTotoPayloadType is the DSSE payload type of in-toto Statements.
const InTotoPayloadType = "application/vnd.in-toto+json"

// The predicate types cosign's verify-attestation --type names.
const (
	SPDXPredicateType      = "https://spdx.dev/Document"      // --type spdxjson
	CycloneDXPredicateType = "https://cyclonedx.org/bom"      // --type cyclonedx
	SLSAProvenanceV1Type   = "https://slsa.dev/provenance/v1" // --type slsaprovenance1
)

// Envelope is a DSSE envelope.
type Envelope struct {
	PayloadType string      `json:"payloadType"`
	Payload     []byte      `json:"payload"` // base64 in JSON
	Signatures  []Signature `json:"signatures"`
}

// Signature is one signature of a DSSE envelope.
type Signature struct {
	KeyID string `json:"keyid"`
	Sig   []byte `json:"sig"` // base64 in JSON
}

// PAE is DSSE's pre-authentication encoding, what is signed.
func PAE(payloadType string, payload []byte) []byte {
	return fmt.Appendf(nil, "DSSEv1 %d %s %d %s", len(payloadType), payloadType, len(payload), payload)
}

// Statement returns an in-toto Statement v1 about the image digest (named
// name) whose predicate is document.
func Statement(predicateType string, document []byte, name string, digest v1.Hash) ([]byte, error) {
	if !json.Valid(document) {
		return nil, fmt.Errorf("the %s predicate is not JSON", predicateType)
	}
	return json.Marshal(struct {
		Type          string          `json:"_type"`
		Subject       []any           `json:"subject"`
		PredicateType string          `json:"predicateType"`
		Predicate     json.RawMessage `json:"predicate"`
	}{
		Type:          "https://in-toto.io/Statement/v1",
		Subject:       []any{map[string]any{"name": name, "digest": map[string]string{digest.Algorithm: digest.Hex}}},
		PredicateType: predicateType,
		Predicate:     document,
	})
}

// statementType reads a Statement's predicateType.
func statementType(statement []byte) (string, error) {
	var s struct {
		PredicateType string `json:"predicateType"`
	}
	if err := json.Unmarshal(statement, &s); err != nil || s.PredicateType == "" {
		return "", fmt.Errorf("not an in-toto Statement with a predicateType")
	}
	return s.PredicateType, nil
}

// sigString is how cosign writes a signature in an annotation.
func sigString(sig []byte) string { return base64.StdEncoding.EncodeToString(sig) }
