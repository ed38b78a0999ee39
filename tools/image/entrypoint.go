package image

import (
	"fmt"
	"path"
	"strings"

	"github.com/rules-scratch/rules_scratch/tools/layer"
)

// maxSymlinks is how many symlinks a path may go through, as Linux allows.
const maxSymlinks = 40

// CheckEntrypoint checks that the image's command (its entrypoint, or else
// its cmd) can start: an absolute first element must resolve, through the
// symlinks of the image's own layers, to a file with an execute bit, which,
// if ELF, is static and built for the image's architecture. It reads no
// layer: the layers' descriptors say what they hold. A command that is not
// an absolute path is left to the runtime's PATH lookup.
func (img *Image) CheckEntrypoint() error {
	if len(img.command) == 0 || !strings.HasPrefix(img.command[0], "/") {
		return nil
	}
	program := img.command[0]
	type found struct {
		exe   layer.Executable
		layer int
	}
	executables := map[string]found{}
	symlinks := map[string]string{}
	for i, facts := range img.facts {
		for p, exe := range facts.Executables {
			executables[p] = found{exe, i}
			delete(symlinks, p)
		}
		for p, target := range facts.Symlinks {
			symlinks[p] = target
			delete(executables, p)
		}
	}
	resolved, err := resolve(program, symlinks)
	if err != nil {
		return fmt.Errorf("the image's command %q cannot start: %v", program, err)
	}
	via := ""
	if resolved != path.Clean(program) {
		via = fmt.Sprintf(" (it leads to %s)", resolved)
	}
	f, ok := executables[resolved]
	if !ok {
		return fmt.Errorf("the image's command %q cannot start: no layer of the image has an executable file there%s. "+
			"Add the program with a scratch_layer (files, binaries or tars, with an execute bit) or fix the path; "+
			"for an image meant to be run with another command, set check_entrypoint = False", program, via)
	}
	if err := f.exe.CheckRuns(img.platform.Architecture); err != nil {
		return fmt.Errorf("the image's command %q%s, from %s, %w", program, via, img.origins[f.layer], err)
	}
	return nil
}

// resolve follows the symlinks of p's components, as the kernel would
// inside the image, and returns the path they lead to.
func resolve(p string, symlinks map[string]string) (string, error) {
	p = path.Clean(p)
	for hops := 0; hops <= maxSymlinks; hops++ {
		parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
		next := ""
		for i := range parts {
			prefix := "/" + strings.Join(parts[:i+1], "/")
			target, ok := symlinks[prefix]
			if !ok {
				continue
			}
			if !strings.HasPrefix(target, "/") {
				target = path.Join(path.Dir(prefix), target)
			}
			next = path.Join("/", target, strings.Join(parts[i+1:], "/"))
			break
		}
		if next == "" {
			return p, nil
		}
		p = next
	}
	return "", fmt.Errorf("%s goes through more than %d symlinks (a loop?)", p, maxSymlinks)
}
