package push

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-scratch/rules_scratch/tools/sign"
)

// WithSigningKeys signs what is pushed with each key, as cosign does,
// after the manifests and attachments and before the tags: the image (an
// index and each of its platform images) in the tag sha256-<hex>.sig, one
// simple signing payload per tag (claimed as REPOSITORY:TAG; REPOSITORY
// without tags), and each attachment as an in-toto attestation in a DSSE
// envelope in the tag sha256-<hex>.att of its subject.
func WithSigningKeys(keys ...*sign.Key) Option {
	return func(o *options) { o.keys = append(o.keys, keys...) }
}

// predicateTypes are the predicate types of the attachments' artifact
// types: the in-toto attestation cosign's verify-attestation --type finds.
var predicateTypes = map[string]string{
	"application/spdx+json":          sign.SPDXPredicateType,
	"application/vnd.cyclonedx+json": sign.CycloneDXPredicateType,
}

// signatureImage is a cosign signature or attestation image to push under
// a tag of the repository.
type signatureImage struct {
	tag    string
	layers []sign.Blob
}

// signatureImages signs each subject (the layout's top manifest, and for
// an index each platform's) and attestations of its attachments.
func signatureImages(o options, repo name.Repository, tags []name.Tag, top v1.Descriptor, target any, artifacts []artifact) ([]signatureImage, error) {
	if len(o.keys) == 0 {
		return nil, nil
	}
	identities := []string{repo.Name()}
	if len(tags) > 0 {
		identities = identities[:0]
		for _, t := range tags {
			identities = append(identities, t.Name())
		}
	}
	subjects := []v1.Descriptor{top}
	if index, ok := target.(v1.ImageIndex); ok {
		m, err := index.IndexManifest()
		if err != nil {
			return nil, err
		}
		subjects = append(subjects, m.Manifests...)
	}
	var images []signatureImage
	for _, subject := range subjects {
		var sigs, atts []sign.Blob
		for _, key := range o.keys {
			for _, identity := range identities {
				layer, err := sign.SignatureLayer(key, sign.SimpleSigning(identity, subject.Digest))
				if err != nil {
					return nil, err
				}
				sigs = append(sigs, layer)
			}
			for _, a := range artifacts {
				if a.subject != subject.Digest {
					continue
				}
				statement := a.document
				if predicateType, ok := predicateTypes[a.attachment.ArtifactType]; ok {
					var err error
					if statement, err = sign.Statement(predicateType, a.document, repo.Name(), subject.Digest); err != nil {
						return nil, fmt.Errorf("attestation of %s: %w", a.attachment.Path, err)
					}
				}
				layer, err := sign.AttestationLayer(key, statement)
				if err != nil {
					return nil, fmt.Errorf("attestation of %s: %w", a.attachment.Path, err)
				}
				atts = append(atts, layer)
			}
		}
		images = append(images, signatureImage{sign.Tag(subject.Digest, "sig"), sigs})
		if len(atts) > 0 {
			images = append(images, signatureImage{sign.Tag(subject.Digest, "att"), atts})
		}
	}
	return images, nil
}

// pushSignatureImage adds the image's layers to what the tag holds (the
// signatures of other keys stay) and pushes it, unless it has them all.
func pushSignatureImage(repo name.Repository, img signatureImage, progress *progress, remoteOpts []remote.Option) error {
	tag := repo.Tag(img.tag)
	var existing *v1.Manifest
	desc, err := remote.Get(tag, remoteOpts...)
	var terr *transport.Error
	switch {
	case errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound:
	case err != nil:
		return err
	default:
		if existing, err = v1.ParseManifest(strings.NewReader(string(desc.Manifest))); err != nil {
			return fmt.Errorf("the tag %s holds no image manifest: %w", tag, err)
		}
	}
	manifest, config, err := sign.Image(existing, img.layers)
	if err != nil {
		return err
	}
	if manifest == nil {
		progress.printf("%s: has every signature already", img.tag)
		return nil
	}
	blobs := []v1.Layer{static.NewLayer(config, types.OCIConfigJSON)}
	seen := map[v1.Hash]bool{}
	for _, l := range img.layers {
		// One payload signed by several keys is one blob.
		if !seen[l.Descriptor.Digest] {
			seen[l.Descriptor.Digest] = true
			blobs = append(blobs, static.NewLayer(l.Data, l.Descriptor.MediaType))
		}
	}
	for _, b := range blobs {
		if err := remote.WriteLayer(repo, b, remoteOpts...); err != nil {
			return err
		}
	}
	if err := remote.Put(tag, rawManifest(manifest), remoteOpts...); err != nil {
		return err
	}
	progress.printf("%s: %d signatures", img.tag, len(img.layers))
	return nil
}

// rawManifest is an OCI image manifest's bytes, ready to put.
type rawManifest []byte

func (m rawManifest) RawManifest() ([]byte, error)        { return m, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// keyPassword reads a cosign key's password from COSIGN_PASSWORD, as
// cosign does.
func keyPassword() ([]byte, error) {
	pw, ok := os.LookupEnv("COSIGN_PASSWORD")
	if !ok {
		return nil, fmt.Errorf("the key is encrypted: set COSIGN_PASSWORD to its password")
	}
	return []byte(pw), nil
}

// LoadSigningKeys reads each key file, cosign's encrypted ones with the
// password of COSIGN_PASSWORD; warn gets a line for each key others can
// read.
func LoadSigningKeys(paths []string, warn func(string)) ([]*sign.Key, error) {
	var keys []*sign.Key
	for _, path := range paths {
		if w := sign.PermissionWarning(path); w != "" {
			warn(w)
		}
		key, err := sign.LoadKey(path, keyPassword)
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	return keys, nil
}
