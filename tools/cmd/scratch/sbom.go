package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-scratch/rules_scratch/tools/layer"
	"github.com/rules-scratch/rules_scratch/tools/sbom"
)

// sbomLayer is a layer as the rules describe it to the sbom verb.
type sbomLayer struct {
	Descriptor string         `json:"descriptor"`
	CreatedBy  string         `json:"created_by"`
	Packages   []sbom.Package `json:"packages"`
}

func runSBOM(args []string) error {
	fs := flag.NewFlagSet("sbom", flag.ContinueOnError)
	name := fs.String("name", "", "the image's name (its first repository:tag)")
	digestFile := fs.String("digest", "", "the file holding the image's manifest digest, as the image verb writes it")
	platform := fs.String("platform", "", "the image's platform as JSON: "+`{"os":"linux","architecture":"amd64","variant":""}`)
	created := fs.Int64("created", 0, "the image's created time, in seconds since the epoch")
	var layers repeated
	fs.Var(&layers, "layer", "a layer as JSON, bottom first (repeatable): "+`{"descriptor":"l.json","created_by":"...","packages":[...]}`)
	goSum := fs.String("go_sum", "", "a go.sum whose h1 hashes the SBOM gives for modules (optional)")
	output := fs.String("output", "", "file to write the SPDX 2.3 JSON document to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" || *digestFile == "" || *output == "" {
		return fmt.Errorf("--name, --digest and --output are required")
	}
	img := sbom.Image{Name: *name, Created: *created}
	raw, err := os.ReadFile(*digestFile)
	if err != nil {
		return err
	}
	if img.Digest, err = v1.NewHash(strings.TrimSpace(string(raw))); err != nil {
		return fmt.Errorf("%s: %w", *digestFile, err)
	}
	if *platform != "" {
		if err := decodeStrict(*platform, &img.Platform); err != nil {
			return fmt.Errorf("bad --platform: %w", err)
		}
	}
	for _, raw := range layers {
		var l sbomLayer
		if err := decodeStrict(raw, &l); err != nil {
			return fmt.Errorf("bad --layer %s: %w", raw, err)
		}
		data, err := os.ReadFile(l.Descriptor)
		if err != nil {
			return err
		}
		var desc layer.Descriptor
		if err := json.Unmarshal(data, &desc); err != nil {
			return fmt.Errorf("%s: %w", l.Descriptor, err)
		}
		img.Layers = append(img.Layers, sbom.Layer{Descriptor: desc, CreatedBy: l.CreatedBy, Packages: l.Packages})
	}
	sums := sbom.Sums{}
	if *goSum != "" {
		f, err := os.Open(*goSum)
		if err != nil {
			return err
		}
		sums, err = sbom.ReadSums(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *goSum, err)
		}
	}
	for _, w := range img.Warnings() {
		fmt.Fprintf(os.Stderr, "scratch sbom: warning: %s\n", w)
	}
	doc, err := sbom.SPDX(&img, sums)
	if err != nil {
		return err
	}
	_, err = writeOutput(*output, func(f *os.File) (int, error) { return f.Write(doc) })
	return err
}
