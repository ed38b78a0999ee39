// Package elftest makes minimal ELF executables for tests of what checks
// them: static or dynamic, for any machine.
package elftest

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
)

// Executable returns a minimal 64-bit little-endian ELF executable for
// machine, with a PT_INTERP program header naming interp if interp is not
// empty (a dynamically linked program).
func Executable(machine elf.Machine, interp string) []byte {
	const ehsize, phsize = 64, 56
	hdr := elf.Header64{
		Type: uint16(elf.ET_EXEC), Machine: uint16(machine), Version: uint32(elf.EV_CURRENT),
		Ehsize: ehsize, Phentsize: phsize, Shentsize: 64,
	}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	hdr.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	hdr.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	var progs []elf.Prog64
	if interp != "" {
		hdr.Phoff, hdr.Phnum = ehsize, 1
		progs = append(progs, elf.Prog64{Type: uint32(elf.PT_INTERP), Off: ehsize + phsize, Filesz: uint64(len(interp) + 1), Memsz: uint64(len(interp) + 1)})
	}
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, hdr)
	binary.Write(&b, binary.LittleEndian, progs)
	if interp != "" {
		b.WriteString(interp + "\x00")
	}
	return b.Bytes()
}
