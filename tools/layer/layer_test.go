package layer

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

func mode(m int64) *int64 { return &m }

// writeSources creates files in a fresh directory with the given source
// mtime and permission bits, which must not show in the layer.
func writeSources(t *testing.T, contents map[string][]byte, mtime time.Time, perm os.FileMode) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range contents {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, perm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, perm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func sampleEntries(dir string) []Entry {
	return []Entry{
		{Kind: KindFile, Path: "/app/server", Source: filepath.Join(dir, "server"), Mode: mode(0o755)},
		{Kind: KindFile, Path: "/etc/app/config.yaml", Source: filepath.Join(dir, "config")},
		{Kind: KindDir, Path: "/tmp", Mode: mode(0o1777)},
		{Kind: KindSymlink, Path: "/bin/server", Target: "../app/server"},
		{Kind: KindSymlink, Path: "/etc/app/abs", Target: "/etc/app/config.yaml"},
		{Kind: KindHardlink, Path: "/app/server-link", Target: "/app/server"},
		{Kind: KindFile, Path: "/home/nonroot/.profile", Source: filepath.Join(dir, "config"), UID: 65532, GID: 65532, Uname: "nonroot", Gname: "nonroot"},
	}
}

func sampleContents() map[string][]byte {
	big := make([]byte, 3<<20+12345) // several compression blocks
	rand.New(rand.NewSource(1)).Read(big[:len(big)/2])
	return map[string][]byte{"server": big, "config": []byte("listen: :8080\n")}
}

func writeLayer(t *testing.T, entries []Entry, opts ...Option) ([]byte, Descriptor) {
	t.Helper()
	var buf bytes.Buffer
	desc, err := Write(&buf, entries, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), desc
}

func TestWriteIsReproducible(t *testing.T) {
	contents := sampleContents()
	reference, _ := writeLayer(t, sampleEntries(writeSources(t, contents, time.Unix(1, 0), 0o644)))
	tests := []struct {
		name   string
		mtime  time.Time
		perm   os.FileMode
		umask  int
		mutate func([]Entry) []Entry
		opts   []Option
	}{
		{name: "other source mtimes", mtime: time.Now(), perm: 0o644},
		{name: "other source modes", mtime: time.Unix(1, 0), perm: 0o700},
		{name: "other umask", mtime: time.Unix(1, 0), perm: 0o644, umask: 0o077},
		{name: "reversed order", mtime: time.Unix(1, 0), perm: 0o644, mutate: func(es []Entry) []Entry {
			for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
				es[i], es[j] = es[j], es[i]
			}
			return es
		}},
		{name: "one core", mtime: time.Unix(1, 0), perm: 0o644, opts: []Option{WithConcurrency(1)}},
		{name: "eight cores", mtime: time.Unix(1, 0), perm: 0o644, opts: []Option{WithConcurrency(8)}},
		{name: "explicit epoch with sub-second noise", mtime: time.Unix(1, 0), perm: 0o644, opts: []Option{WithModTime(time.Unix(0, 999))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.umask != 0 {
				old := syscall.Umask(tc.umask)
				defer syscall.Umask(old)
			}
			entries := sampleEntries(writeSources(t, contents, tc.mtime, tc.perm))
			if tc.mutate != nil {
				entries = tc.mutate(entries)
			}
			got, _ := writeLayer(t, entries, tc.opts...)
			if !bytes.Equal(got, reference) {
				t.Errorf("layer bytes differ from the reference (%d vs %d bytes)", len(got), len(reference))
			}
		})
	}
}

type header struct {
	typ        byte
	mode       int64
	uid, gid   int
	uname      string
	linkname   string
	size       int64
	modTimeSec int64
}

func readLayer(t *testing.T, data []byte) ([]string, map[string]header, map[string][]byte) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var names []string
	headers := map[string]header{}
	bodies := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !h.AccessTime.IsZero() || !h.ChangeTime.IsZero() {
			t.Errorf("%s has an access or change time", h.Name)
		}
		names = append(names, h.Name)
		headers[h.Name] = header{h.Typeflag, h.Mode, h.Uid, h.Gid, h.Uname, h.Linkname, h.Size, h.ModTime.Unix()}
		body, _ := io.ReadAll(tr)
		bodies[h.Name] = body
	}
	return names, headers, bodies
}

func TestWriteContent(t *testing.T) {
	contents := sampleContents()
	data, _ := writeLayer(t, sampleEntries(writeSources(t, contents, time.Now(), 0o600)), WithModTime(time.Unix(1700000000, 0)))
	names, headers, bodies := readLayer(t, data)
	wantNames := []string{
		"app/", "app/server", "app/server-link", "bin/", "bin/server", "etc/", "etc/app/",
		"etc/app/abs", "etc/app/config.yaml", "home/", "home/nonroot/", "home/nonroot/.profile", "tmp/",
	}
	if strings.Join(names, " ") != strings.Join(wantNames, " ") {
		t.Fatalf("names:\n got %v\nwant %v", names, wantNames)
	}
	const ts = 1700000000
	want := map[string]header{
		"app/":                  {tar.TypeDir, 0o755, 0, 0, "", "", 0, ts},
		"app/server":            {tar.TypeReg, 0o755, 0, 0, "", "", int64(len(contents["server"])), ts},
		"app/server-link":       {tar.TypeLink, 0o644, 0, 0, "", "app/server", 0, ts},
		"bin/server":            {tar.TypeSymlink, 0o777, 0, 0, "", "../app/server", 0, ts},
		"etc/app/abs":           {tar.TypeSymlink, 0o777, 0, 0, "", "/etc/app/config.yaml", 0, ts},
		"etc/app/config.yaml":   {tar.TypeReg, 0o644, 0, 0, "", "", 14, ts},
		"home/nonroot/.profile": {tar.TypeReg, 0o644, 65532, 65532, "nonroot", "", 14, ts},
		"tmp/":                  {tar.TypeDir, 0o1777, 0, 0, "", "", 0, ts},
	}
	for name, w := range want {
		if got := headers[name]; got != w {
			t.Errorf("%s:\n got %+v\nwant %+v", name, got, w)
		}
	}
	if !bytes.Equal(bodies["app/server"], contents["server"]) {
		t.Error("app/server content differs from its source")
	}
}

func TestWriteDescriptorAndGzipHeader(t *testing.T) {
	dir := writeSources(t, map[string][]byte{"f": []byte("x")}, time.Now(), 0o644)
	data, desc := writeLayer(t, []Entry{{Kind: KindFile, Path: "/f", Source: filepath.Join(dir, "f")}})
	sum := sha256.Sum256(data)
	if desc.Digest.Hex != hex.EncodeToString(sum[:]) || desc.Size != int64(len(data)) {
		t.Errorf("descriptor %+v does not describe the %d written bytes", desc, len(data))
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(zr)
	diff := sha256.Sum256(raw)
	if desc.DiffID.Hex != hex.EncodeToString(diff[:]) {
		t.Errorf("diffID %s is not the digest of the uncompressed tar", desc.DiffID)
	}
	if zr.Name != "" || !zr.ModTime.IsZero() || data[3] != 0 || data[9] != 255 {
		t.Errorf("gzip header has name %q, mtime %v, flags %#x, OS %d; want none, zero, 0, 255", zr.Name, zr.ModTime, data[3], data[9])
	}
	if desc.MediaType != "application/vnd.oci.image.layer.v1.tar+gzip" {
		t.Errorf("media type %s", desc.MediaType)
	}
}

// TestHardlinkTargetsComeFirst checks that whatever names a file and its
// hardlinks have, the data is written under the first name in the archive,
// so that an extractor meets the target before the links.
func TestHardlinkTargetsComeFirst(t *testing.T) {
	dir := writeSources(t, map[string][]byte{"f": []byte("data")}, time.Now(), 0o644)
	data, _ := writeLayer(t, []Entry{
		{Kind: KindFile, Path: "/etc/plain.txt", Source: filepath.Join(dir, "f"), Mode: mode(0o600)},
		{Kind: KindHardlink, Path: "/etc/plain-link.txt", Target: "/etc/plain.txt"},
		{Kind: KindHardlink, Path: "/z/last", Target: "/etc/plain.txt"},
		{Kind: KindHardlink, Path: "/a/first", Target: "/etc/plain.txt"},
	})
	names, headers, bodies := readLayer(t, data)
	if got := strings.Join(names, " "); got != "a/ a/first etc/ etc/plain-link.txt etc/plain.txt z/ z/last" {
		t.Fatalf("names %s", got)
	}
	if h := headers["a/first"]; h.typ != tar.TypeReg || h.mode != 0o600 || string(bodies["a/first"]) != "data" {
		t.Errorf("a/first should hold the data: %+v", h)
	}
	for _, link := range []string{"etc/plain-link.txt", "etc/plain.txt", "z/last"} {
		if h := headers[link]; h.typ != tar.TypeLink || h.linkname != "a/first" {
			t.Errorf("%s should link to a/first: %+v", link, h)
		}
	}
}

func TestWriteLongNamesAndPAX(t *testing.T) {
	dir := writeSources(t, map[string][]byte{"f": []byte("x")}, time.Now(), 0o644)
	long := "/" + strings.Repeat("d", 120) + "/" + strings.Repeat("f", 150)
	data, _ := writeLayer(t, []Entry{{Kind: KindFile, Path: long, Source: filepath.Join(dir, "f"), UID: 1 << 22}})
	names, headers, _ := readLayer(t, data)
	if names[len(names)-1] != long[1:] || headers[long[1:]].uid != 1<<22 {
		t.Errorf("long name or large uid not kept: %v %+v", names, headers[long[1:]])
	}
}

func TestWriteRefusesBadEntries(t *testing.T) {
	dir := writeSources(t, map[string][]byte{"f": []byte("x")}, time.Now(), 0o644)
	src := filepath.Join(dir, "f")
	tests := []struct {
		name    string
		entries []Entry
		want    string
	}{
		{"relative path", []Entry{{Kind: KindFile, Path: "app/f", Source: src}}, `is not absolute: write it as "/app/f"`},
		{"dot-dot", []Entry{{Kind: KindFile, Path: "/app/../../etc/passwd", Source: src}}, `has a ".." component`},
		{"root", []Entry{{Kind: KindDir, Path: "/"}}, "image root"},
		{"two at one destination", []Entry{{Kind: KindFile, Path: "/a", Source: src}, {Kind: KindDir, Path: "/a/"}}, "two entries at one destination /a"},
		{"file as a parent", []Entry{{Kind: KindFile, Path: "/a", Source: src}, {Kind: KindFile, Path: "/a/b", Source: src}}, "needs /a to be a directory"},
		{"unknown kind", []Entry{{Kind: "chardev", Path: "/dev/null"}}, "unknown kind \"chardev\""},
		{"device outside a tar", []Entry{{Kind: "device", Path: "/dev/null"}}, "device nodes come only from tars"},
		{"missing source", []Entry{{Kind: KindFile, Path: "/a", Source: filepath.Join(dir, "nope")}}, "no such file"},
		{"directory as file", []Entry{{Kind: KindFile, Path: "/a", Source: dir}}, "not a regular file"},
		{"dangling hardlink", []Entry{{Kind: KindHardlink, Path: "/a", Target: "/b"}}, "is not a file of this layer"},
		{"symlink without target", []Entry{{Kind: KindSymlink, Path: "/a"}}, "has no target"},
		{"mode out of range", []Entry{{Kind: KindDir, Path: "/a", Mode: mode(0o17777)}}, "out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Write(io.Discard, tc.entries)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func BenchmarkWrite(b *testing.B) {
	dir := b.TempDir()
	var entries []Entry
	data := make([]byte, 4<<20)
	rand.New(rand.NewSource(1)).Read(data[:len(data)/2])
	for i := 0; i < 16; i++ {
		p := filepath.Join(dir, "f"+string(rune('a'+i)))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
		entries = append(entries, Entry{Kind: KindFile, Path: "/data/" + filepath.Base(p), Source: p})
	}
	b.SetBytes(int64(16 * len(data)))
	for i := 0; i < b.N; i++ {
		if _, err := Write(io.Discard, entries); err != nil {
			b.Fatal(err)
		}
	}
}

// TestZstd checks zstd layers: the same tar stream as gzip's (one diff_id),
// the same bytes on one core and on eight, across several frames, readable
// by a zstd decoder, and the zstd media type.
func TestZstd(t *testing.T) {
	contents := sampleContents()
	big := make([]byte, 2*zstdFrameSize+12345)
	rand.New(rand.NewSource(2)).Read(big[:len(big)/3])
	contents["big"] = big
	dir := writeSources(t, contents, time.Unix(1, 0), 0o644)
	entries := append(sampleEntries(dir), Entry{Kind: KindFile, Path: "/data/big", Source: filepath.Join(dir, "big")})

	_, gz := writeLayer(t, entries)
	one, desc := writeLayer(t, entries, WithCompression(Zstd), WithConcurrency(1))
	eight, _ := writeLayer(t, entries, WithCompression(Zstd), WithConcurrency(8))
	if !bytes.Equal(one, eight) {
		t.Errorf("zstd layer differs between one and eight cores")
	}
	if desc.MediaType != "application/vnd.oci.image.layer.v1.tar+zstd" || desc.DiffID != gz.DiffID || desc.Size != int64(len(one)) {
		t.Errorf("zstd descriptor %+v; the gzip layer's diff_id is %v", desc, gz.DiffID)
	}
	zr, err := zstd.NewReader(bytes.NewReader(one))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	h := sha256.New()
	if _, err := io.Copy(h, zr); err != nil {
		t.Fatal(err)
	}
	if got := "sha256:" + hex.EncodeToString(h.Sum(nil)); got != desc.DiffID.String() {
		t.Errorf("decompressed stream has digest %s, descriptor says %s", got, desc.DiffID)
	}
}

// TestCompressorsReportWriteErrors: a full disk fails the layer, whichever
// the compression, after any number of frames and without hanging.
func TestCompressorsReportWriteErrors(t *testing.T) {
	data := make([]byte, 3*zstdFrameSize)
	rand.New(rand.NewSource(3)).Read(data)
	for _, c := range []Compression{Gzip, Zstd} {
		for _, room := range []int{0, 100, zstdFrameSize + 1} {
			cw, err := NewCompressor(&fullDisk{room: room}, c, 2)
			if err != nil {
				t.Fatal(err)
			}
			_, werr := cw.Write(data)
			cerr := cw.Close()
			if !errors.Is(werr, errDiskFull) && !errors.Is(cerr, errDiskFull) {
				t.Errorf("%s with %d bytes of room: write %v, close %v; want the disk's error", c, room, werr, cerr)
			}
		}
	}
}

var errDiskFull = errors.New("no space left on device")

// fullDisk takes room bytes, then fails every write.
type fullDisk struct{ room int }

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) > d.room {
		n := d.room
		d.room = 0
		return n, errDiskFull
	}
	d.room -= len(p)
	return len(p), nil
}

func TestUnknownCompression(t *testing.T) {
	_, err := Write(io.Discard, nil, WithCompression("brotli"))
	if err == nil || !strings.Contains(err.Error(), `unknown compression "brotli"`) {
		t.Errorf("got %v, want an error naming the compression", err)
	}
}
