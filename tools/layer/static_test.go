package layer

import (
	"bytes"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rules-scratch/rules_scratch/tools/imagetest/elftest"
)

func TestStaticCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	static := write("static", elftest.Executable(elf.EM_X86_64, ""))
	dynamic := write("dynamic", elftest.Executable(elf.EM_X86_64, "/lib64/ld-linux-x86-64.so.2"))
	arm := write("arm", elftest.Executable(elf.EM_AARCH64, ""))
	script := write("script", []byte("#!/bin/sh\necho hi\n"))
	tests := []struct {
		name  string
		entry Entry
		want  string // empty: accepted
	}{
		{"static executable", Entry{Kind: KindFile, Path: "/app/s", Source: static, Mode: mode(0o755)}, ""},
		{"script", Entry{Kind: KindFile, Path: "/app/run.sh", Source: script, Mode: mode(0o755)}, ""},
		{"dynamic but not executable", Entry{Kind: KindFile, Path: "/lib/d", Source: dynamic}, ""},
		{"dynamic executable", Entry{Kind: KindFile, Path: "/app/d", Source: dynamic, Mode: mode(0o755)},
			`"/app/d" (from ` + dynamic + `) is dynamically linked (program interpreter /lib64/ld-linux-x86-64.so.2)`},
		{"other architecture", Entry{Kind: KindFile, Path: "/app/a", Source: arm, Mode: mode(0o755)}, "is an ELF binary for arm64, but the image is amd64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := Write(&out, []Entry{tc.entry}, WithStaticCheck("amd64"))
			if tc.want == "" && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// Without the option, nothing is checked.
	if _, err := Write(io.Discard, []Entry{{Kind: KindFile, Path: "/d", Source: dynamic, Mode: mode(0o755)}}, WithModTime(time.Unix(0, 0))); err != nil {
		t.Errorf("unchecked layer refused: %v", err)
	}
}

// TestStaticCheckRealBinary checks a dynamically linked program of the
// machine, where there is one, so that the check is not only right about
// hand-made headers.
func TestStaticCheckRealBinary(t *testing.T) {
	f, err := elf.Open("/bin/sh")
	if err != nil {
		t.Skipf("no ELF /bin/sh here: %v", err)
	}
	libs, _ := f.ImportedLibraries()
	f.Close()
	if len(libs) == 0 {
		t.Skip("/bin/sh is static here")
	}
	arch := map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64"}[f.Machine]
	if arch == "" {
		t.Skipf("no mapping for %s", f.Machine)
	}
	_, err = Write(io.Discard, []Entry{{Kind: KindFile, Path: "/bin/sh", Source: "/bin/sh", Mode: mode(0o755)}}, WithStaticCheck(arch))
	if err == nil || !strings.Contains(err.Error(), "is dynamically linked") || !strings.Contains(err.Error(), "libc") {
		t.Errorf("/bin/sh accepted or wrong message: %v", err)
	}
}

// TestDescriptorNotesExecutables checks what the descriptor tells an image
// about its entrypoint: executables (hardlinks too) with their ELF facts,
// and symlinks; not data files.
func TestDescriptorNotesExecutables(t *testing.T) {
	dir := t.TempDir()
	static := filepath.Join(dir, "static")
	dynamic := filepath.Join(dir, "dynamic")
	data := filepath.Join(dir, "data")
	os.WriteFile(static, elftest.Executable(elf.EM_AARCH64, ""), 0o644)
	os.WriteFile(dynamic, elftest.Executable(elf.EM_X86_64, "/lib/ld.so"), 0o644)
	os.WriteFile(data, elftest.Executable(elf.EM_X86_64, ""), 0o644)
	desc, err := Write(io.Discard, []Entry{
		{Kind: KindFile, Path: "/bin/app", Source: static, Mode: mode(0o755)},
		{Kind: KindFile, Path: "/bin/dyn", Source: dynamic, Mode: mode(0o700)},
		{Kind: KindFile, Path: "/etc/data", Source: data},
		{Kind: KindHardlink, Path: "/bin/again", Target: "/bin/app", Mode: mode(0o750)},
		{Kind: KindSymlink, Path: "/usr/bin/app", Target: "../../bin/app"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Executable{
		"/bin/app":   {Mode: 0o755, Arch: "arm64"},
		"/bin/again": {Mode: 0o755, Arch: "arm64"}, // one inode: the mode of the file
		"/bin/dyn":   {Mode: 0o700, Arch: "amd64", Dynamic: "program interpreter /lib/ld.so"},
	}
	if !reflect.DeepEqual(desc.Executables, want) {
		t.Errorf("executables %+v, want %+v", desc.Executables, want)
	}
	if !reflect.DeepEqual(desc.Symlinks, map[string]string{"/usr/bin/app": "../../bin/app"}) {
		t.Errorf("symlinks %v", desc.Symlinks)
	}
	if err := want["/bin/dyn"].CheckRuns("amd64"); err == nil || !strings.Contains(err.Error(), "is dynamically linked (program interpreter /lib/ld.so)") {
		t.Errorf("CheckRuns of a dynamic binary: %v", err)
	}
}
