package push

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Attachment is a document about the image (its SBOM, its provenance),
// pushed as an OCI 1.1 artifact whose subject is the image.
type Attachment struct {
	// Platform chooses, in an index, the image the document is about
	// ("linux/arm64/v8"); empty means what the layout names (the image, or
	// the index itself).
	Platform string
	// ArtifactType is the document's media type, such as
	// "application/spdx+json"; the artifact's and its one layer's.
	ArtifactType string
	// Path is the document's file; its base name becomes the layer's
	// org.opencontainers.image.title, the name `oras pull` saves it under.
	Path string
}

// ParseAttachment reads "TYPE=PATH" or "TYPE@PLATFORM=PATH".
func ParseAttachment(s string) (Attachment, error) {
	left, path, ok := strings.Cut(s, "=")
	artifactType, platform, _ := strings.Cut(left, "@")
	if !ok || path == "" || !strings.Contains(artifactType, "/") {
		return Attachment{}, fmt.Errorf("attachment %q: write it as TYPE=PATH or TYPE@PLATFORM=PATH, such as application/spdx+json@linux/arm64=image.spdx.json", s)
	}
	return Attachment{Platform: platform, ArtifactType: artifactType, Path: path}, nil
}

// WithAttachments pushes documents as OCI 1.1 artifacts referring to the
// image, after its manifest and before its tags. A registry with the
// referrers API lists them there; for one without (distribution 2 and 3),
// the referrers tag schema's index `sha256-<hex>` of the subject lists them.
func WithAttachments(a ...Attachment) Option {
	return func(o *options) { o.attachments = append(o.attachments, a...) }
}

// emptyConfig is the OCI 1.1 empty descriptor's content: an artifact has
// no configuration.
var emptyConfig = []byte("{}")

// artifact is an attachment ready to push: its manifest and its blobs.
type artifact struct {
	attachment Attachment
	document   []byte
	subject    v1.Hash
	manifest   []byte
	digest     v1.Hash
	blobs      []v1.Layer
}

func (a artifact) RawManifest() ([]byte, error)        { return a.manifest, nil }
func (a artifact) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// newArtifact reads the attachment's document and writes the artifact's
// manifest, which depends on nothing but the document, its type and name,
// and the subject: pushing again writes the same bytes.
func newArtifact(a Attachment, subject v1.Descriptor) (artifact, error) {
	data, err := os.ReadFile(a.Path)
	if err != nil {
		return artifact{}, fmt.Errorf("attachment: %w", err)
	}
	document := static.NewLayer(data, types.MediaType(a.ArtifactType))
	config := static.NewLayer(emptyConfig, types.OCIEmptyJSON)
	documentDigest, _ := document.Digest()
	configDigest, _ := config.Digest()
	manifest := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  a.ArtifactType,
		Config:        v1.Descriptor{MediaType: types.OCIEmptyJSON, Digest: configDigest, Size: int64(len(emptyConfig)), Data: emptyConfig},
		Layers: []v1.Descriptor{{
			MediaType:   types.MediaType(a.ArtifactType),
			Digest:      documentDigest,
			Size:        int64(len(data)),
			Annotations: map[string]string{"org.opencontainers.image.title": filepath.Base(a.Path)},
		}},
		Subject: &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
	}
	raw, err := json.Marshal(manifest)
	if err != nil {
		return artifact{}, err
	}
	digest, _, err := v1.SHA256(strings.NewReader(string(raw)))
	if err != nil {
		return artifact{}, err
	}
	return artifact{attachment: a, document: data, subject: subject.Digest, manifest: raw, digest: digest, blobs: []v1.Layer{config, document}}, nil
}

// subjectOf returns the descriptor of the manifest an attachment is about:
// the layout's top one, or the image of its platform in an index.
func subjectOf(top v1.Descriptor, target any, platform string) (v1.Descriptor, error) {
	if platform == "" {
		return top, nil
	}
	index, ok := target.(v1.ImageIndex)
	if !ok {
		return v1.Descriptor{}, fmt.Errorf("attachment for platform %s: the layout holds an image, not an index; give no platform", platform)
	}
	manifest, err := index.IndexManifest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	var have []string
	for _, m := range manifest.Manifests {
		if m.Platform != nil && m.Platform.String() == platform {
			return m, nil
		}
		if m.Platform != nil {
			have = append(have, m.Platform.String())
		}
	}
	return v1.Descriptor{}, fmt.Errorf("attachment for platform %s: the index has no image of that platform; it has %s", platform, strings.Join(have, ", "))
}
