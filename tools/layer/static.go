package layer

import (
	"debug/elf"
	"fmt"
	"io"
	"strings"
)

// elfMachines maps OCI architectures to ELF machines.
var elfMachines = map[string]elf.Machine{
	"amd64":   elf.EM_X86_64,
	"arm64":   elf.EM_AARCH64,
	"arm":     elf.EM_ARM,
	"386":     elf.EM_386,
	"ppc64le": elf.EM_PPC64,
	"s390x":   elf.EM_S390,
	"riscv64": elf.EM_RISCV,
}

// WithStaticCheck refuses executable ELF files that cannot run in an empty
// image: dynamically linked ones (a program interpreter or DT_NEEDED
// libraries) and those built for another architecture than arch. Files
// without an executable bit, and executables that are not ELF (scripts), are
// not checked.
func WithStaticCheck(arch string) Option {
	return func(o *options) { o.staticArch = arch }
}

// Executable is what a layer's descriptor says of one of its executable
// files, so that an image can check its entrypoint without reading layers.
type Executable struct {
	// Mode holds the file's permission bits.
	Mode int64 `json:"mode"`
	// Arch is the OCI architecture of an ELF file ("amd64"), or its ELF
	// machine if rules_scratch knows no such architecture; empty if the
	// file is not ELF (a script, say).
	Arch string `json:"arch,omitempty"`
	// Dynamic says what an ELF file needs to start: its program
	// interpreter and shared libraries; empty if it is static.
	Dynamic string `json:"dynamic,omitempty"`
}

// InspectELF describes the executable file r (its permission bits mode); a file that is not ELF is
// described by its mode alone. A file with ELF's magic number that does not
// parse is described so, with an error.
func InspectELF(r io.ReaderAt, mode int64) (Executable, error) {
	exe := Executable{Mode: mode}
	magic := make([]byte, len(elf.ELFMAG))
	if _, err := r.ReadAt(magic, 0); err != nil || string(magic) != elf.ELFMAG {
		return exe, nil // not ELF: nothing to link
	}
	f, err := elf.NewFile(r)
	if err != nil {
		return exe, fmt.Errorf("is not a readable ELF file: %w", err)
	}
	defer f.Close()
	exe.Arch = f.Machine.String()
	for arch, machine := range elfMachines {
		if machine == f.Machine {
			exe.Arch = arch
		}
	}
	var problems []string
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		interp, err := io.ReadAll(p.Open())
		if err != nil {
			return exe, err
		}
		problems = append(problems, "program interpreter "+strings.TrimRight(string(interp), "\x00"))
	}
	needed, err := f.ImportedLibraries()
	if err != nil {
		return exe, err
	}
	if len(needed) > 0 {
		problems = append(problems, "needs shared libraries "+strings.Join(needed, ", "))
	}
	exe.Dynamic = strings.Join(problems, "; ")
	return exe, nil
}

// CheckRuns returns an error naming what keeps the executable from starting
// in an empty image of architecture arch: being ELF for another
// architecture, or dynamically linked. Scripts are not checked.
func (e Executable) CheckRuns(arch string) error {
	if e.Arch == "" {
		return nil
	}
	if _, known := elfMachines[arch]; !known {
		return fmt.Errorf("cannot check ELF files for unknown architecture %q", arch)
	}
	if e.Arch != arch {
		return fmt.Errorf("is an ELF binary for %s, but the image is %s; build it for the image's platform", e.Arch, arch)
	}
	if e.Dynamic != "" {
		return fmt.Errorf("is dynamically linked (%s), but a scratch image has no C library or loader; "+
			"build it static: for Go, pure = \"on\" on the go_binary or CGO_ENABLED=0 (go_scratch_image does this unless the go_binary sets pure = \"off\")",
			e.Dynamic)
	}
	return nil
}
