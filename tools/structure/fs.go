package structure

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

// entry is what the merged file system knows of one path, from the tar
// header of the layer that wrote it last.
type entry struct {
	typ      byte  // tar.TypeReg, TypeDir, TypeSymlink, TypeChar, ...
	mode     int64 // permission, setuid, setgid and sticky bits
	uid, gid int
	target   string // a symlink's target
	size     int64
	layer    int
}

// fileMode is the entry's mode as Go (and container-structure-test) spell
// it: "-rwxr-xr-x", "drwxr-xr-x", "urwxr-xr-x" for setuid.
func (e *entry) fileMode() fs.FileMode {
	m := fs.FileMode(e.mode & 0o777)
	if e.mode&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if e.mode&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if e.mode&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	switch e.typ {
	case tar.TypeDir:
		m |= fs.ModeDir
	case tar.TypeSymlink:
		m |= fs.ModeSymlink
	case tar.TypeChar:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case tar.TypeBlock:
		m |= fs.ModeDevice
	case tar.TypeFifo:
		m |= fs.ModeNamedPipe
	}
	return m
}

// mergedFS is an image's file system: its layers applied in order, the
// regular files unpacked below dir.
type mergedFS struct {
	dir     string
	root    *os.Root
	entries map[string]*entry // by absolute, clean path
	// layerBytes counts the uncompressed bytes read, layer by layer.
	layerBytes []int64
}

func newMergedFS(dir string) (*mergedFS, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &mergedFS{
		dir:     dir,
		root:    root,
		entries: map[string]*entry{"/": {typ: tar.TypeDir, mode: 0o755, layer: -1}},
	}, nil
}

func (m *mergedFS) close() { m.root.Close() }

// rel is p's name below the unpacked directory.
func rel(p string) string {
	if p == "/" {
		return "."
	}
	return p[1:]
}

// maxSymlinks is the kernel's limit on symlinks followed in one lookup.
const maxSymlinks = 40

// resolve returns the path p names in the image, following symlinks as the
// kernel does in a container's root: absolute targets start at the image's
// root, ".." stops there. followLast says whether a final symlink is
// followed (stat) or not (lstat). The entry is nil where nothing exists.
func (m *mergedFS) resolve(p string, followLast bool) (string, *entry, error) {
	pending := strings.Split(strings.Trim(p, "/"), "/")
	current := "/"
	hops := 0
	for len(pending) > 0 {
		name := pending[0]
		pending = pending[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			current = path.Dir(current)
			continue
		}
		next := path.Join(current, name)
		e := m.entries[next]
		if e == nil {
			if len(pending) == 0 {
				return next, nil, nil
			}
			return next, nil, fs.ErrNotExist
		}
		if e.typ == tar.TypeSymlink && (len(pending) > 0 || followLast) {
			if hops++; hops > maxSymlinks {
				return next, nil, fmt.Errorf("%s: too many levels of symbolic links", p)
			}
			if strings.HasPrefix(e.target, "/") {
				current = "/"
			}
			pending = append(strings.Split(e.target, "/"), pending...)
			continue
		}
		if len(pending) > 0 && e.typ != tar.TypeDir {
			return next, nil, fmt.Errorf("%s: %s is not a directory", p, next)
		}
		current = next
	}
	return current, m.entries[current], nil
}

// stat resolves p, following every symlink; nil if nothing is there.
func (m *mergedFS) stat(p string) (string, *entry) {
	resolved, e, err := m.resolve(p, true)
	if err != nil {
		return path.Clean(p), nil
	}
	return resolved, e
}

// apply reads one layer's uncompressed tar into the merged file system.
func (m *mergedFS) apply(r io.Reader, layer int) error {
	counted := &countingReader{r: r}
	defer func() { m.layerBytes = append(m.layerBytes, counted.n) }()
	tr := tar.NewReader(counted)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			// Read what follows the end-of-archive blocks too, so that
			// the count is the layer's size.
			_, err = io.Copy(io.Discard, counted)
			return err
		}
		if err != nil {
			return fmt.Errorf("layer %d: %w", layer, err)
		}
		if err := m.add(h, tr, layer); err != nil {
			return fmt.Errorf("layer %d: %s: %w", layer, h.Name, err)
		}
	}
}

func (m *mergedFS) add(h *tar.Header, content io.Reader, layer int) error {
	name := path.Clean("/" + h.Name)
	if name == "/" {
		if h.Typeflag == tar.TypeDir {
			m.entries["/"] = headerEntry(h, layer)
		}
		return nil
	}
	dir, base := path.Split(name)
	parent, err := m.directory(dir, layer)
	if err != nil {
		return err
	}
	p := path.Join(parent, base)
	switch {
	case base == ".wh..wh..opq":
		// An opaque directory: what lower layers put in it is gone.
		return m.removeBelow(parent, func(e *entry) bool { return e.layer < layer })
	case strings.HasPrefix(base, ".wh."):
		return m.remove(path.Join(parent, strings.TrimPrefix(base, ".wh.")))
	}
	old := m.entries[p]
	if h.Typeflag == tar.TypeDir && old != nil && old.typ == tar.TypeDir {
		m.entries[p] = headerEntry(h, layer)
		return nil
	}
	if old != nil {
		if err := m.remove(p); err != nil {
			return err
		}
	}
	e := headerEntry(h, layer)
	switch h.Typeflag {
	case tar.TypeDir:
		err = m.root.Mkdir(rel(p), 0o700)
	case tar.TypeReg, tar.TypeRegA:
		e.typ = tar.TypeReg
		err = m.writeFile(p, content)
	case tar.TypeSymlink:
		err = m.root.Symlink(h.Linkname, rel(p))
	case tar.TypeLink:
		target, te, lerr := m.resolve(path.Clean("/"+h.Linkname), false)
		if lerr != nil || te == nil || te.typ != tar.TypeReg {
			return fmt.Errorf("is a hard link to %s, which is no regular file of the image", h.Linkname)
		}
		copied := *te
		e = &copied
		err = m.root.Link(rel(target), rel(p))
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		// Kept as entries for file tests; not made on disk, which needs
		// privileges a test does not have.
	default:
		return fmt.Errorf("has tar type %q, which an image layer does not hold", h.Typeflag)
	}
	if err != nil {
		return err
	}
	m.entries[p] = e
	return nil
}

func headerEntry(h *tar.Header, layer int) *entry {
	return &entry{typ: h.Typeflag, mode: h.Mode & 0o7777, uid: h.Uid, gid: h.Gid, target: h.Linkname, size: h.Size, layer: layer}
}

// directory resolves the parent directory dir of a layer's entry,
// following symlinks inside the image, and makes the directories it lacks
// (as a runtime's unpacker does).
func (m *mergedFS) directory(dir string, layer int) (string, error) {
	for made := 0; made < 4096; made++ {
		resolved, e, err := m.resolve(dir, true)
		switch {
		case err == nil && e != nil && e.typ == tar.TypeDir:
			return resolved, nil
		case err == nil && e != nil:
			return "", fmt.Errorf("%s is not a directory", resolved)
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			return "", err
		}
		// resolved is the first directory missing; its parent exists.
		if err := m.root.Mkdir(rel(resolved), 0o700); err != nil {
			return "", err
		}
		m.entries[resolved] = &entry{typ: tar.TypeDir, mode: 0o755, layer: layer}
	}
	return "", fmt.Errorf("%s: too many directories to make", dir)
}

func (m *mergedFS) writeFile(p string, content io.Reader) error {
	f, err := m.root.OpenFile(rel(p), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// remove deletes p and all below it.
func (m *mergedFS) remove(p string) error {
	if _, ok := m.entries[p]; !ok {
		return nil
	}
	if err := m.removeBelow(p, func(*entry) bool { return true }); err != nil {
		return err
	}
	delete(m.entries, p)
	return m.root.RemoveAll(rel(p))
}

// removeBelow deletes the entries below directory dir that match.
func (m *mergedFS) removeBelow(dir string, match func(*entry) bool) error {
	prefix := strings.TrimSuffix(dir, "/") + "/"
	var gone []string
	for p, e := range m.entries {
		if strings.HasPrefix(p, prefix) && match(e) {
			gone = append(gone, p)
		}
	}
	// Deepest first: a directory is emptied before it goes.
	sort.Sort(sort.Reverse(sort.StringSlice(gone)))
	for _, p := range gone {
		delete(m.entries, p)
		if err := m.root.RemoveAll(rel(p)); err != nil {
			return err
		}
	}
	return nil
}

// finish gives the unpacked files and directories their modes, and, when
// run as root, their owners, children before their directories (a
// directory without write permission for its owner was still written to).
func (m *mergedFS) finish() error {
	asRoot := os.Getuid() == 0
	paths := m.sortedPaths()
	for i := len(paths) - 1; i >= 0; i-- {
		p := paths[i]
		e := m.entries[p]
		onDisk := e.typ == tar.TypeReg || e.typ == tar.TypeDir || e.typ == tar.TypeSymlink
		if asRoot && onDisk {
			// Before chmod, which a change of owner would undo (setuid).
			if err := m.root.Lchown(rel(p), e.uid, e.gid); err != nil {
				return fmt.Errorf("unpacking %s: %w", p, err)
			}
		}
		if e.typ != tar.TypeReg && e.typ != tar.TypeDir {
			continue
		}
		if err := m.root.Chmod(rel(p), e.fileMode()&^fs.ModeDir); err != nil {
			return fmt.Errorf("unpacking %s: %w", p, err)
		}
	}
	return nil
}

func (m *mergedFS) sortedPaths() []string {
	paths := make([]string, 0, len(m.entries))
	for p := range m.entries {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

// readFile returns the content of the regular file p names.
func (m *mergedFS) readFile(p string) ([]byte, error) {
	resolved, e := m.stat(p)
	switch {
	case e == nil:
		return nil, fmt.Errorf("%s does not exist in the image", p)
	case e.typ != tar.TypeReg:
		return nil, fmt.Errorf("%s is a %s, not a regular file", describe(p, resolved), typeName(e.typ))
	}
	return m.root.ReadFile(rel(resolved))
}

// describe names p, and where it leads if that is elsewhere.
func describe(p, resolved string) string {
	if p == resolved || path.Clean(p) == resolved {
		return p
	}
	return p + " (" + resolved + ")"
}

func typeName(t byte) string {
	switch t {
	case tar.TypeReg:
		return "regular file"
	case tar.TypeDir:
		return "directory"
	case tar.TypeSymlink:
		return "symlink"
	case tar.TypeChar:
		return "character device"
	case tar.TypeBlock:
		return "block device"
	case tar.TypeFifo:
		return "named pipe"
	}
	return fmt.Sprintf("tar type %q", t)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
