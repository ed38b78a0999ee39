package layer

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAttacks is the table of hostile tars and what becomes of each:
// refused with a message naming the entry, or accepted with a documented
// normalization (checked by check).
func TestAttacks(t *testing.T) {
	long := strings.Repeat("d", 90) + "/" + strings.Repeat("e", 90) + "/" + strings.Repeat("f", 90) // 272 bytes
	// Sparse files as GNU tar 1.34 writes them (tar --sparse), in its own
	// format and in PAX: 1 MiB, mostly holes.
	sparse := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	truncated := tarBytes(&tar.Header{Typeflag: tar.TypeReg, Name: strings.Repeat("body", 1000), Mode: 0o644})
	bomb := func() []byte {
		// 64 MiB of zeros in about 64 KiB of gzip: a thousandfold.
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		tw := tar.NewWriter(zw)
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "zeros", Mode: 0o644, Size: 64 << 20})
		io.CopyN(tw, zeroReader{}, 64<<20)
		tw.Close()
		zw.Close()
		return buf.Bytes()
	}
	names := func(want ...string) func(t *testing.T, got map[string]*tar.Header) {
		return func(t *testing.T, got map[string]*tar.Header) {
			for _, name := range want {
				if got[name] == nil {
					t.Errorf("no entry %q among %v", name, keys(got))
				}
			}
		}
	}
	tests := []struct {
		name  string
		tar   []byte
		want  string // a part of the refusal, naming the entry; empty: accepted
		check func(t *testing.T, got map[string]*tar.Header)
	}{
		{"name longer than 100 bytes", tarBytes(&tar.Header{Typeflag: tar.TypeReg, Name: long[:150], Mode: 0o644}), "", names(long[:150])},
		{"name longer than 255 bytes", tarBytes(&tar.Header{Typeflag: tar.TypeReg, Name: long, Mode: 0o644}), "", names(long)},
		{"name that is not UTF-8", tarBytes(&tar.Header{Typeflag: tar.TypeReg, Name: "caf\xe9", Mode: 0o644}), `entry "caf\xe9": is not valid UTF-8`, nil},
		{"NUL byte in a PAX path: archive/tar refuses the header", withNUL(tarBytes(&tar.Header{Typeflag: tar.TypeReg, Name: "a\u00e9Xb", Mode: 0o644}), "\u00e9X", false), "reading the tar: archive/tar: invalid tar header", nil},
		{"NUL byte in a ustar name: the name ends there, as for every tar reader", withNUL(tarBytes(&tar.Header{Typeflag: tar.TypeReg, Name: "aXb", Mode: 0o644}), "aX", true), "", func(t *testing.T, got map[string]*tar.Header) {
			if len(got) != 1 || got["a"] == nil {
				t.Errorf("entries %v, want only \"a\"", keys(got))
			}
		}},
		{"link target that is not UTF-8", tarBytes(&tar.Header{Typeflag: tar.TypeSymlink, Name: "l", Linkname: "\xff", Mode: 0o777}), `target "\xff" is not valid UTF-8`, nil},
		{"PAX records of unknown keys and xattrs: dropped", tarBytes(&tar.Header{Typeflag: tar.TypeReg, Name: "x", Mode: 0o644, Format: tar.FormatPAX,
			PAXRecords: map[string]string{"SCHILY.xattr.security.capability": "cap", "VENDOR.unknown": "v"}}), "", func(t *testing.T, got map[string]*tar.Header) {
			if h := got["x"]; h == nil || len(h.PAXRecords) != 0 {
				t.Errorf("x keeps PAX records: %v", h)
			}
		}},
		{"GNU sparse file", sparse("gnu-sparse.tar"), `entry "holes" is a sparse file`, nil},
		{"GNU sparse file in PAX", sparse("pax-sparse.tar"), `entry "holes" is a sparse file`, nil},
		{"hard link to a later entry: the first name holds the data", tarBytes(
			&tar.Header{Typeflag: tar.TypeLink, Name: "a", Linkname: "b", Mode: 0o644},
			&tar.Header{Typeflag: tar.TypeReg, Name: "b", Mode: 0o644}), "", func(t *testing.T, got map[string]*tar.Header) {
			if got["a"] == nil || got["a"].Typeflag != tar.TypeReg || got["b"] == nil || got["b"].Typeflag != tar.TypeLink || got["b"].Linkname != "a" {
				t.Errorf("a: %+v, b: %+v", got["a"], got["b"])
			}
		}},
		{"hard link to a directory", tarBytes(&tar.Header{Typeflag: tar.TypeDir, Name: "d/", Mode: 0o755}, &tar.Header{Typeflag: tar.TypeLink, Name: "l", Linkname: "d", Mode: 0o644}), `hardlink entry "/l": target "/d" is not a file of this layer`, nil},
		{"hard link outside the archive", tarBytes(&tar.Header{Typeflag: tar.TypeLink, Name: "l", Linkname: "../etc/passwd", Mode: 0o644}), `hardlink "l": target "../etc/passwd" is not a path inside the archive`, nil},
		{"hard link to nothing in the archive", tarBytes(&tar.Header{Typeflag: tar.TypeLink, Name: "l", Linkname: "etc/passwd", Mode: 0o644}), `hardlink entry "/l": target "/etc/passwd" is not a file of this layer`, nil},
		{"symlink chain climbing out in two steps", tarBytes(
			&tar.Header{Typeflag: tar.TypeSymlink, Name: "d/up", Linkname: "..", Mode: 0o777},
			&tar.Header{Typeflag: tar.TypeSymlink, Name: "d/out", Linkname: "up/..", Mode: 0o777}), `symlink "d/out" -> "up/..": points outside the image root`, nil},
		{"symlink loop", tarBytes(
			&tar.Header{Typeflag: tar.TypeSymlink, Name: "a", Linkname: "b/x", Mode: 0o777},
			&tar.Header{Typeflag: tar.TypeSymlink, Name: "b", Linkname: "a", Mode: 0o777}), "more than 40 symlinks", nil},
		{"symlinks that stay inside", tarBytes(
			&tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/sh", Linkname: "busybox", Mode: 0o777},
			&tar.Header{Typeflag: tar.TypeSymlink, Name: "usr/bin", Linkname: "../bin", Mode: 0o777}), "", names("bin/sh", "usr/bin")},
		{"a directory and a file of the same name", tarBytes(&tar.Header{Typeflag: tar.TypeDir, Name: "d/", Mode: 0o755}, &tar.Header{Typeflag: tar.TypeReg, Name: "d", Mode: 0o644}), `entry "d" appears twice`, nil},
		{"truncated archive", truncated[:len(truncated)/2], "reading the tar: unexpected EOF", nil},
		{"gzip stream that expands a thousandfold: streamed", bomb(), "", func(t *testing.T, got map[string]*tar.Header) {
			if h := got["zeros"]; h == nil || h.Size != 64<<20 {
				t.Errorf("zeros: %+v", h)
			}
		}},
		{"setuid and setgid bits: kept", tarBytes(&tar.Header{Typeflag: tar.TypeReg, Name: "su", Mode: 0o6755}), "", func(t *testing.T, got map[string]*tar.Header) {
			if h := got["su"]; h == nil || h.Mode != 0o6755 {
				t.Errorf("su: %+v", h)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "in.tar")
			if err := os.WriteFile(src, tc.tar, 0o644); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			_, err := Write(&out, []Entry{{Kind: KindTar, Path: "/", Source: src}})
			if tc.want != "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("got %v, want a refusal containing %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			checkLayer(t, out.Bytes())
			tc.check(t, headers(t, out.Bytes()))
		})
	}
}

// TestFileThatChangesSizeWhileRead is the last attack: an input that
// shrinks or grows between the moment its size is taken and the end of its
// copy is refused, naming the file.
func TestFileThatChangesSizeWhileRead(t *testing.T) {
	for name, change := range map[string]func(path string){
		"shrinks": func(path string) { os.Truncate(path, 1000) },
		"grows": func(path string) {
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			f.Write([]byte("more"))
			f.Close()
		},
	} {
		t.Run(name, func(t *testing.T) {
			src := filepath.Join(t.TempDir(), "changing")
			if err := os.WriteFile(src, bytes.Repeat([]byte("x"), 4<<20), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Write(&changingWriter{w: io.Discard, change: func() { change(src) }}, []Entry{{Kind: KindFile, Path: "/f", Source: src}}, WithConcurrency(1))
			if err == nil || !strings.Contains(err.Error(), `file entry "/f"`) || !strings.Contains(err.Error(), "changed while it was read") {
				t.Errorf("got %v, want a refusal naming /f", err)
			}
			t.Log(err)
		})
	}
}

// changingWriter calls change on its first write: by then the file's size
// has been taken, and its copy has begun.
type changingWriter struct {
	w      io.Writer
	change func()
}

func (c *changingWriter) Write(p []byte) (int, error) {
	if c.change != nil {
		c.change()
		c.change = nil
	}
	return c.w.Write(p)
}

// withNUL replaces the X that follows prefix in a tar by a NUL byte, which
// no tar writer lets through; inHeader also fixes the header's checksum.
func withNUL(data []byte, prefix string, inHeader bool) []byte {
	i := bytes.Index(data, []byte(prefix)) + len(prefix) - 1
	data[i] = 0
	if inHeader {
		block := data[i/512*512:][:512]
		copy(block[148:156], "        ")
		sum := 0
		for _, b := range block {
			sum += int(b)
		}
		copy(block[148:156], fmt.Sprintf("%06o\x00 ", sum))
	}
	return data
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func headers(t *testing.T, layer []byte) map[string]*tar.Header {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(layer))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	out := map[string]*tar.Header{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(h.Name, "/")] = h
	}
}

func keys(m map[string]*tar.Header) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
