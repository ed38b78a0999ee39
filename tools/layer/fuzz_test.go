package layer

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-scratch/rules_scratch/tools/imagetest/elftest"
)

// tarBytes is a tar of headers (regular files get a body of their name).
func tarBytes(headers ...*tar.Header) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range headers {
		body := ""
		if h.Typeflag == tar.TypeReg {
			body = h.Name
			h.Size = int64(len(body))
		}
		tw.WriteHeader(h)
		io.WriteString(tw, body)
	}
	tw.Close()
	return buf.Bytes()
}

func gzipBytes(data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	return buf.Bytes()
}

// checkLayer checks what every written layer must be: a gzip tar that
// archive/tar reads, each entry below the root without a ".." component.
func checkLayer(t *testing.T, data []byte) {
	t.Helper()
	checkLayerBelow(t, data, "")
}

// checkLayerBelow also checks that every entry is dest, one of its parent
// directories, or lies below it.
func checkLayerBelow(t *testing.T, data []byte, dest string) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the layer is not gzip: %v", err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("the layer does not read back: %v", err)
		}
		if strings.HasPrefix(h.Name, "/") || h.Name == ".." || strings.HasPrefix(h.Name, "../") || strings.Contains(h.Name, "/../") || strings.HasSuffix(h.Name, "/..") {
			t.Fatalf("entry %q is not below the root", h.Name)
		}
		name := strings.TrimSuffix(h.Name, "/")
		if dest != "" && !strings.HasPrefix(dest+"/", name+"/") && !strings.HasPrefix(name, dest+"/") {
			t.Fatalf("entry %q is not below %q", h.Name, dest)
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			t.Fatalf("entry %q does not read back: %v", h.Name, err)
		}
	}
}

// FuzzTar merges arbitrary bytes as a tar (or tar.gz) below /srv/root: the
// result is either a layer that reads back, every entry below /srv/root,
// the same bytes when written twice, or an error naming an entry.
func FuzzTar(f *testing.F) {
	for _, seed := range [][]byte{
		tarBytes(rootfsHeaders()...),
		gzipBytes(tarBytes(rootfsHeaders()...)),
		tarBytes(&tar.Header{Typeflag: tar.TypeReg, Name: "../../etc/passwd", Mode: 0o644}),
		tarBytes(&tar.Header{Typeflag: tar.TypeSymlink, Name: "up", Linkname: "../..", Mode: 0o777}),
		tarBytes(&tar.Header{Typeflag: tar.TypeSymlink, Name: "d", Linkname: "/etc", Mode: 0o777}, &tar.Header{Typeflag: tar.TypeReg, Name: "d/passwd", Mode: 0o644}),
		tarBytes(&tar.Header{Typeflag: tar.TypeChar, Name: "dev/sda", Devmajor: 8, Mode: 0o600}),
		tarBytes(&tar.Header{Typeflag: tar.TypeReg, Name: "a", Mode: 0o644}, &tar.Header{Typeflag: tar.TypeReg, Name: "./a", Mode: 0o644}),
		tarBytes(&tar.Header{Typeflag: tar.TypeLink, Name: "l", Linkname: "f", Mode: 0o644}, &tar.Header{Typeflag: tar.TypeReg, Name: "f", Mode: 0o4755}),
		[]byte("not a tar at all"),
		{0x1f, 0x8b},
	} {
		f.Add(seed)
	}
	for _, name := range []string{"gnu-sparse.tar", "pax-sparse.tar"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src := filepath.Join(t.TempDir(), "in.tar")
		if err := os.WriteFile(src, data, 0o644); err != nil {
			t.Fatal(err)
		}
		entries := []Entry{{Kind: KindTar, Path: "/srv/root", Source: src}}
		var first bytes.Buffer
		_, err := Write(&first, entries, WithConcurrency(1))
		if err != nil {
			if !strings.Contains(err.Error(), `entry "`) {
				t.Fatalf("the error names no entry: %v", err)
			}
			return
		}
		checkLayerBelow(t, first.Bytes(), "srv/root")
		var second bytes.Buffer
		if _, err := Write(&second, entries, WithConcurrency(4)); err != nil {
			t.Fatalf("the second write failed: %v", err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatal("two writes of the same tar differ")
		}
	})
}

// FuzzStaticCheck puts arbitrary bytes in a layer as an executable that
// must be static: accepted, or refused with an error naming the file.
func FuzzStaticCheck(f *testing.F) {
	f.Add(elftest.Executable(elf.EM_X86_64, ""))
	f.Add(elftest.Executable(elf.EM_X86_64, "/lib64/ld-linux-x86-64.so.2"))
	f.Add(elftest.Executable(elf.EM_AARCH64, ""))
	f.Add([]byte("#!/bin/sh\n"))
	f.Add([]byte(elf.ELFMAG))
	f.Fuzz(func(t *testing.T, data []byte) {
		src := filepath.Join(t.TempDir(), "exe")
		if err := os.WriteFile(src, data, 0o755); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		desc, err := Write(&out, []Entry{{Kind: KindFile, Path: "/app/exe", Source: src, Mode: mode(0o755)}}, WithStaticCheck("amd64"))
		if err != nil {
			if !strings.Contains(err.Error(), `file entry "/app/exe"`) {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		checkLayer(t, out.Bytes())
		if exe, ok := desc.Executables["/app/exe"]; !ok || exe.CheckRuns("amd64") != nil {
			t.Fatalf("an accepted executable is not noted as one that runs: %+v", desc.Executables)
		}
	})
}
