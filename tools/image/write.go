package image

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Annotations of the image in index.json: the OCI one that umoci, skopeo and
// podman read a tag from, and containerd's full image name.
const (
	annotationRefName        = "org.opencontainers.image.ref.name"
	annotationContainerdName = "io.containerd.image.name"
)

// file is one file of an image layout, by its path inside the layout.
type file struct {
	name string
	blob
}

// layoutFiles lists the files of the OCI image layout of img, sorted by
// name.
func (img *Image) layoutFiles(repoTags []string) ([]file, error) {
	return layoutFiles(img.manifest, &img.platform, append([]blob{img.manifest, img.config}, img.layers...), repoTags)
}

// layoutFiles lists, sorted by name, the files of an OCI image layout whose
// index.json names top (an image manifest with its platform, or an index)
// and which holds blobs, each once. The first repo tag names top in
// index.json; with none, it is tagged "latest".
func layoutFiles(top blob, platform *v1.Platform, blobs []blob, repoTags []string) ([]file, error) {
	ref := v1.Descriptor{
		MediaType:   top.desc.MediaType,
		Size:        top.desc.Size,
		Digest:      top.desc.Digest,
		Platform:    platform,
		Annotations: nameAnnotations(repoTags),
	}
	index, err := json.Marshal(v1.IndexManifest{
		SchemaVersion: 2,
		MediaType:     types.OCIImageIndex,
		Manifests:     []v1.Descriptor{ref},
	})
	if err != nil {
		return nil, err
	}
	files := []file{
		{name: "oci-layout", blob: blob{data: []byte(`{"imageLayoutVersion":"1.0.0"}`)}},
		{name: "index.json", blob: blob{data: index}},
	}
	seen := map[v1.Hash]bool{}
	for _, b := range blobs {
		if seen[b.desc.Digest] {
			continue
		}
		seen[b.desc.Digest] = true
		files = append(files, file{name: "blobs/sha256/" + b.desc.Digest.Hex, blob: b})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	return files, nil
}

// nameAnnotations names an image in index.json after the first of
// repoTags; with none, the image is tagged "latest".
func nameAnnotations(repoTags []string) map[string]string {
	if len(repoTags) == 0 {
		return map[string]string{annotationRefName: "latest"}
	}
	return map[string]string{annotationRefName: tagOf(repoTags[0]), annotationContainerdName: repoTags[0]}
}

// tagOf returns the tag of a reference such as "registry:5000/app:v1".
func tagOf(ref string) string {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[i+1:]
	}
	return "latest"
}

// WriteLayout writes img as an OCI image layout in dir, which must not exist
// or be empty. Layer blobs are hard links of the layer files, so that a layer
// is stored once and this reads none of its bytes; where the file system
// refuses a link (another device, say), they are copied.
func (img *Image) WriteLayout(dir string, repoTags []string) error {
	files, err := img.layoutFiles(repoTags)
	if err != nil {
		return err
	}
	return writeLayout(dir, files)
}

// writeLayout writes files into dir: data as it is, blobs on disk as hard
// links (or copies).
func writeLayout(dir string, files []file) error {
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return err
	}
	for _, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(f.name))
		var err error
		if f.file != "" {
			err = linkOrCopy(f.file, path, f.desc.Size)
		} else {
			err = os.WriteFile(path, f.data, 0o644)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// linkOrCopy makes dst a hard link of the file src (following symlinks, as a
// sandbox presents inputs), or a copy where a link cannot be made. The file
// must have the size its descriptor says.
func linkOrCopy(src, dst string, size int64) error {
	real, err := filepath.EvalSymlinks(src)
	if err != nil {
		return fmt.Errorf("layer blob: %w", err)
	}
	info, err := os.Stat(real)
	if err != nil {
		return fmt.Errorf("layer blob: %w", err)
	}
	if info.Size() != size {
		return fmt.Errorf("blob %s has %d bytes but its descriptor says %d: rebuild the layer or image it comes from", src, info.Size(), size)
	}
	if os.Link(real, dst) == nil {
		return nil
	}
	in, err := os.Open(real)
	if err != nil {
		return fmt.Errorf("layer blob: %w", err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("copying layer blob %s: %w", src, err)
	}
	return out.Close()
}
