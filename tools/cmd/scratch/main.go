// Command scratch is the one tool behind rules_scratch: one verb per job, each
// with its own flags, run by the rules as ordinary Bazel actions.
//
//	scratch layer --entry JSON... [--compression zstd] --output layer.tar.gz --descriptor layer.json
//	scratch image --config JSON --layer JSON... --layout DIR --digest image.digest
//	scratch index --image DIR... --layout DIR --digest index.digest
//	scratch sbom --image JSON [--go_sum go.sum] --output image.spdx.json
//	scratch provenance --image JSON... [--subject NAME=DIGEST_FILE...] --target LABEL [--status FILE...] --output image.provenance.json
//	scratch tarball --layout DIR --repo_tag REF... [--platform linux/amd64] --output image.tar
//	scratch push --layout DIR --repository REPO [--tag TAG...] [--attach TYPE=FILE...] [--sign_key KEY...]
//	scratch load --tarball image.tar --layout DIR [--tag REF...] [--runtime podman|docker]
//	scratch test --image LAYOUT --config tests.yaml... [--static] [--commands run|skip]   (exit 0 passed, 1 failed)
//	scratch diff [--json] A B   (exit 0 identical, 1 different, 2 error)
//	scratch verify REF --key cosign.pub... [--image LAYOUT]   (exit 0 verified, 1 not, 2 error)
//	scratch lock --lock digests.lock.json --image NAME=LAYOUT... [--update_path PATH]
//	scratch docs --module_info FILE --out_dir DIR --page FILE=Title:symbol,symbol...
//	scratch cacerts --output ca-certificates.crt
//	scratch tzdata --go_source zzipdata.go --output_dir zoneinfo
//
// An argument "@FILE" is replaced by the lines of FILE, one argument a line
// (Bazel's "multiline" params file), so argument lists of any length work.
package main

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
)

type verb struct {
	summary string
	run     func(args []string) error
}

var verbs = map[string]verb{
	"layer":      {"write one reproducible layer (tar+gzip) and its descriptor", runLayer},
	"image":      {"write an image's config and manifest as an OCI layout (linking the layers) and its digest", runImage},
	"index":      {"write an OCI index of single-platform images as an OCI layout (linking the blobs) and its digest", runIndex},
	"sbom":       {"write an image's SBOM (SPDX 2.3 JSON) from its layers' descriptors and the Go modules Bazel linked", runSBOM},
	"provenance": {"write the SLSA provenance v1 (an in-toto Statement) of an image or index", runProvenance},
	"tarball":    {"write an OCI layout as one tar that podman load, docker load and skopeo read", runTarball},
	"push":       {"push an OCI layout's image or index to a registry; print REPOSITORY@sha256:...", runPush},
	"load":       {"load an image into podman or docker; print each name and image id", runLoad},
	"verify":     {"check a pushed image's signatures and attestations with public keys, and that it is the local build; exit 0 if verified, 1 if not, 2 on error", runVerify},
	"test":       {"run container-structure-test YAML and the scratch checks against an image, without a container runtime; exit 1 if a test fails", runTest},
	"diff":       {"explain how two images or indexes differ, down to each file; exit 0 if identical, 1 if not, 2 on error", runDiff},
	"lock":       {"check images against a digest lock (exit 1 explaining what changed), or rewrite it", runLock},
	"docs":       {"write the rules' reference pages (Markdown) from the docstrings of their .bzl files", runDocs},
	"cacerts":    {"write the Mozilla root certificates (from golang.org/x/crypto/x509roots/fallback) as a PEM bundle", runCACerts},
	"tzdata":     {"write the Go SDK's time zone database as zoneinfo files", runTzdata},
}

func main() {
	removeTemporariesOnSignal()
	usePrivateTempDir()
	err := runRemovingTemporaries(os.Args[1:])
	if err == nil {
		return
	}
	var exit exitError
	if !errors.As(err, &exit) {
		exit = exitError{1, err}
	}
	if exit.err != nil {
		fmt.Fprintf(os.Stderr, "scratch: %v\n", err)
	}
	os.Exit(exit.code)
}

// runRemovingTemporaries runs a verb and removes its temporaries, even
// when it panics.
func runRemovingTemporaries(args []string) error {
	defer removeTemporaries()
	return run(args)
}

func run(args []string) error {
	args, err := expandParamFiles(args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return fmt.Errorf("no verb given\n%s", usage())
	}
	v, ok := verbs[args[0]]
	if !ok {
		return fmt.Errorf("unknown verb %q\n%s", args[0], usage())
	}
	if err := v.run(args[1:]); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	return nil
}

func usage() string {
	names := make([]string, 0, len(verbs))
	for name := range verbs {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: scratch VERB [flags]; verbs:\n")
	for _, name := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", name, verbs[name].summary)
	}
	return b.String()
}

// expandParamFiles replaces each "@FILE" argument by FILE's lines.
func expandParamFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if !strings.HasPrefix(a, "@") {
			out = append(out, a)
			continue
		}
		data, err := os.ReadFile(a[1:])
		if err != nil {
			return nil, fmt.Errorf("reading params file: %w", err)
		}
		text := strings.TrimSuffix(string(data), "\n")
		if text != "" {
			out = append(out, strings.Split(text, "\n")...)
		}
	}
	return out, nil
}

// repeated is a flag that may be given many times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, " ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }
