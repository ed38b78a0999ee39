package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/rules-scratch/rules_scratch/tools/image"
)

func runImage(args []string) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	config := fs.String("config", "", "the image configuration as JSON (see image.Config)")
	var layers, repoTags repeated
	fs.Var(&layers, "layer", "a layer as JSON, bottom first (repeatable): "+`{"blob":"l.tar.gz","descriptor":"l.json","created_by":"..."}`)
	fs.Var(&repoTags, "repo_tag", "a repository:tag to name the image; the first one's tag goes into index.json (repeatable)")
	layout := fs.String("layout", "", "directory to write the OCI image layout to; layer blobs are hard links of the layer files")
	digest := fs.String("digest", "", "file to write the manifest digest (sha256:...) to")
	checkEntrypoint := fs.Bool("check_entrypoint", true, "fail unless the entrypoint (or cmd) is an executable of the image's layers that can start")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *config == "" || *layout == "" || *digest == "" {
		return fmt.Errorf("--config, --layout and --digest are required")
	}
	var cfg image.Config
	if err := decodeStrict(*config, &cfg); err != nil {
		return fmt.Errorf("bad --config: %w", err)
	}
	var ls []image.Layer
	for _, raw := range layers {
		var l image.Layer
		if err := decodeStrict(raw, &l); err != nil {
			return fmt.Errorf("bad --layer %s: %w", raw, err)
		}
		ls = append(ls, l)
	}
	img, err := image.Build(cfg, ls)
	if err != nil {
		return err
	}
	if *checkEntrypoint {
		if err := img.CheckEntrypoint(); err != nil {
			return err
		}
	}
	if err := img.WriteLayout(*layout, repoTags); err != nil {
		return err
	}
	_, err = writeOutput(*digest, func(f *os.File) (int, error) { return f.WriteString(img.Digest().String()) })
	return err
}

func runTarball(args []string) error {
	fs := flag.NewFlagSet("tarball", flag.ContinueOnError)
	layout := fs.String("layout", "", "the OCI image layout to archive")
	var repoTags repeated
	fs.Var(&repoTags, "repo_tag", "a repository:tag to name the image in manifest.json (repeatable)")
	output := fs.String("output", "", "file to write the OCI layout / docker load archive to")
	platform := fs.String("platform", "", "of an index: the platform (os/arch[/variant]) whose image manifest.json names for docker load")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *layout == "" || *output == "" {
		return fmt.Errorf("--layout and --output are required")
	}
	_, err := writeOutput(*output, func(f *os.File) (struct{}, error) {
		return struct{}{}, image.WriteTarball(f, *layout, repoTags, *platform)
	})
	return err
}

func runIndex(args []string) error {
	fs := flag.NewFlagSet("index", flag.ContinueOnError)
	var images, repoTags repeated
	fs.Var(&images, "image", "the OCI layout of one platform's image, as the image verb writes it (repeatable, in index order)")
	fs.Var(&repoTags, "repo_tag", "a repository:tag to name the index; the first one's tag goes into index.json (repeatable)")
	layout := fs.String("layout", "", "directory to write the index's OCI layout to; blobs are hard links of the images'")
	digest := fs.String("digest", "", "file to write the index digest (sha256:...) to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(images) == 0 || *layout == "" || *digest == "" {
		return fmt.Errorf("--image, --layout and --digest are required")
	}
	ix, err := image.BuildIndex(images)
	if err != nil {
		return err
	}
	if err := ix.WriteLayout(*layout, repoTags); err != nil {
		return err
	}
	_, err = writeOutput(*digest, func(f *os.File) (int, error) { return f.WriteString(ix.Digest().String()) })
	return err
}

// decodeStrict decodes one JSON value and refuses unknown fields, so that a
// misspelt field is an error instead of a silent default.
func decodeStrict(raw string, v any) error {
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
