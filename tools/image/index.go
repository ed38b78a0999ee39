package image

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Index is an OCI image index of single-platform images, ready to be
// written.
type Index struct {
	manifest blob
	blobs    []blob // every blob of every image, each file once per digest
}

// Digest is the digest of the index manifest, which names the index.
func (ix *Index) Digest() v1.Hash { return ix.manifest.desc.Digest }

// BuildIndex assembles an index of the images of the OCI layouts given, in
// their order. Each layout must name one image with its platform, as
// Image.WriteLayout writes it; no two images may have the same platform. No
// blob is read: they are linked when the index is written.
func BuildIndex(layouts []string) (*Index, error) {
	if len(layouts) == 0 {
		return nil, fmt.Errorf("an index needs at least one image")
	}
	ix := &Index{}
	manifest := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
	platforms := map[string]string{}
	for _, dir := range layouts {
		index, err := readJSON[v1.IndexManifest](filepath.Join(dir, "index.json"))
		if err != nil {
			return nil, err
		}
		if len(index.Manifests) != 1 || !index.Manifests[0].MediaType.IsImage() || index.Manifests[0].Platform == nil {
			return nil, fmt.Errorf("layout %s: index.json must name one image with its platform", dir)
		}
		d := index.Manifests[0]
		platform := d.Platform.String()
		if other, ok := platforms[platform]; ok {
			return nil, fmt.Errorf("the images of %s and %s are both for %s; an index holds one image per platform", other, dir, platform)
		}
		platforms[platform] = dir
		manifest.Manifests = append(manifest.Manifests, v1.Descriptor{MediaType: d.MediaType, Size: d.Size, Digest: d.Digest, Platform: d.Platform})
		entries, err := os.ReadDir(filepath.Join(dir, "blobs", "sha256"))
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			path := filepath.Join(dir, "blobs", "sha256", e.Name())
			info, err := os.Stat(path)
			if err != nil {
				return nil, err
			}
			ix.blobs = append(ix.blobs, blob{desc: v1.Descriptor{Digest: v1.Hash{Algorithm: "sha256", Hex: e.Name()}, Size: info.Size()}, file: path})
		}
	}
	data, err := json.Marshal(manifest)
	if err != nil {
		return nil, err
	}
	ix.manifest = newBlob(types.OCIImageIndex, data)
	return ix, nil
}

// WriteLayout writes the index as an OCI image layout in dir: index.json
// names the index; the blobs of all its images are stored once each, as
// hard links of the images' own (or copies).
func (ix *Index) WriteLayout(dir string, repoTags []string) error {
	files, err := layoutFiles(ix.manifest, nil, append([]blob{ix.manifest}, ix.blobs...), repoTags)
	if err != nil {
		return err
	}
	return writeLayout(dir, files)
}
