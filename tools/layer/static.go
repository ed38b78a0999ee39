package layer

import (
	"debug/elf"
	"errors"
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

// checkStatic returns an error naming what makes the ELF file r unfit for a
// scratch image, or nil if it is static for arch or not ELF at all.
func checkStatic(r io.ReaderAt, arch string) error {
	f, err := elf.NewFile(r)
	if err != nil {
		var formatErr *elf.FormatError
		if errors.As(err, &formatErr) {
			return nil // not ELF: nothing to link
		}
		return err
	}
	defer f.Close()
	want, known := elfMachines[arch]
	if !known {
		return fmt.Errorf("cannot check ELF files for unknown architecture %q", arch)
	}
	if f.Machine != want {
		return fmt.Errorf("is an ELF binary for %s, but the image is %s; build it for the image's platform", f.Machine, arch)
	}
	var problems []string
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		interp, err := io.ReadAll(p.Open())
		if err != nil {
			return err
		}
		problems = append(problems, "program interpreter "+strings.TrimRight(string(interp), "\x00"))
	}
	needed, err := f.ImportedLibraries()
	if err != nil {
		return err
	}
	if len(needed) > 0 {
		problems = append(problems, "needs shared libraries "+strings.Join(needed, ", "))
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("is dynamically linked (%s), but a scratch image has no C library or loader; "+
		"build it static: for Go, pure = \"on\" on the go_binary or CGO_ENABLED=0 (go_scratch_image does this unless the go_binary sets pure = \"off\")",
		strings.Join(problems, "; "))
}
