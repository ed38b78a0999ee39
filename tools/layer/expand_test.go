package layer

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// makeTar writes a tar of headers (with bodies for regular files), gzipped
// if compress, and returns its path.
func makeTar(t *testing.T, compress bool, headers []*tar.Header, bodies map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	var w io.Writer = &buf
	var zw *gzip.Writer
	if compress {
		zw = gzip.NewWriter(&buf)
		w = zw
	}
	tw := tar.NewWriter(w)
	for _, h := range headers {
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(bodies[h.Name]))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, bodies[h.Name])
	}
	tw.Close()
	if zw != nil {
		zw.Close()
	}
	p := filepath.Join(t.TempDir(), "in.tar")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func rootfsHeaders() []*tar.Header {
	when := time.Unix(1600000000, 0)
	return []*tar.Header{
		{Typeflag: tar.TypeDir, Name: "./", Mode: 0o755, ModTime: when},
		{Typeflag: tar.TypeDir, Name: "./bin/", Mode: 0o755, ModTime: when},
		{Typeflag: tar.TypeReg, Name: "./bin/busybox", Mode: 0o755, Uid: 0, ModTime: when},
		{Typeflag: tar.TypeSymlink, Name: "./bin/sh", Linkname: "busybox", Mode: 0o777, ModTime: when},
		{Typeflag: tar.TypeLink, Name: "./bin/ls", Linkname: "./bin/busybox", Mode: 0o755, ModTime: when},
		{Typeflag: tar.TypeReg, Name: "./etc/motd", Mode: 0o600, Uid: 1000, Gid: 1000, Uname: "u", Gname: "g", ModTime: when},
		{Typeflag: tar.TypeSymlink, Name: "./etc/localtime", Linkname: "/usr/share/zoneinfo/UTC", Mode: 0o777, ModTime: when},
	}
}

func TestTarIsMergedNormalized(t *testing.T) {
	bodies := map[string]string{"./bin/busybox": "\x7fELF not really", "./etc/motd": "welcome\n"}
	dir := writeSources(t, map[string][]byte{"app": []byte("app")}, time.Now(), 0o644)
	for _, compress := range []bool{false, true} {
		src := makeTar(t, compress, rootfsHeaders(), bodies)
		data, _ := writeLayer(t, []Entry{
			{Kind: KindTar, Path: "/", Source: src},
			{Kind: KindFile, Path: "/app/app", Source: filepath.Join(dir, "app")},
		})
		names, headers, got := readLayer(t, data)
		want := "app/ app/app bin/ bin/busybox bin/ls bin/sh etc/ etc/localtime etc/motd"
		if strings.Join(names, " ") != want {
			t.Fatalf("compress=%v: names %v, want %s", compress, names, want)
		}
		if h := headers["etc/motd"]; h.mode != 0o600 || h.uid != 1000 || h.uname != "u" || h.modTimeSec != 0 {
			t.Errorf("etc/motd header %+v: want mode, owner kept and the mtime fixed", h)
		}
		if headers["bin/ls"].linkname != "bin/busybox" || headers["etc/localtime"].linkname != "/usr/share/zoneinfo/UTC" {
			t.Errorf("links: %+v %+v", headers["bin/ls"], headers["etc/localtime"])
		}
		if string(got["bin/busybox"]) != bodies["./bin/busybox"] || string(got["etc/motd"]) != "welcome\n" {
			t.Errorf("contents differ: %q", got)
		}
	}
	// Kept mtimes, below another path.
	src := makeTar(t, true, rootfsHeaders(), bodies)
	data, _ := writeLayer(t, []Entry{{Kind: KindTar, Path: "/opt/rootfs", Source: src, KeepMtimes: true}})
	_, headers, _ := readLayer(t, data)
	if headers["opt/rootfs/etc/motd"].modTimeSec != 1600000000 || headers["opt/rootfs/bin/ls"].linkname != "opt/rootfs/bin/busybox" {
		t.Errorf("kept mtime or moved hardlink wrong: %+v %+v", headers["opt/rootfs/etc/motd"], headers["opt/rootfs/bin/ls"])
	}
}

func TestMaliciousTarsAreRefused(t *testing.T) {
	reg := func(name string) *tar.Header { return &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644} }
	tests := []struct {
		name    string
		headers []*tar.Header
		want    string
	}{
		{"dot-dot", []*tar.Header{reg("../../etc/passwd")}, `entry "../../etc/passwd": has a ".." component`},
		{"absolute dot-dot", []*tar.Header{reg("/a/../../etc/passwd")}, `has a ".." component`},
		{"relative symlink escape", []*tar.Header{{Typeflag: tar.TypeSymlink, Name: "etc/x", Linkname: "../../../etc/passwd"}}, "points outside the image root"},
		{"absolute symlink escape", []*tar.Header{{Typeflag: tar.TypeSymlink, Name: "etc/x", Linkname: "/../../etc/passwd"}}, `has a ".." component`},
		{"write through a symlink", []*tar.Header{{Typeflag: tar.TypeSymlink, Name: "etc", Linkname: "/host/etc"}, reg("etc/passwd")}, `lies below the symlink "etc"`},
		{"device node", []*tar.Header{{Typeflag: tar.TypeChar, Name: "dev/sda", Devmajor: 8}}, "is a device node or FIFO"},
		{"duplicate", []*tar.Header{reg("etc/passwd"), reg("./etc/passwd")}, "appears twice"},
		{"hardlink outside", []*tar.Header{{Typeflag: tar.TypeLink, Name: "a", Linkname: "../etc/shadow"}}, "is not a path inside the archive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := makeTar(t, true, tc.headers, nil)
			_, err := Write(io.Discard, []Entry{{Kind: KindTar, Path: "/", Source: src}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// A tar entry clashing with another entry of the layer.
	dir := writeSources(t, map[string][]byte{"p": []byte("x")}, time.Now(), 0o644)
	src := makeTar(t, false, []*tar.Header{reg("etc/passwd")}, nil)
	_, err := Write(io.Discard, []Entry{{Kind: KindTar, Path: "/", Source: src}, {Kind: KindFile, Path: "/etc/passwd", Source: filepath.Join(dir, "p")}})
	if err == nil || !strings.Contains(err.Error(), "two entries at one destination /etc/passwd") {
		t.Errorf("clash not refused: %v", err)
	}
	// Devices pass when allowed.
	src = makeTar(t, false, []*tar.Header{{Typeflag: tar.TypeChar, Name: "dev/null", Devmajor: 1, Devminor: 3, Mode: 0o666}}, nil)
	data, _ := writeLayer(t, []Entry{{Kind: KindTar, Path: "/", Source: src, AllowDevices: true}})
	if _, headers, _ := readLayer(t, data); headers["dev/null"].typ != tar.TypeChar {
		t.Errorf("allowed device missing: %+v", headers)
	}
}

func TestTreeIsCopied(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "a", "empty"), 0o700)
	os.WriteFile(filepath.Join(root, "a", "f.txt"), []byte("f"), 0o700)
	os.WriteFile(filepath.Join(root, "top"), []byte("t"), 0o600)
	os.Symlink(filepath.Join(root, "top"), filepath.Join(root, "link-to-top"))
	data, _ := writeLayer(t, []Entry{{Kind: KindTree, Path: "/usr/share/data", Source: root}})
	names, headers, bodies := readLayer(t, data)
	want := "usr/ usr/share/ usr/share/data/ usr/share/data/a/ usr/share/data/a/empty/ usr/share/data/a/f.txt usr/share/data/link-to-top usr/share/data/top"
	if strings.Join(names, " ") != want {
		t.Fatalf("names %v\nwant %s", names, want)
	}
	if headers["usr/share/data/a/f.txt"].mode != 0o644 || headers["usr/share/data/a/empty/"].mode != 0o755 || string(bodies["usr/share/data/link-to-top"]) != "t" {
		t.Errorf("modes or followed symlink wrong: %+v", headers)
	}
}

// The descriptor lists every entry, files with their digest, and the digest
// of each merged tar: what an SBOM needs without reading the blob.
func TestDescriptorListsFilesAndTars(t *testing.T) {
	bodies := map[string]string{"./bin/busybox": "\x7fELF not really", "./etc/motd": "welcome\n"}
	dir := writeSources(t, map[string][]byte{"app": []byte("app")}, time.Now(), 0o644)
	src := makeTar(t, true, rootfsHeaders(), bodies)
	_, desc := writeLayer(t, []Entry{
		{Kind: KindTar, Path: "/", Source: src},
		{Kind: KindFile, Path: "/app/app", Source: filepath.Join(dir, "app")},
	})
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	sum1 := func(s string) string { h := sha1.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
	want := []File{
		{Path: "/app", Kind: KindDir, Mode: 0o755},
		{Path: "/app/app", Kind: KindFile, Mode: 0o644, Size: 3, SHA256: sum("app"), SHA1: sum1("app")},
		{Path: "/bin", Kind: KindDir, Mode: 0o755},
		{Path: "/bin/busybox", Kind: KindFile, Mode: 0o755, Size: int64(len(bodies["./bin/busybox"])), SHA256: sum(bodies["./bin/busybox"]), SHA1: sum1(bodies["./bin/busybox"])},
		{Path: "/bin/ls", Kind: KindHardlink, Mode: 0o755, Target: "bin/busybox"},
		{Path: "/bin/sh", Kind: KindSymlink, Mode: 0o777, Target: "busybox"},
		{Path: "/etc", Kind: KindDir, Mode: 0o755},
		{Path: "/etc/localtime", Kind: KindSymlink, Mode: 0o777, Target: "/usr/share/zoneinfo/UTC"},
		{Path: "/etc/motd", Kind: KindFile, Mode: 0o600, Size: 8, SHA256: sum("welcome\n"), SHA1: sum1("welcome\n")},
	}
	if !reflect.DeepEqual(desc.Files, want) {
		t.Errorf("files:\n got %+v\nwant %+v", desc.Files, want)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	tarWant := []TarSource{{Path: "/", Digest: v1.Hash{Algorithm: "sha256", Hex: sum(string(data))}, Size: int64(len(data))}}
	if !reflect.DeepEqual(desc.Tars, tarWant) {
		t.Errorf("tars: got %+v, want %+v", desc.Tars, tarWant)
	}
}
