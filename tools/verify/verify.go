package verify

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/rules-scratch/rules_scratch/tools/sign"
)

// Manifest is what was found for one manifest: the index, or an image.
type Manifest struct {
	Digest v1.Hash
	// Platform is the image's platform in its index, or "".
	Platform string
	// Signatures are the references claimed by signatures that verified.
	Signatures []string
	// Attestations are the predicate types of attestations that verified
	// and name this digest as a subject.
	Attestations []string
	// Problems say why a signature or attestation did not count.
	Problems []string
}

// Report is what Verify found.
type Report struct {
	Ref       name.Reference
	Digest    v1.Hash
	Manifests []Manifest
}

// Verified says whether every manifest has a signature that verified.
func (r *Report) Verified() bool {
	for _, m := range r.Manifests {
		if len(m.Signatures) == 0 {
			return false
		}
	}
	return len(r.Manifests) > 0
}

// Verify checks ref's signatures and attestations with keys.
func Verify(ref name.Reference, keys []crypto.PublicKey, opts ...remote.Option) (*Report, error) {
	desc, err := remote.Get(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", ref, err)
	}
	report := &Report{Ref: ref, Digest: desc.Digest}
	subjects := []Manifest{{Digest: desc.Digest}}
	if desc.MediaType.IsIndex() {
		index, err := desc.ImageIndex()
		if err != nil {
			return nil, err
		}
		m, err := index.IndexManifest()
		if err != nil {
			return nil, err
		}
		for _, child := range m.Manifests {
			platform := ""
			if child.Platform != nil {
				platform = child.Platform.String()
			}
			subjects = append(subjects, Manifest{Digest: child.Digest, Platform: platform})
		}
	}
	repo := ref.Context()
	for _, m := range subjects {
		if err := signatures(repo, ref, &m, keys, opts); err != nil {
			return nil, err
		}
		if err := attestations(repo, &m, keys, opts); err != nil {
			return nil, err
		}
		report.Manifests = append(report.Manifests, m)
	}
	return report, nil
}

// layers returns the layers of the image under the tag, nil if there is
// none.
func layers(repo name.Repository, tag string, opts []remote.Option) ([]v1.Descriptor, [][]byte, error) {
	img, err := remote.Image(repo.Tag(tag), opts...)
	var terr *transport.Error
	if errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", repo.Tag(tag), err)
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, nil, err
	}
	var data [][]byte
	for _, d := range m.Layers {
		l, err := img.LayerByDigest(d.Digest)
		if err != nil {
			return nil, nil, err
		}
		rc, err := l.Compressed()
		if err != nil {
			return nil, nil, err
		}
		// A signature or attestation is small; a registry that says
		// otherwise is not believed past 16 MiB.
		b, err := io.ReadAll(io.LimitReader(rc, 16<<20))
		rc.Close()
		if err != nil {
			return nil, nil, err
		}
		data = append(data, b)
	}
	return m.Layers, data, nil
}

// claims says whether a signature claiming claimed stands for ref: a tag
// exactly, a digest by its repository (podman's matchRepoDigestOrExact).
func claims(claimed string, ref name.Reference) bool {
	r, err := name.ParseReference(claimed)
	if err != nil {
		return false
	}
	if _, isTag := ref.(name.Tag); isTag {
		return r.Name() == ref.Name()
	}
	return r.Context().Name() == ref.Context().Name()
}

func signatures(repo name.Repository, ref name.Reference, m *Manifest, keys []crypto.PublicKey, opts []remote.Option) error {
	descs, data, err := layers(repo, sign.Tag(m.Digest, "sig"), opts)
	if err != nil {
		return err
	}
	if descs == nil {
		m.Problems = append(m.Problems, "no signature: the tag "+sign.Tag(m.Digest, "sig")+" does not exist")
	}
	for i, d := range descs {
		if d.MediaType != sign.SimpleSigningMediaType {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(d.Annotations[sign.SignatureAnnotation])
		if err != nil || !slices.ContainsFunc(keys, func(k crypto.PublicKey) bool { return sign.Verify(k, data[i], sig) }) {
			m.Problems = append(m.Problems, fmt.Sprintf("signature %s: not by the key", d.Digest))
			continue
		}
		claimed, digest, err := sign.ParseSimpleSigning(data[i])
		switch {
		case err != nil:
			m.Problems = append(m.Problems, fmt.Sprintf("signature %s: %v", d.Digest, err))
		case digest != m.Digest:
			m.Problems = append(m.Problems, fmt.Sprintf("signature %s: signs %s, not %s", d.Digest, digest, m.Digest))
		case m.Platform == "" && !claims(claimed, ref), m.Platform != "" && !claims(claimed, ref.Context().Digest(m.Digest.String())):
			m.Problems = append(m.Problems, fmt.Sprintf("signature %s: claims %s, not %s", d.Digest, claimed, ref))
		default:
			m.Signatures = append(m.Signatures, claimed)
		}
	}
	return nil
}

func attestations(repo name.Repository, m *Manifest, keys []crypto.PublicKey, opts []remote.Option) error {
	descs, data, err := layers(repo, sign.Tag(m.Digest, "att"), opts)
	if err != nil {
		return err
	}
	for i, d := range descs {
		var envelope sign.Envelope
		if d.MediaType != sign.DSSEMediaType || json.Unmarshal(data[i], &envelope) != nil || envelope.PayloadType != sign.InTotoPayloadType {
			m.Problems = append(m.Problems, fmt.Sprintf("attestation %s: not a DSSE envelope of an in-toto Statement", d.Digest))
			continue
		}
		pae := sign.PAE(envelope.PayloadType, envelope.Payload)
		if !slices.ContainsFunc(envelope.Signatures, func(s sign.Signature) bool {
			return slices.ContainsFunc(keys, func(k crypto.PublicKey) bool { return sign.Verify(k, pae, s.Sig) })
		}) {
			m.Problems = append(m.Problems, fmt.Sprintf("attestation %s: not by the key", d.Digest))
			continue
		}
		var statement struct {
			PredicateType string `json:"predicateType"`
			Subject       []struct {
				Digest map[string]string `json:"digest"`
			} `json:"subject"`
		}
		if err := json.Unmarshal(envelope.Payload, &statement); err != nil {
			m.Problems = append(m.Problems, fmt.Sprintf("attestation %s: %v", d.Digest, err))
			continue
		}
		if !slices.ContainsFunc(statement.Subject, func(s struct {
			Digest map[string]string `json:"digest"`
		}) bool {
			return s.Digest[m.Digest.Algorithm] == m.Digest.Hex
		}) {
			m.Problems = append(m.Problems, fmt.Sprintf("attestation %s (%s): not about %s", d.Digest, statement.PredicateType, m.Digest))
			continue
		}
		m.Attestations = append(m.Attestations, statement.PredicateType)
	}
	return nil
}

// String says what was found, a line per signature, attestation and
// problem.
func (r *Report) String() string {
	var b strings.Builder
	for _, m := range r.Manifests {
		what := "the image"
		switch {
		case m.Platform != "":
			what = "the " + m.Platform + " image"
		case len(r.Manifests) > 1:
			what = "the index"
		}
		for _, s := range m.Signatures {
			fmt.Fprintf(&b, "%s %s: signed, claiming %s\n", what, m.Digest, s)
		}
		for _, a := range m.Attestations {
			fmt.Fprintf(&b, "%s %s: attested %s\n", what, m.Digest, a)
		}
		for _, p := range m.Problems {
			fmt.Fprintf(&b, "%s %s: %s\n", what, m.Digest, p)
		}
	}
	return b.String()
}
