package layer

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// kindDevice is a device node or FIFO out of a tar that allows them.
const kindDevice Kind = "device"

// expand replaces tree and tar entries by the entries they hold, and returns
// the digest of each tar. The returned closer closes the spooled tars once
// the layer is written.
func expand(entries []Entry) ([]Entry, []TarSource, func(), error) {
	var out []Entry
	var tars []TarSource
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	for _, e := range entries {
		switch e.Kind {
		case KindTree:
			tree, err := expandTree(e)
			if err != nil {
				closeAll()
				return nil, nil, nil, err
			}
			out = append(out, tree...)
		case KindTar:
			merged, source, spool, err := expandTar(e)
			if spool != nil {
				files = append(files, spool)
			}
			if err != nil {
				closeAll()
				return nil, nil, nil, err
			}
			out = append(out, merged...)
			tars = append(tars, source)
		default:
			out = append(out, e)
		}
	}
	return out, tars, closeAll, nil
}

// expandTree lists the files and directories below e.Source, following
// symlinks (a sandbox presents inputs as symlinks). Files get e.Mode (default
// 0644): the modes of build outputs say nothing reliable.
func expandTree(e Entry) ([]Entry, error) {
	if e.Source == "" || e.Path == "" {
		return nil, fmt.Errorf("%s needs a source directory and a path", e.describe())
	}
	out := []Entry{{Kind: KindDir, Path: e.Path, UID: e.UID, GID: e.GID, Uname: e.Uname, Gname: e.Gname}}
	var walk func(dir, dest string, depth int) error
	walk = func(dir, dest string, depth int) error {
		if depth > 64 {
			return fmt.Errorf("%s: %s is nested too deep (a symlink loop?)", e.describe(), dir)
		}
		children, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("%s: %w", e.describe(), err)
		}
		for _, c := range children {
			src, dst := filepath.Join(dir, c.Name()), path.Join(dest, c.Name())
			info, err := os.Stat(src)
			if err != nil {
				return fmt.Errorf("%s: %w", e.describe(), err)
			}
			child := Entry{Path: dst, UID: e.UID, GID: e.GID, Uname: e.Uname, Gname: e.Gname}
			switch {
			case info.IsDir():
				child.Kind = KindDir
				out = append(out, child)
				if err := walk(src, dst, depth+1); err != nil {
					return err
				}
			case info.Mode().IsRegular():
				child.Kind, child.Source, child.Mode = KindFile, src, e.Mode
				out = append(out, child)
			default:
				return fmt.Errorf("%s: %s is a %s, not a file or directory", e.describe(), src, info.Mode().Type())
			}
		}
		return nil
	}
	if err := walk(e.Source, e.Path, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// expandTar reads the tar e.Source (gzip-compressed or not) and returns its
// entries below e.Path. Regular files are read later, in layer order, from a
// spooled uncompressed copy. It refuses what could escape the image root or
// silently lose data: ".." in names or link targets, relative links that
// climb above the root, entries below a symlink, duplicate paths, and device
// nodes unless e.AllowDevices.
func expandTar(e Entry) ([]Entry, TarSource, *os.File, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s", e.describe(), fmt.Sprintf(format, args...))
	}
	in, err := os.Open(e.Source)
	if err != nil {
		return nil, TarSource{}, nil, fail("%v", err)
	}
	defer in.Close()
	spool, err := os.CreateTemp("", "scratch-tar-*")
	if err != nil {
		return nil, TarSource{}, nil, fail("%v", err)
	}
	// Unlinked at once: the open file lives until the tool ends, however it
	// ends, and no name is left behind.
	if err := os.Remove(spool.Name()); err != nil {
		spool.Close()
		return nil, TarSource{}, nil, fail("%v", err)
	}
	// The archive's own digest, for an SBOM, is taken as it is read.
	file := newDigester(io.Discard)
	br := bufio.NewReaderSize(io.TeeReader(in, file), 1<<20)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, TarSource{}, spool, fail("bad gzip: %v", err)
		}
		src = zr
	}
	// The spool is the uncompressed tar; a counting reader gives the offset
	// of each file's bytes in it.
	counter := &countingReader{r: io.TeeReader(src, spool)}
	tr := tar.NewReader(counter)
	var out []Entry
	seen := map[string]bool{}
	var symlinks []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, TarSource{}, spool, fail("reading the tar: %v", err)
		}
		name, err := tarName(h.Name)
		if err != nil {
			return nil, TarSource{}, spool, fail("entry %q: %v", h.Name, err)
		}
		if isSparse(h) {
			return nil, TarSource{}, spool, fail("entry %q is a sparse file, which a layer cannot hold as it is; make the archive without sparse files (GNU tar: no --sparse)", h.Name)
		}
		if name == "" {
			continue // the archive's own root, "./"
		}
		if seen[name] {
			return nil, TarSource{}, spool, fail("entry %q appears twice; a layer holds one entry per path", h.Name)
		}
		seen[name] = true
		dest := path.Join(e.Path, name)
		mode := h.Mode & 0o7777
		entry := Entry{Path: dest, Mode: &mode, UID: h.Uid, GID: h.Gid, Uname: h.Uname, Gname: h.Gname}
		if e.KeepMtimes {
			t := h.ModTime.Truncate(time.Second)
			entry.modTime = &t
		}
		switch h.Typeflag {
		case tar.TypeReg:
			entry.Kind = KindFile
			entry.Source = e.Source + ":" + h.Name
			entry.content = io.NewSectionReader(spool, counter.n, h.Size)
		case tar.TypeDir:
			entry.Kind = KindDir
		case tar.TypeSymlink:
			if err := checkLinkTarget(name, h.Linkname); err != nil {
				return nil, TarSource{}, spool, fail("symlink %q: %v", h.Name, err)
			}
			entry.Kind, entry.Target = KindSymlink, h.Linkname
			symlinks = append(symlinks, name)
		case tar.TypeLink:
			target, err := tarName(h.Linkname)
			if err != nil || target == "" {
				return nil, TarSource{}, spool, fail("hardlink %q: target %q is not a path inside the archive", h.Name, h.Linkname)
			}
			entry.Kind, entry.Target = KindHardlink, path.Join(e.Path, target)
		case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
			if !e.AllowDevices {
				return nil, TarSource{}, spool, fail("entry %q is a device node or FIFO; scratch images rarely need one (the runtime provides /dev). Remove it from the archive, or set allow_devices = True on the scratch_layer", h.Name)
			}
			entry.Kind, entry.device = kindDevice, h
		default:
			return nil, TarSource{}, spool, fail("entry %q has unsupported type %q", h.Name, h.Typeflag)
		}
		out = append(out, entry)
	}
	// Drain the archive so that the spool holds every file's bytes.
	if _, err := io.Copy(io.Discard, counter); err != nil {
		return nil, TarSource{}, spool, fail("reading the tar: %v", err)
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return nil, TarSource{}, spool, fail("reading the tar: %v", err)
	}
	sort.Strings(symlinks)
	if err := checkSymlinkChains(out, e.Path); err != nil {
		return nil, TarSource{}, spool, fail("%v", err)
	}
	for _, entry := range out {
		rel := strings.TrimPrefix(strings.TrimPrefix(entry.Path, e.Path), "/")
		for _, link := range symlinks {
			if strings.HasPrefix(rel, link+"/") {
				return nil, TarSource{}, spool, fail("entry %q lies below the symlink %q; writing through a symlink could escape the image root", rel, link)
			}
		}
	}
	return out, TarSource{Path: e.Path, Digest: file.digest(), Size: file.n}, spool, nil
}

// isSparse says whether h is a GNU sparse file, old style or PAX: its bytes
// in the archive are not its content.
func isSparse(h *tar.Header) bool {
	if h.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for key := range h.PAXRecords {
		if strings.HasPrefix(key, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// checkSymlinkChains refuses symlinks that, followed through the archive's
// other symlinks, lead above the root, as "d/up -> .." and "d/out -> up/.."
// do together though neither does alone.
func checkSymlinkChains(entries []Entry, root string) error {
	links := map[string]string{}
	for _, e := range entries {
		if e.Kind == KindSymlink {
			links[strings.TrimPrefix(strings.TrimPrefix(e.Path, root), "/")] = e.Target
		}
	}
	for name, target := range links {
		if err := followWithin(name, target, links); err != nil {
			return fmt.Errorf("symlink %q -> %q: %v", name, target, err)
		}
	}
	return nil
}

// followWithin follows the symlink name -> target through links, component
// by component, and fails if a ".." climbs above the root on the way.
func followWithin(name, target string, links map[string]string) error {
	var stack []string // the resolved components so far
	if !strings.HasPrefix(target, "/") {
		stack = strings.Split(path.Dir(name), "/")
		if stack[0] == "." {
			stack = nil
		}
	}
	pending := strings.Split(strings.Trim(target, "/"), "/")
	for hops := 0; len(pending) > 0; {
		part := pending[0]
		pending = pending[1:]
		switch part {
		case "", ".":
			continue
		case "..":
			if len(stack) == 0 {
				return fmt.Errorf("points outside the image root through the archive's symlinks")
			}
			stack = stack[:len(stack)-1]
			continue
		}
		stack = append(stack, part)
		next, ok := links[strings.Join(stack, "/")]
		if !ok {
			continue
		}
		if hops++; hops > 40 {
			return fmt.Errorf("goes through more than 40 symlinks (a loop?)")
		}
		stack = stack[:len(stack)-1]
		if strings.HasPrefix(next, "/") {
			stack = nil
		}
		pending = append(strings.Split(strings.Trim(next, "/"), "/"), pending...)
	}
	return nil
}

// tarName cleans a name from a tar: "./a/b" and "/a/b" become "a/b"; a ".."
// component is refused rather than resolved, and so is a name that is not
// UTF-8 (image configs, descriptors and tools read names as UTF-8).
func tarName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", fmt.Errorf("is not valid UTF-8")
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", fmt.Errorf("has a \"..\" component, which could write outside the image root")
		}
	}
	c := path.Clean("/" + name)
	return strings.TrimPrefix(c, "/"), nil
}

// checkLinkTarget refuses link targets that climb above the image root.
func checkLinkTarget(name, target string) error {
	if target == "" {
		return fmt.Errorf("has an empty target")
	}
	if !utf8.ValidString(target) {
		return fmt.Errorf("target %q is not valid UTF-8", target)
	}
	if strings.HasPrefix(target, "/") {
		for _, part := range strings.Split(target, "/") {
			if part == ".." {
				return fmt.Errorf("absolute target %q has a \"..\" component", target)
			}
		}
		return nil
	}
	if resolved := path.Join(path.Dir(name), target); resolved == ".." || strings.HasPrefix(resolved, "../") {
		return fmt.Errorf("target %q points outside the image root", target)
	}
	return nil
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
