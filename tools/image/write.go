package image

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

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
// name. The first repo tag names the image in index.json; with none, the
// image is tagged "latest".
func (img *Image) layoutFiles(repoTags []string) ([]file, error) {
	ref := v1.Descriptor{
		MediaType:   img.manifest.desc.MediaType,
		Size:        img.manifest.desc.Size,
		Digest:      img.manifest.desc.Digest,
		Platform:    &img.platform,
		Annotations: map[string]string{annotationRefName: "latest"},
	}
	if len(repoTags) > 0 {
		ref.Annotations[annotationRefName] = tagOf(repoTags[0])
		ref.Annotations[annotationContainerdName] = repoTags[0]
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
	for _, b := range append([]blob{img.manifest, img.config}, img.layers...) {
		if seen[b.desc.Digest] {
			continue
		}
		seen[b.desc.Digest] = true
		files = append(files, file{name: "blobs/sha256/" + b.desc.Digest.Hex, blob: b})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	return files, nil
}

// tagOf returns the tag of a reference such as "registry:5000/app:v1".
func tagOf(ref string) string {
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		return ref[i+1:]
	}
	return "latest"
}

// WriteLayout writes img as an OCI image layout in dir, which must not exist
// or be empty.
func (img *Image) WriteLayout(dir string, repoTags []string) error {
	files, err := img.layoutFiles(repoTags)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
		return err
	}
	for _, f := range files {
		if err := writeFileTo(filepath.Join(dir, filepath.FromSlash(f.name)), f.blob); err != nil {
			return err
		}
	}
	return nil
}

func writeFileTo(path string, b blob) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := b.copyTo(out); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// copyTo writes the content of b to w, checking that a layer blob on disk
// still has the size its descriptor says.
func (b blob) copyTo(w io.Writer) error {
	if b.file == "" {
		_, err := w.Write(b.data)
		return err
	}
	f, err := os.Open(b.file)
	if err != nil {
		return fmt.Errorf("layer blob: %w", err)
	}
	defer f.Close()
	n, err := io.Copy(w, f)
	if err != nil {
		return fmt.Errorf("layer blob %s: %w", b.file, err)
	}
	if b.desc.Size != 0 && n != b.desc.Size {
		return fmt.Errorf("layer blob %s has %d bytes but its descriptor says %d: rebuild the layer", b.file, n, b.desc.Size)
	}
	return nil
}

func (b blob) size() int64 {
	if b.file == "" {
		return int64(len(b.data))
	}
	return b.desc.Size
}

// dockerManifest is the manifest.json entry that `docker load` reads.
type dockerManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// WriteTarball writes img as one tar file that is at the same time an OCI
// image layout archive and a `docker load` archive (its manifest.json names
// the same blobs).
func (img *Image) WriteTarball(w io.Writer, repoTags []string) error {
	files, err := img.layoutFiles(repoTags)
	if err != nil {
		return err
	}
	dm := dockerManifest{Config: "blobs/sha256/" + img.config.desc.Digest.Hex, RepoTags: repoTags, Layers: []string{}}
	if dm.RepoTags == nil {
		dm.RepoTags = []string{}
	}
	for _, l := range img.layers {
		dm.Layers = append(dm.Layers, "blobs/sha256/"+l.desc.Digest.Hex)
	}
	manifestJSON, err := json.Marshal([]dockerManifest{dm})
	if err != nil {
		return err
	}
	files = append(files, file{name: "manifest.json", blob: blob{data: manifestJSON}})
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })

	tw := tar.NewWriter(w)
	epoch := time.Unix(0, 0)
	for _, dir := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: dir, Mode: 0o755, ModTime: epoch, Format: tar.FormatPAX}); err != nil {
			return err
		}
	}
	for _, f := range files {
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: f.name, Mode: 0o644, Size: f.size(), ModTime: epoch, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if err := f.copyTo(tw); err != nil {
			return err
		}
	}
	return tw.Close()
}
