package sign

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The media types and annotations of cosign's signature and attestation
// images.
const (
	SimpleSigningMediaType  types.MediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
	DSSEMediaType           types.MediaType = "application/vnd.dsse.envelope.v1+json"
	SignatureAnnotation                     = "dev.cosignproject.cosign/signature"
	PredicateTypeAnnotation                 = "predicateType"
)

// Blob is a layer of a signature or attestation image: its bytes and
// descriptor.
type Blob struct {
	Data       []byte
	Descriptor v1.Descriptor
}

func newBlob(data []byte, mediaType types.MediaType, annotations map[string]string) Blob {
	h, n, _ := v1.SHA256(strings.NewReader(string(data)))
	return Blob{Data: data, Descriptor: v1.Descriptor{MediaType: mediaType, Digest: h, Size: n, Annotations: annotations}}
}

// SignatureLayer signs a simple signing payload with the key: the payload
// is the layer, the signature its annotation.
func SignatureLayer(k *Key, payload []byte) (Blob, error) {
	sig, err := k.Sign(payload)
	if err != nil {
		return Blob{}, err
	}
	return newBlob(payload, SimpleSigningMediaType, map[string]string{SignatureAnnotation: sigString(sig)}), nil
}

// AttestationLayer signs an in-toto Statement with the key into a DSSE
// envelope, the layer; its predicateType is annotated, as cosign does.
func AttestationLayer(k *Key, statement []byte) (Blob, error) {
	predicateType, err := statementType(statement)
	if err != nil {
		return Blob{}, err
	}
	sig, err := k.Sign(PAE(InTotoPayloadType, statement))
	if err != nil {
		return Blob{}, err
	}
	envelope, err := json.Marshal(Envelope{PayloadType: InTotoPayloadType, Payload: statement, Signatures: []Signature{{Sig: sig}}})
	if err != nil {
		return Blob{}, err
	}
	return newBlob(envelope, DSSEMediaType, map[string]string{PredicateTypeAnnotation: predicateType, SignatureAnnotation: ""}), nil
}

// Tag is the tag cosign keeps a digest's signatures (suffix "sig") or
// attestations ("att") under: sha256-<hex>.<suffix>.
func Tag(digest v1.Hash, suffix string) string {
	return fmt.Sprintf("%s-%s.%s", digest.Algorithm, digest.Hex, suffix)
}

// Image returns the manifest and config of the signature or attestation
// image holding the layers of existing (the image under the tag now, or
// nil) and then each of layers it lacks, so that signatures others made
// stay; or nil when existing lacks none, and nothing is to be pushed.
func Image(existing *v1.Manifest, layers []Blob) (manifest, config []byte, err error) {
	var all []v1.Descriptor
	if existing != nil {
		all = append(all, existing.Layers...)
	}
	for _, l := range layers {
		// One payload signed by two keys is one blob with two annotations.
		if !slices.ContainsFunc(all, func(d v1.Descriptor) bool {
			return d.Digest == l.Descriptor.Digest && maps.Equal(d.Annotations, l.Descriptor.Annotations)
		}) {
			all = append(all, l.Descriptor)
		}
	}
	if existing != nil && len(all) == len(existing.Layers) {
		return nil, nil, nil
	}
	// The layers are not compressed: a layer's diff ID is its digest.
	diffIDs := make([]string, len(all))
	for i, d := range all {
		diffIDs[i] = d.Digest.String()
	}
	config, err = json.Marshal(map[string]any{
		"architecture": "",
		"os":           "",
		"config":       map[string]any{},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": diffIDs},
	})
	if err != nil {
		return nil, nil, err
	}
	h, n, _ := v1.SHA256(strings.NewReader(string(config)))
	manifest, err = json.Marshal(v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        v1.Descriptor{MediaType: types.OCIConfigJSON, Digest: h, Size: n},
		Layers:        all,
	})
	return manifest, config, err
}
