package layer

import (
	"archive/tar"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"
)

// Kind is the type of a layer entry.
type Kind string

// The kinds of entry a layer may hold. Device nodes and FIFOs are deliberately
// absent: a reproducible application image has no use for them.
const (
	KindFile     Kind = "file"
	KindDir      Kind = "dir"
	KindSymlink  Kind = "symlink"
	KindHardlink Kind = "hardlink"
	// KindTree copies the files below the directory Source to below Path.
	KindTree Kind = "tree"
	// KindTar merges the entries of the tar (or gzip-compressed tar) Source
	// below Path, normalized; see expandTar.
	KindTar Kind = "tar"
)

// Default modes, used when an entry gives none.
const (
	DefaultFileMode = 0o644
	DefaultDirMode  = 0o755
	symlinkMode     = 0o777
)

// Entry is one item of a layer, as the rules describe it.
type Entry struct {
	// Kind says what the entry is.
	Kind Kind `json:"kind"`
	// Path is the absolute destination in the image, such as "/app/hello".
	Path string `json:"path"`
	// Source is the file to copy, for KindFile.
	Source string `json:"src,omitempty"`
	// Target is the link target: any path for KindSymlink, the absolute path of
	// a file entry of the same layer for KindHardlink.
	Target string `json:"target,omitempty"`
	// Mode holds the permission bits, including setuid, setgid and sticky
	// (0o7777 at most). Nil means DefaultFileMode or DefaultDirMode.
	Mode *int64 `json:"mode,omitempty"`
	// UID and GID own the entry; 0 unless set.
	UID int `json:"uid,omitempty"`
	GID int `json:"gid,omitempty"`
	// Uname and Gname are the owner names written in the tar header; empty
	// unless set, so that the numeric ids are authoritative.
	Uname string `json:"uname,omitempty"`
	Gname string `json:"gname,omitempty"`
	// KeepMtimes keeps the modification times of a KindTar's entries instead
	// of the layer's fixed time.
	KeepMtimes bool `json:"keep_mtimes,omitempty"`
	// AllowDevices lets a KindTar hold device nodes and FIFOs.
	AllowDevices bool `json:"allow_devices,omitempty"`

	// Set for entries that come out of a tar.
	content *io.SectionReader // a regular file's bytes
	modTime *time.Time        // a kept modification time
	device  *tar.Header       // a device node's or FIFO's header
}

func (e Entry) describe() string {
	if e.Source != "" {
		return fmt.Sprintf("%s entry %q (from %s)", e.Kind, e.Path, e.Source)
	}
	return fmt.Sprintf("%s entry %q", e.Kind, e.Path)
}

// cleanPath turns an absolute image path into a tar name without a leading
// slash. It refuses what could escape the root or is ambiguous rather than
// silently rewriting it.
func cleanPath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("path %q is not absolute: write it as %q", p, "/"+p)
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return "", fmt.Errorf("path %q has a \"..\" component: give the destination without it", p)
		}
	}
	if strings.ContainsRune(p, 0) {
		return "", fmt.Errorf("path %q contains a NUL byte", p)
	}
	c := path.Clean(p)
	if c == "/" {
		return "", fmt.Errorf("path %q is the image root, which every layer has already", p)
	}
	return c[1:], nil
}

// item is an entry with its tar name: the cleaned path without leading slash.
type item struct {
	name string
	Entry
}

// normalize validates the entries and returns them sorted by tar name, with
// the missing parent directories added.
func normalize(entries []Entry) ([]item, error) {
	byName := make(map[string]Entry, len(entries))
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		name, err := cleanPath(e.Path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.describe(), err)
		}
		if err := e.check(); err != nil {
			return nil, err
		}
		if prev, ok := byName[name]; ok {
			return nil, fmt.Errorf("two entries at one destination /%s: %s and %s; remove one or give them different paths", name, prev.describe(), e.describe())
		}
		byName[name] = e
		names = append(names, name)
	}
	for _, name := range names {
		e := byName[name]
		for dir := path.Dir(name); dir != "."; dir = path.Dir(dir) {
			parent, ok := byName[dir]
			if !ok {
				byName[dir] = Entry{Kind: KindDir, Path: "/" + dir}
				continue
			}
			if parent.Kind != KindDir {
				return nil, fmt.Errorf("%s needs /%s to be a directory, but it is the %s", e.describe(), dir, parent.describe())
			}
		}
	}
	// An extractor needs a hardlink's target before the link, so of each
	// file and its hardlinks, the first name in sorted order holds the data
	// and the others link to it.
	first := map[string]string{} // file name -> first name of its group
	for name, e := range byName {
		if e.Kind != KindHardlink {
			continue
		}
		target, err := cleanPath(e.Target)
		if err != nil {
			return nil, fmt.Errorf("%s: target: %w", e.describe(), err)
		}
		if t, ok := byName[target]; !ok || t.Kind != KindFile {
			return nil, fmt.Errorf("%s: target %q is not a file of this layer; a hardlink must point at a file entry of the same layer", e.describe(), e.Target)
		}
		e.Target = target
		byName[name] = e
		if head, ok := first[target]; ok {
			first[target] = min(head, name)
		} else {
			first[target] = min(target, name)
		}
	}
	for file, head := range first {
		if head == file {
			continue
		}
		data, link := byName[file], byName[head]
		data.Path, link.Path = link.Path, data.Path
		byName[head], byName[file] = data, link
	}
	items := make([]item, 0, len(byName))
	for name, e := range byName {
		if e.Kind == KindHardlink {
			e.Target = first[e.Target]
		}
		items = append(items, item{name: name, Entry: e})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].name < items[j].name })
	return items, nil
}

func (e Entry) check() error {
	switch e.Kind {
	case KindFile:
		if e.Source == "" && e.content == nil {
			return fmt.Errorf("%s has no source file", e.describe())
		}
	case KindDir:
	case kindDevice:
		if e.device == nil {
			return fmt.Errorf("%s: device nodes come only from tars that allow them", e.describe())
		}
	case KindSymlink, KindHardlink:
		if e.Target == "" {
			return fmt.Errorf("%s has no target", e.describe())
		}
	default:
		return fmt.Errorf("%s: unknown kind %q; use one of file, dir, symlink, hardlink, tree, tar", e.describe(), e.Kind)
	}
	if e.Mode != nil && (*e.Mode < 0 || *e.Mode > 0o7777) {
		return fmt.Errorf("%s: mode %#o is out of range; give permission bits such as 0o755", e.describe(), *e.Mode)
	}
	if e.UID < 0 || e.GID < 0 {
		return fmt.Errorf("%s: uid and gid must not be negative (got %d:%d)", e.describe(), e.UID, e.GID)
	}
	return nil
}
