package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rules-scratch/rules_scratch/tools/diff"
	"github.com/rules-scratch/rules_scratch/tools/sbom"
)

// exitError ends the tool with code, printing err if there is one.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func runDiff(args []string) error {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print the differences as JSON: {\"identical\": bool, \"differences\": [{where, what, a, b}]}")
	if err := fs.Parse(args); err != nil {
		return exitError{2, err}
	}
	if fs.NArg() != 2 {
		return exitError{2, fmt.Errorf("usage: scratch diff [--json] A B, each an OCI layout (DIR or DIR:TAG), a tarball or a registry reference")}
	}
	var targets [2]*diff.Target
	for i, ref := range fs.Args() {
		t, done, err := diff.Open(ref)
		if err != nil {
			return exitError{2, err}
		}
		defer done()
		targets[i] = t
	}
	differences, err := diff.Compare(targets[0], targets[1])
	if err != nil {
		return exitError{2, err}
	}
	if *asJSON {
		if differences == nil {
			differences = []diff.Difference{}
		}
		out, err := json.MarshalIndent(map[string]any{"identical": len(differences) == 0, "differences": differences}, "", "  ")
		if err != nil {
			return exitError{2, err}
		}
		fmt.Println(string(out))
	} else if len(differences) == 0 {
		fmt.Println("identical")
	} else {
		for _, d := range differences {
			fmt.Println(d)
		}
	}
	if len(differences) > 0 {
		return exitError{code: 1}
	}
	return nil
}

func digestOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func runLock(args []string) error {
	fs := flag.NewFlagSet("lock", flag.ContinueOnError)
	lockFile := fs.String("lock", "", "the committed lock file to check the images against")
	updatePath := fs.String("update_path", "", "rewrite the lock at this path below $BUILD_WORKSPACE_DIRECTORY instead of checking it (bazel run)")
	updateTarget := fs.String("update_target", "", "the target that rewrites the lock, for the failure message")
	var images repeated
	fs.Var(&images, "image", "NAME=LAYOUT: an image or index to lock under NAME (repeatable)")
	var sboms, provenances repeated
	fs.Var(&sboms, "sbom", "NAME=FILE: the SBOM of NAME, whose digest and Go modules are locked (repeatable)")
	fs.Var(&provenances, "provenance", "NAME=FILE: the provenance of NAME, whose digest is locked (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	documents := map[string]map[string]string{"sbom": {}, "provenance": {}}
	for kind, values := range map[string]repeated{"sbom": sboms, "provenance": provenances} {
		for _, v := range values {
			name, file, ok := strings.Cut(v, "=")
			if !ok {
				return fmt.Errorf("--%s %q is not NAME=FILE", kind, v)
			}
			documents[kind][name] = file
		}
	}
	built := diff.Lock{}
	for _, image := range images {
		name, layout, ok := strings.Cut(image, "=")
		if !ok {
			return fmt.Errorf("--image %q is not NAME=LAYOUT", image)
		}
		t, done, err := diff.Open(layout)
		if err != nil {
			return err
		}
		locked, err := diff.LockTarget(t)
		done()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if file := documents["sbom"][name]; file != "" {
			data, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			locked.SBOM = digestOf(data)
			if locked.Modules, err = sbom.Modules(data); err != nil {
				return fmt.Errorf("%s: %w", file, err)
			}
		}
		if file := documents["provenance"][name]; file != "" {
			data, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			locked.Provenance = digestOf(data)
		}
		built[name] = locked
	}
	if *updatePath != "" {
		root := os.Getenv("BUILD_WORKSPACE_DIRECTORY")
		if root == "" {
			return fmt.Errorf("the lock is rewritten in the source tree: run this with bazel run")
		}
		data, err := built.Marshal()
		if err != nil {
			return err
		}
		if _, err := writeOutput(filepath.Join(root, *updatePath), func(f *os.File) (int, error) { return f.Write(data) }); err != nil {
			return err
		}
		fmt.Printf("wrote the digests of %d images to %s\n", len(built), *updatePath)
		return nil
	}
	data, err := os.ReadFile(*lockFile)
	if err != nil {
		return err
	}
	locked := diff.Lock{}
	if len(strings.TrimSpace(string(data))) > 0 {
		if err := json.Unmarshal(data, &locked); err != nil {
			return fmt.Errorf("the lock %s: %w", *lockFile, err)
		}
	}
	problems := locked.Check(built)
	if len(problems) == 0 {
		fmt.Printf("the %d images have the digests of the lock\n", len(built))
		return nil
	}
	for _, p := range problems {
		fmt.Println(p)
	}
	fmt.Printf("\n%d of %d images differ from the lock. If the change is intended, run `bazel run %s` and commit the lock.\n", len(problems), len(built), *updateTarget)
	return exitError{code: 1}
}
