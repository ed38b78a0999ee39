package diff

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/rules-scratch/rules_scratch/tools/push"
)

// Target is an image or an index to compare; exactly one is set.
type Target struct {
	Image v1.Image
	Index v1.ImageIndex
}

// Open reads what ref names: an OCI layout directory (DIR, or DIR:TAG where
// index.json names several), a tarball (an OCI layout archive or a docker
// archive), or a registry reference, with the credentials and TLS of
// scratch push. The returned function releases what Open unpacked.
func Open(ref string) (*Target, func(), error) {
	done := func() {}
	dir, tag := ref, ""
	if i := strings.LastIndex(ref, ":"); i > 0 && !strings.Contains(ref[i:], "/") {
		if _, err := os.Stat(ref); err != nil {
			dir, tag = ref[:i], ref[i+1:]
		}
	}
	info, err := os.Stat(dir)
	switch {
	case err == nil && info.IsDir():
		real, done, err := withoutSymlinks(dir)
		if err != nil {
			return nil, done, err
		}
		t, err := openLayout(real, tag)
		return t, done, err
	case err == nil:
		return openTarball(dir)
	case strings.HasPrefix(ref, "/") || strings.HasPrefix(ref, ".") || isLocalPath(dir):
		// A path, not a registry reference.
		return nil, done, fmt.Errorf("%s does not exist; %s", dir, notDownloaded)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, done, fmt.Errorf("%s is neither a file, a directory nor an image reference: %v", ref, err)
	}
	transport, err := push.DefaultTransport()
	if err != nil {
		return nil, done, err
	}
	desc, err := remote.Get(r, remote.WithAuthFromKeychain(authn.DefaultKeychain), remote.WithTransport(transport))
	if err != nil {
		return nil, done, fmt.Errorf("reading %s: %w", ref, err)
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		return &Target{Index: idx}, done, err
	}
	img, err := desc.Image()
	return &Target{Image: img}, done, err
}

// notDownloaded says how to get the bytes of an output Bazel built remotely.
const notDownloaded = "if Bazel built it remotely without downloading it (--remote_download_minimal, or not a top-level target), " +
	"build it again with --remote_download_outputs=toplevel (or --remote_download_regex='.*/NAME/.*' for one image)"

// isLocalPath says whether path's first element names a file here, such as
// bazel-bin in bazel-bin/app/image: a path, not a registry's repository.
func isLocalPath(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	_, err := os.Lstat(first)
	return err == nil
}

func openLayout(dir, tag string) (*Target, error) {
	if _, err := os.Stat(filepath.Join(dir, "index.json")); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s has no index.json, so it is no OCI layout; %s", dir, notDownloaded)
	}
	root, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the OCI layout %s: %w", dir, err)
	}
	m, err := root.IndexManifest()
	if err != nil {
		return nil, err
	}
	var chosen []v1.Descriptor
	for _, d := range m.Manifests {
		if tag == "" || d.Annotations["org.opencontainers.image.ref.name"] == tag {
			chosen = append(chosen, d)
		}
	}
	if len(chosen) != 1 {
		return nil, fmt.Errorf("the OCI layout %s names %d manifests for %q; name one as %s:TAG", dir, len(chosen), tag, dir)
	}
	if err := checkBlobs(dir, chosen[0]); err != nil {
		return nil, err
	}
	if chosen[0].MediaType.IsIndex() {
		idx, err := root.ImageIndex(chosen[0].Digest)
		return &Target{Index: idx}, err
	}
	img, err := root.Image(chosen[0].Digest)
	return &Target{Image: img}, err
}

// checkBlobs fails, naming the first, when a blob that desc reaches
// (manifests, configs, layers) is not in the layout dir, before anything
// reads one: a layout whose blobs Bazel did not download.
func checkBlobs(dir string, desc v1.Descriptor) error {
	path := filepath.Join(dir, "blobs", desc.Digest.Algorithm, desc.Digest.Hex)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("the OCI layout %s lacks the blob %s (%s); %s", dir, desc.Digest, desc.MediaType, notDownloaded)
	}
	if !desc.MediaType.IsIndex() && !desc.MediaType.IsImage() {
		return nil // a config or a layer: nothing below it
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var children []v1.Descriptor
	if desc.MediaType.IsIndex() {
		index, err := v1.ParseIndexManifest(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("the OCI layout %s: index %s: %w", dir, desc.Digest, err)
		}
		children = index.Manifests
	} else {
		manifest, err := v1.ParseManifest(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("the OCI layout %s: manifest %s: %w", dir, desc.Digest, err)
		}
		children = append([]v1.Descriptor{manifest.Config}, manifest.Layers...)
	}
	for _, child := range children {
		if err := checkBlobs(dir, child); err != nil {
			return err
		}
	}
	return nil
}

// withoutSymlinks returns dir, or, where its files are symlinks (as Bazel's
// runfiles present a directory), a temporary copy with the files themselves
// (hard links where possible): go-containerregistry refuses symlinked blobs.
func withoutSymlinks(dir string) (string, func(), error) {
	dir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", func() {}, err
	}
	symlinked := false
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type()&os.ModeSymlink != 0 {
			symlinked = true
			return filepath.SkipAll
		}
		return err
	})
	if !symlinked {
		return dir, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", "scratch-layout-*")
	if err != nil {
		return "", func() {}, err
	}
	done := func() { os.RemoveAll(tmp) }
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out := filepath.Join(tmp, rel)
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return err
		}
		info, err := os.Stat(real)
		if err != nil {
			return err
		}
		if info.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		if os.Link(real, out) == nil {
			return nil
		}
		data, err := os.ReadFile(real)
		if err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		done()
		return "", func() {}, err
	}
	return tmp, done, nil
}

// openTarball reads an OCI layout archive by unpacking it, or a docker
// archive in place.
func openTarball(path string) (*Target, func(), error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, func() {}, err
	}
	defer f.Close()
	isLayout := false
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, func() {}, fmt.Errorf("%s is not a tar: %w", path, err)
		}
		if h.Name == "index.json" || h.Name == "./index.json" {
			isLayout = true
			break
		}
	}
	if !isLayout {
		img, err := tarball.ImageFromPath(path, nil)
		return &Target{Image: img}, func() {}, err
	}
	dir, err := os.MkdirTemp("", "scratch-diff-*")
	if err != nil {
		return nil, func() {}, err
	}
	done := func() { os.RemoveAll(dir) }
	if err := untar(path, dir); err != nil {
		done()
		return nil, func() {}, err
	}
	t, err := openLayout(dir, "")
	if err != nil {
		done()
		return nil, func() {}, err
	}
	return t, done, nil
}

// untar unpacks the regular files of an OCI layout archive into dir,
// refusing names that would leave it.
func untar(path, dir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		clean := filepath.Clean(strings.TrimPrefix(h.Name, "./"))
		if h.Typeflag != tar.TypeReg || clean == ".." || strings.HasPrefix(clean, "../") || filepath.IsAbs(clean) {
			continue
		}
		out := filepath.Join(dir, clean)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		w, err := os.Create(out)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, tr); err != nil {
			w.Close()
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
}

// platformOf names an image's platform from its config.
func platformOf(img v1.Image) string {
	cf, err := img.ConfigFile()
	if err != nil {
		return "unknown platform"
	}
	return (&v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}).String()
}
