package diff

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Difference is one way two images differ.
type Difference struct {
	// Where: "index", "manifest", "config", "layer 2", or "layer 2 /app/x",
	// behind "linux/arm64: " for an index's images.
	Where string `json:"where"`
	// What differs there: a field ("config.Env"), "added", "removed",
	// "content", "mode", ...
	What string `json:"what"`
	// A and B are the values on each side ("" where absent).
	A string `json:"a,omitempty"`
	B string `json:"b,omitempty"`
}

func (d Difference) String() string {
	switch {
	case d.A == "" && d.B == "":
		return fmt.Sprintf("%s: %s", d.Where, d.What)
	case d.A == "":
		return fmt.Sprintf("%s: %s: %s", d.Where, d.What, d.B)
	case d.B == "":
		return fmt.Sprintf("%s: %s: %s", d.Where, d.What, d.A)
	}
	return fmt.Sprintf("%s: %s: %s -> %s", d.Where, d.What, d.A, d.B)
}

type differ struct {
	out []Difference
}

func (d *differ) add(where, what, a, b string) {
	d.out = append(d.out, Difference{Where: where, What: what, A: a, B: b})
}

// Compare returns how b differs from a, in this order: index, then per
// platform manifest, config, layers, and the paths of each changed layer.
// Nothing means the two are identical.
func Compare(a, b *Target) ([]Difference, error) {
	d := &differ{}
	var err error
	switch {
	case a.Index != nil && b.Index != nil:
		err = d.indexes(a.Index, b.Index)
	case a.Image != nil && b.Image != nil:
		err = d.images("", a.Image, b.Image)
	default:
		kind := func(t *Target) string {
			if t.Index != nil {
				return "an index"
			}
			return "an image"
		}
		d.add("index", "kind", kind(a), kind(b))
	}
	return d.out, err
}

// digested is anything with a digest: an index, an image, a layer.
type digested interface{ Digest() (v1.Hash, error) }

func digests(a, b digested) (v1.Hash, v1.Hash, error) {
	da, err := a.Digest()
	if err != nil {
		return da, da, err
	}
	db, err := b.Digest()
	return da, db, err
}

func (d *differ) indexes(a, b v1.ImageIndex) error {
	da, db, err := digests(a, b)
	if err != nil || da == db {
		return err
	}
	ma, err := a.IndexManifest()
	if err != nil {
		return err
	}
	mb, err := b.IndexManifest()
	if err != nil {
		return err
	}
	d.add("index", "digest", da.String(), db.String())
	d.json("index", "annotations", ma.Annotations, mb.Annotations)
	platforms := func(m *v1.IndexManifest) ([]string, map[string]v1.Hash) {
		var order []string
		byPlatform := map[string]v1.Hash{}
		for _, desc := range m.Manifests {
			p := "unknown platform"
			if desc.Platform != nil {
				p = desc.Platform.String()
			}
			order = append(order, p)
			byPlatform[p] = desc.Digest
		}
		return order, byPlatform
	}
	orderA, pa := platforms(ma)
	orderB, pb := platforms(mb)
	if !reflect.DeepEqual(orderA, orderB) {
		d.add("index", "platforms", strings.Join(orderA, " "), strings.Join(orderB, " "))
	}
	for _, p := range orderA {
		hb, ok := pb[p]
		if !ok {
			d.add(p, "removed", pa[p].String(), "")
			continue
		}
		ia, err := a.Image(pa[p])
		if err != nil {
			return err
		}
		ib, err := b.Image(hb)
		if err != nil {
			return err
		}
		if err := d.images(p+": ", ia, ib); err != nil {
			return err
		}
	}
	for _, p := range orderB {
		if _, ok := pa[p]; !ok {
			d.add(p, "added", "", pb[p].String())
		}
	}
	return nil
}

func (d *differ) images(prefix string, a, b v1.Image) error {
	da, db, err := digests(a, b)
	if err != nil || da == db {
		return err
	}
	ma, err := a.Manifest()
	if err != nil {
		return err
	}
	mb, err := b.Manifest()
	if err != nil {
		return err
	}
	where := prefix + "manifest"
	d.add(where, "digest", da.String(), db.String())
	if ma.MediaType != mb.MediaType {
		d.add(where, "mediaType", string(ma.MediaType), string(mb.MediaType))
	}
	d.json(where, "annotations", ma.Annotations, mb.Annotations)

	ca, err := a.RawConfigFile()
	if err != nil {
		return err
	}
	cb, err := b.RawConfigFile()
	if err != nil {
		return err
	}
	var ja, jb any
	if err := json.Unmarshal(ca, &ja); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := json.Unmarshal(cb, &jb); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	d.fields(prefix+"config", "", ja, jb)

	la, err := a.Layers()
	if err != nil {
		return err
	}
	lb, err := b.Layers()
	if err != nil {
		return err
	}
	var changed [][2]v1.Layer
	var changedAt []int
	for i := 0; i < max(len(la), len(lb)); i++ {
		where := fmt.Sprintf("%slayer %d", prefix, i+1)
		switch {
		case i >= len(lb):
			d.add(where, "removed", describeLayer(la[i]), "")
		case i >= len(la):
			d.add(where, "added", "", describeLayer(lb[i]))
		default:
			same, err := sameLayer(la[i], lb[i])
			if err != nil {
				return err
			}
			switch same {
			case identical:
			case recompressed:
				d.add(where, "the same content, compressed otherwise", describeLayer(la[i]), describeLayer(lb[i]))
			default:
				d.add(where, "changed", describeLayer(la[i]), describeLayer(lb[i]))
				changed = append(changed, [2]v1.Layer{la[i], lb[i]})
				changedAt = append(changedAt, i)
			}
		}
	}
	for n, pair := range changed {
		if err := d.paths(fmt.Sprintf("%slayer %d", prefix, changedAt[n]+1), pair[0], pair[1]); err != nil {
			return err
		}
	}
	return nil
}

type sameness int

const (
	different sameness = iota
	recompressed
	identical
)

func sameLayer(a, b v1.Layer) (sameness, error) {
	da, db, err := digests(a, b)
	if err != nil || da == db {
		return identical, err
	}
	ia, err := a.DiffID()
	if err != nil {
		return different, err
	}
	ib, err := b.DiffID()
	if err != nil {
		return different, err
	}
	if ia == ib {
		return recompressed, nil
	}
	return different, nil
}

func describeLayer(l v1.Layer) string {
	digest, _ := l.Digest()
	mt, _ := l.MediaType()
	size, _ := l.Size()
	return fmt.Sprintf("%s (%s, %d bytes)", digest, mt, size)
}

// json reports a whole value that differs, as JSON.
func (d *differ) json(where, what string, a, b any) {
	if reflect.DeepEqual(a, b) {
		return
	}
	d.add(where, what, marshal(a), marshal(b))
}

func marshal(v any) string {
	if v == nil {
		return "(none)"
	}
	data, _ := json.Marshal(v)
	return string(data)
}

// fields reports the differences of two config JSON values field by field:
// objects key by key, arrays of objects element by element, anything else
// as a whole.
func (d *differ) fields(where, path string, a, b any) {
	if reflect.DeepEqual(a, b) {
		return
	}
	ma, aIsMap := a.(map[string]any)
	mb, bIsMap := b.(map[string]any)
	if aIsMap && bIsMap {
		keys := map[string]bool{}
		for k := range ma {
			keys[k] = true
		}
		for k := range mb {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			d.fields(where, join(path, k), ma[k], mb[k])
		}
		return
	}
	sa, aIsSlice := a.([]any)
	sb, bIsSlice := b.([]any)
	if aIsSlice && bIsSlice && len(sa) == len(sb) && len(sa) > 0 {
		if _, objects := sa[0].(map[string]any); objects {
			for i := range sa {
				d.fields(where, fmt.Sprintf("%s[%d]", path, i), sa[i], sb[i])
			}
			return
		}
	}
	d.add(where, path, marshal(a), marshal(b))
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// entry is what a layer says of one path.
type entry struct {
	typ      byte
	mode     int64
	uid, gid int
	uname    string
	gname    string
	mtime    int64
	linkname string
	size     int64
	digest   string
	pax      map[string]string
}

func readEntries(l v1.Layer) (map[string]entry, []string, error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return nil, nil, err
	}
	defer rc.Close()
	entries := map[string]entry{}
	var order []string
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return entries, order, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reading a layer: %w", err)
		}
		e := entry{typ: h.Typeflag, mode: h.Mode, uid: h.Uid, gid: h.Gid, uname: h.Uname, gname: h.Gname,
			mtime: h.ModTime.Unix(), linkname: h.Linkname, size: h.Size, pax: h.PAXRecords}
		if h.Typeflag == tar.TypeReg {
			sum := sha256.New()
			if _, err := io.Copy(sum, tr); err != nil {
				return nil, nil, err
			}
			e.digest = "sha256:" + hex.EncodeToString(sum.Sum(nil))
		}
		path := "/" + strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(h.Name, "./"), "/"), "/")
		if _, seen := entries[path]; !seen {
			order = append(order, path)
		}
		entries[path] = e
	}
}

var typeNames = map[byte]string{tar.TypeReg: "file", tar.TypeDir: "directory", tar.TypeSymlink: "symlink",
	tar.TypeLink: "hardlink", tar.TypeChar: "character device", tar.TypeBlock: "block device", tar.TypeFifo: "fifo"}

func typeName(t byte) string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("type %q", t)
}

// paths reports, path by path, how two versions of a layer differ.
func (d *differ) paths(where string, a, b v1.Layer) error {
	ea, orderA, err := readEntries(a)
	if err != nil {
		return err
	}
	eb, orderB, err := readEntries(b)
	if err != nil {
		return err
	}
	all := append([]string{}, orderA...)
	for _, p := range orderB {
		if _, ok := ea[p]; !ok {
			all = append(all, p)
		}
	}
	sort.Strings(all)
	for _, p := range all {
		x, inA := ea[p]
		y, inB := eb[p]
		at := where + " " + p
		switch {
		case !inB:
			d.add(at, "removed", typeName(x.typ), "")
		case !inA:
			d.add(at, "added", "", typeName(y.typ))
		default:
			if x.typ != y.typ {
				d.add(at, "type", typeName(x.typ), typeName(y.typ))
			}
			if x.digest != y.digest || x.size != y.size {
				d.add(at, "content", fmt.Sprintf("%s (%d bytes)", x.digest, x.size), fmt.Sprintf("%s (%d bytes)", y.digest, y.size))
			}
			if x.mode != y.mode {
				d.add(at, "mode", fmt.Sprintf("%04o", x.mode), fmt.Sprintf("%04o", y.mode))
			}
			if x.uid != y.uid || x.gid != y.gid {
				d.add(at, "uid:gid", fmt.Sprintf("%d:%d", x.uid, x.gid), fmt.Sprintf("%d:%d", y.uid, y.gid))
			}
			if x.uname != y.uname || x.gname != y.gname {
				d.add(at, "uname:gname", x.uname+":"+x.gname, y.uname+":"+y.gname)
			}
			if x.mtime != y.mtime {
				d.add(at, "mtime", fmt.Sprint(x.mtime), fmt.Sprint(y.mtime))
			}
			if x.linkname != y.linkname {
				d.add(at, "link target", x.linkname, y.linkname)
			}
			if !reflect.DeepEqual(x.pax, y.pax) {
				d.add(at, "PAX records", marshal(x.pax), marshal(y.pax))
			}
		}
	}
	return nil
}
