package image

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// dockerManifest is the manifest.json entry that `docker load` reads.
type dockerManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// WriteTarball writes the OCI image layout in dir as one tar that is at the
// same time an OCI image layout archive and a `docker load` archive: its
// manifest.json names the image of the layout's index.json under repoTags,
// and so does its index.json (which podman reads), the first of them. Where
// the layout holds an index, the tar holds all of it, and manifest.json
// names the image for platform ("linux/arm64/v8"), which docker loads. Every
// blob is checked against its digest as it is copied.
func WriteTarball(w io.Writer, dir string, repoTags []string, platform string) error {
	index, manifest, err := layoutImage(dir, repoTags, platform)
	if err != nil {
		return err
	}
	dm := dockerManifest{Config: blobPath(manifest.Config.Digest), RepoTags: repoTags, Layers: []string{}}
	if dm.RepoTags == nil {
		dm.RepoTags = []string{}
	}
	for _, l := range manifest.Layers {
		dm.Layers = append(dm.Layers, blobPath(l.Digest))
	}
	manifestJSON, err := json.Marshal([]dockerManifest{dm})
	if err != nil {
		return err
	}
	names := []string{"index.json", "manifest.json", "oci-layout"}
	blobs, err := os.ReadDir(filepath.Join(dir, "blobs", "sha256"))
	if err != nil {
		return err
	}
	for _, b := range blobs {
		names = append(names, "blobs/sha256/"+b.Name())
	}
	sort.Strings(names)

	tw := tar.NewWriter(w)
	for _, name := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}); err != nil {
			return err
		}
	}
	for _, name := range names {
		switch name {
		case "manifest.json":
			err = writeTarFile(tw, name, bytes.NewReader(manifestJSON), int64(len(manifestJSON)))
		case "index.json":
			err = writeTarFile(tw, name, bytes.NewReader(index), int64(len(index)))
		default:
			err = copyLayoutFile(tw, dir, name)
		}
		if err != nil {
			return err
		}
	}
	return tw.Close()
}

// copyLayoutFile copies the file name of the layout in dir into tw; a blob
// is checked against the digest its name says on the way.
func copyLayoutFile(tw *tar.Writer, dir, name string) error {
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	h := sha256.New()
	if err := writeTarFile(tw, name, io.TeeReader(f, h), info.Size()); err != nil {
		return err
	}
	if want, ok := strings.CutPrefix(name, "blobs/sha256/"); ok && want != hex.EncodeToString(h.Sum(nil)) {
		return fmt.Errorf("layout %s: blob %s does not have the digest its name says; rebuild the image", dir, name)
	}
	return nil
}

func writeTarFile(tw *tar.Writer, name string, content io.Reader, size int64) error {
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: size, ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if n, err := io.Copy(tw, content); err != nil || n != size {
		return fmt.Errorf("%s: copied %d of %d bytes: %v (did it change while it was read?)", name, n, size, err)
	}
	return nil
}

// layoutImage returns index.json of the layout in dir, naming what it holds
// after repoTags, and the manifest of its image: the only one, or the one
// for platform of the index it holds.
func layoutImage(dir string, repoTags []string, platform string) ([]byte, *v1.Manifest, error) {
	indexPath := filepath.Join(dir, "index.json")
	index, err := os.ReadFile(indexPath)
	if err != nil {
		return nil, nil, err
	}
	var im v1.IndexManifest
	if err := json.Unmarshal(index, &im); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", indexPath, err)
	}
	if len(im.Manifests) != 1 {
		return nil, nil, fmt.Errorf("layout %s: index.json must name exactly one image or index, but it names %d manifests", dir, len(im.Manifests))
	}
	if names := nameAnnotations(repoTags); len(repoTags) > 0 && !maps.Equal(im.Manifests[0].Annotations, names) {
		im.Manifests[0].Annotations = names
		if index, err = json.Marshal(im); err != nil {
			return nil, nil, err
		}
	}
	image := im.Manifests[0]
	if image.MediaType.IsIndex() {
		if image, err = platformImage(dir, image.Digest, platform); err != nil {
			return nil, nil, err
		}
	}
	if !image.MediaType.IsImage() {
		return nil, nil, fmt.Errorf("layout %s names a %s, neither an image nor an index", dir, image.MediaType)
	}
	manifest, err := readJSON[v1.Manifest](filepath.Join(dir, filepath.FromSlash(blobPath(image.Digest))))
	return index, manifest, err
}

// platformImage returns the descriptor of the image for platform
// ("os/arch[/variant]") in the index with the given digest.
func platformImage(dir string, digest v1.Hash, platform string) (v1.Descriptor, error) {
	index, err := readJSON[v1.IndexManifest](filepath.Join(dir, filepath.FromSlash(blobPath(digest))))
	if err != nil {
		return v1.Descriptor{}, err
	}
	var have []string
	for _, m := range index.Manifests {
		if m.Platform != nil && m.Platform.String() == platform {
			return m, nil
		}
		if m.Platform != nil {
			have = append(have, m.Platform.String())
		}
	}
	return v1.Descriptor{}, fmt.Errorf("layout %s: the index has no image for platform %q; it has %s", dir, platform, strings.Join(have, ", "))
}

func blobPath(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

func readJSON[T any](path string) (*T, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &v, nil
}
