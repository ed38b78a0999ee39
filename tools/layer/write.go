package layer

import (
	"archive/tar"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"runtime"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// copyBufferSize is how much of a file is read at once.
const copyBufferSize = 1 << 20

// Descriptor tells the image verb everything it needs about a written layer
// without reading the blob again.
type Descriptor struct {
	MediaType types.MediaType `json:"mediaType"`
	// Digest and Size describe the compressed blob.
	Digest v1.Hash `json:"digest"`
	Size   int64   `json:"size"`
	// DiffID is the digest of the uncompressed tar stream.
	DiffID v1.Hash `json:"diffID"`
	// Executables are the layer's files with an execute bit (hardlinks
	// included), by absolute path, and Symlinks its symlinks' targets: what
	// an image needs to check that its entrypoint can start.
	Executables map[string]Executable `json:"executables,omitempty"`
	Symlinks    map[string]string     `json:"symlinks,omitempty"`
	// Files lists every entry in layer order, and Tars the digest of each
	// tar merged into the layer, in the order of its entries: what an SBOM
	// says of the layer, so that it never reads the blob.
	Files []File      `json:"files,omitempty"`
	Tars  []TarSource `json:"tars,omitempty"`
}

// File is one entry of a written layer.
type File struct {
	// Path is absolute, such as "/app/hello".
	Path string `json:"path"`
	// Kind is KindFile, KindDir, KindSymlink, KindHardlink or "device".
	Kind Kind  `json:"kind"`
	Mode int64 `json:"mode"`
	// Size, SHA256 and SHA1 (hex) are those of a regular file's content
	// (SPDX 2.3 wants a SHA1 of every file).
	Size   int64  `json:"size,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	SHA1   string `json:"sha1,omitempty"`
	// Target is a link's target.
	Target string `json:"target,omitempty"`
}

// TarSource is a tar file merged into a layer.
type TarSource struct {
	// Path is where its entries went.
	Path   string  `json:"path"`
	Digest v1.Hash `json:"digest"`
	Size   int64   `json:"size"`
}

type options struct {
	modTime     time.Time
	concurrency int
	compression Compression
	staticArch  string // check executables with Executable.CheckRuns, if set
}

// Option configures Write.
type Option func(*options)

// WithModTime sets the modification time of every entry (default: the Unix
// epoch). Only whole seconds are kept.
func WithModTime(t time.Time) Option {
	return func(o *options) { o.modTime = t.Truncate(time.Second) }
}

// WithConcurrency sets how many blocks are compressed at once (default:
// GOMAXPROCS). It changes the speed, never the bytes.
func WithConcurrency(n int) Option {
	return func(o *options) { o.concurrency = n }
}

// WithCompression sets how the layer is compressed (default: Gzip).
func WithCompression(c Compression) Option {
	return func(o *options) { o.compression = c }
}

// Write writes the layer made of entries, compressed, to w and returns
// its descriptor. Sources are read once each, in the order of their
// destinations.
func Write(w io.Writer, entries []Entry, opts ...Option) (Descriptor, error) {
	o := options{modTime: time.Unix(0, 0), concurrency: runtime.GOMAXPROCS(0), compression: Gzip}
	for _, opt := range opts {
		opt(&o)
	}
	mediaType, err := o.compression.MediaType()
	if err != nil {
		return Descriptor{}, err
	}
	entries, tars, release, err := expand(entries)
	if err != nil {
		return Descriptor{}, err
	}
	defer release()
	items, err := normalize(entries)
	if err != nil {
		return Descriptor{}, err
	}

	compressed := newDigester(w)
	cw, err := NewCompressor(compressed, o.compression, o.concurrency)
	if err != nil {
		return Descriptor{}, err
	}
	uncompressed := newDigester(cw)
	tw := tar.NewWriter(uncompressed)
	buf := make([]byte, copyBufferSize)
	desc := Descriptor{MediaType: mediaType, Tars: tars}
	for _, it := range items {
		if err := writeItem(tw, it, &o, buf, &desc); err != nil {
			cw.Close()
			return Descriptor{}, err
		}
	}
	if err := tw.Close(); err != nil {
		return Descriptor{}, err
	}
	if err := cw.Close(); err != nil {
		return Descriptor{}, err
	}
	desc.Digest, desc.Size, desc.DiffID = compressed.digest(), compressed.n, uncompressed.digest()
	return desc, nil
}

// writeItem writes one entry, and notes in desc the executables and
// symlinks an image's entrypoint check needs.
func writeItem(tw *tar.Writer, it item, o *options, buf []byte, desc *Descriptor) error {
	modTime := o.modTime
	if it.modTime != nil {
		modTime = *it.modTime
	}
	hdr := &tar.Header{
		Name:    it.name,
		ModTime: modTime,
		Uid:     it.UID,
		Gid:     it.GID,
		Uname:   it.Uname,
		Gname:   it.Gname,
		// PAX is used only where USTAR cannot hold a field (long names, large
		// files, large ids); never GNU extensions, never atime or ctime.
		Format: tar.FormatPAX,
	}
	mode := func(def int64) int64 {
		if it.Mode != nil {
			return *it.Mode
		}
		return def
	}
	switch it.Kind {
	case KindDir:
		hdr.Typeflag = tar.TypeDir
		hdr.Name += "/"
		hdr.Mode = mode(DefaultDirMode)
	case KindSymlink:
		hdr.Typeflag = tar.TypeSymlink
		hdr.Linkname = it.Target
		hdr.Mode = symlinkMode
		desc.addSymlink("/"+it.name, it.Target)
	case KindHardlink:
		hdr.Typeflag = tar.TypeLink
		hdr.Linkname = it.Target
		hdr.Mode = mode(DefaultFileMode)
		// The target comes first in the layer, so it is already noted; a
		// link shares its target's inode, mode included.
		if exe, ok := desc.Executables["/"+it.Target]; ok {
			desc.addExecutable("/"+it.name, exe)
		}
	case KindFile:
		return writeFile(tw, hdr, it, mode(DefaultFileMode), o.staticArch, buf, desc)
	case kindDevice:
		hdr.Typeflag = it.device.Typeflag
		hdr.Devmajor, hdr.Devminor = it.device.Devmajor, it.device.Devminor
		hdr.Mode = mode(DefaultFileMode)
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("%s: %w", it.describe(), err)
	}
	desc.Files = append(desc.Files, File{Path: "/" + it.name, Kind: it.Kind, Mode: hdr.Mode, Target: hdr.Linkname})
	return nil
}

// openContent returns the bytes of a file entry: a section of a spooled tar,
// or the source file, which must be a regular file. finish closes it and
// refuses a source whose size changed while it was read: a file that grew
// would otherwise lose its end without a word.
func openContent(it item) (content *io.SectionReader, finish func() error, err error) {
	if it.content != nil {
		return it.content, func() error { return nil }, nil
	}
	f, err := os.Open(it.Source)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = fmt.Errorf("source is not a regular file (%s); add directories as tree or directory entries", info.Mode().Type())
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	finish = func() error {
		defer f.Close()
		after, err := f.Stat()
		if err == nil && after.Size() != info.Size() {
			err = fmt.Errorf("its size went from %d to %d bytes: the file changed while it was read", info.Size(), after.Size())
		}
		return err
	}
	return io.NewSectionReader(f, 0, info.Size()), finish, nil
}

func writeFile(tw *tar.Writer, hdr *tar.Header, it item, mode int64, staticArch string, buf []byte, desc *Descriptor) (err error) {
	content, finish, err := openContent(it)
	if err != nil {
		return fmt.Errorf("%s: %w", it.describe(), err)
	}
	defer func() {
		if ferr := finish(); err == nil && ferr != nil {
			err = fmt.Errorf("%s: %w", it.describe(), ferr)
		}
	}()
	if mode&0o111 != 0 {
		// A broken ELF file is kept as data unless it must be checked.
		exe, err := InspectELF(content, mode)
		if err == nil && staticArch != "" {
			err = exe.CheckRuns(staticArch)
		}
		if err != nil && staticArch != "" {
			return fmt.Errorf("%s %w", it.describe(), err)
		}
		desc.addExecutable("/"+it.name, exe)
	}
	hdr.Typeflag = tar.TypeReg
	hdr.Mode = mode
	hdr.Size = content.Size()
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("%s: %w", it.describe(), err)
	}
	// readerOnly hides WriterTo so that our buffer size is used.
	sum, sum1 := sha256.New(), sha1.New()
	n, err := io.CopyBuffer(io.MultiWriter(tw, sum, sum1), readerOnly{content}, buf)
	if err != nil {
		return fmt.Errorf("%s: %w (did the file change while it was read?)", it.describe(), err)
	}
	if n != hdr.Size {
		return fmt.Errorf("%s: read %d bytes, expected %d: the file changed while it was read", it.describe(), n, hdr.Size)
	}
	desc.Files = append(desc.Files, File{Path: "/" + it.name, Kind: KindFile, Mode: mode, Size: n, SHA256: hex.EncodeToString(sum.Sum(nil)), SHA1: hex.EncodeToString(sum1.Sum(nil))})
	return nil
}

func (d *Descriptor) addExecutable(path string, exe Executable) {
	if d.Executables == nil {
		d.Executables = map[string]Executable{}
	}
	d.Executables[path] = exe
}

func (d *Descriptor) addSymlink(path, target string) {
	if d.Symlinks == nil {
		d.Symlinks = map[string]string{}
	}
	d.Symlinks[path] = target
}

type readerOnly struct{ io.Reader }

// digester passes writes through while hashing and counting them.
type digester struct {
	w io.Writer
	h hash.Hash
	n int64
}

func newDigester(w io.Writer) *digester { return &digester{w: w, h: sha256.New()} }

func (d *digester) Write(p []byte) (int, error) {
	n, err := d.w.Write(p)
	d.h.Write(p[:n])
	d.n += int64(n)
	return n, err
}

func (d *digester) digest() v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(d.h.Sum(nil))}
}
