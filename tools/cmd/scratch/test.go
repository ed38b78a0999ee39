package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/rules-scratch/rules_scratch/tools/diff"
	"github.com/rules-scratch/rules_scratch/tools/structure"
)

func runTest(args []string) error {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	image := fs.String("image", "", "the image: an OCI layout directory (every platform of an index is tested) or an OCI or docker tarball")
	var configs repeated
	fs.Var(&configs, "config", "a container-structure-test YAML file, schemaVersion 2.0.0 (repeatable)")
	var platforms repeated
	fs.Var(&platforms, "platform", "test only this platform of an index, such as linux/arm64 (any variant) (repeatable)")
	var checks structure.Checks
	fs.BoolVar(&checks.Static, "static", false, "check every ELF executable is static and for the image's architecture")
	fs.BoolVar(&checks.NoShell, "no_shell", false, "check no shell is in the image")
	fs.BoolVar(&checks.NonRoot, "non_root", false, "check the image's user is not root and resolves in /etc/passwd")
	fs.BoolVar(&checks.NoSetuid, "no_setuid", false, "check no file is setuid or setgid")
	fs.BoolVar(&checks.CACertificates, "ca_certificates", false, "check a CA bundle is where Go and OpenSSL look")
	commands := fs.String("commands", "run", "run: run command tests (where the machine cannot, report them not run); skip: report them not run")
	junit := fs.String("junit", os.Getenv("XML_OUTPUT_FILE"), "write JUnit XML here (default: Bazel's $XML_OUTPUT_FILE)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *image == "" || fs.NArg() > 0 {
		return fmt.Errorf("usage: scratch test --image LAYOUT_OR_TARBALL [--config tests.yaml...] [--static] [--no_shell] [--non_root] [--no_setuid] [--ca_certificates] [--commands run|skip]")
	}
	if *commands != "run" && *commands != "skip" {
		return fmt.Errorf("--commands is %q; say run or skip", *commands)
	}
	opts := structure.Options{Checks: checks, SkipCommands: *commands == "skip", TempDir: os.Getenv("TEST_TMPDIR")}
	for _, file := range configs {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		c, err := structure.ParseConfig(displayName(file), data)
		if err != nil {
			return err
		}
		opts.Configs = append(opts.Configs, c)
	}
	target, done, err := diff.Open(*image)
	defer done()
	if err != nil {
		return err
	}
	images := []structure.Image{{Image: target.Image}}
	if target.Index != nil {
		if images, err = structure.Platforms(target.Index, platforms...); err != nil {
			return err
		}
	} else if len(platforms) > 0 {
		return fmt.Errorf("--platform %s: %s is one image, not an index", platforms[0], *image)
	}
	var suites []*structure.Suite
	failed := false
	for _, img := range images {
		suite, err := structure.Test(img, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", img.Name, err)
		}
		suite.Write(os.Stdout)
		suites = append(suites, suite)
		for _, r := range suite.Results {
			failed = failed || r.Failure != ""
		}
	}
	if *junit != "" {
		f, err := os.Create(*junit)
		if err != nil {
			return err
		}
		if err := structure.WriteJUnit(f, suites); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if failed {
		return exitError{1, fmt.Errorf("some tests failed")}
	}
	return nil
}

// displayName names a file of a test's runfiles as the workspace does:
// examples/hello/image_test.yaml, not the runfiles tree's absolute path.
func displayName(file string) string {
	if _, after, ok := strings.Cut(file, ".runfiles/"); ok {
		return strings.TrimPrefix(after, "_main/")
	}
	return file
}
