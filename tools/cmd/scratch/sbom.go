package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/rules-scratch/rules_scratch/tools/layer"
	"github.com/rules-scratch/rules_scratch/tools/sbom"
)

// sbomImage is an image as the rules describe it to the sbom and provenance
// verbs: files are paths, packages what the rules know of each layer.
type sbomImage struct {
	Name     string      `json:"name"`
	Digest   string      `json:"digest"`
	Platform v1.Platform `json:"platform"`
	Created  int64       `json:"created"`
	Layers   []struct {
		Descriptor string         `json:"descriptor"`
		CreatedBy  string         `json:"created_by"`
		Packages   []sbom.Package `json:"packages"`
	} `json:"layers"`
}

const sbomImageUsage = `an image as JSON: {"name":"repo:tag","digest":"image.digest","platform":{"os":"linux","architecture":"amd64"},"created":0,"layers":[{"descriptor":"l.json","created_by":"...","packages":[...]}]}`

func readDigest(file string) (v1.Hash, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return v1.Hash{}, err
	}
	h, err := v1.NewHash(strings.TrimSpace(string(raw)))
	if err != nil {
		return v1.Hash{}, fmt.Errorf("%s: %w", file, err)
	}
	return h, nil
}

// loadImage reads an --image flag's value and the files it names.
func loadImage(raw string) (*sbom.Image, error) {
	var in sbomImage
	if err := decodeStrict(raw, &in); err != nil {
		return nil, fmt.Errorf("bad --image %s: %w", raw, err)
	}
	if in.Name == "" || in.Digest == "" {
		return nil, fmt.Errorf("bad --image %s: it needs a name and a digest file", raw)
	}
	img := &sbom.Image{Name: in.Name, Platform: in.Platform, Created: in.Created}
	var err error
	if img.Digest, err = readDigest(in.Digest); err != nil {
		return nil, err
	}
	for _, l := range in.Layers {
		data, err := os.ReadFile(l.Descriptor)
		if err != nil {
			return nil, err
		}
		var desc layer.Descriptor
		if err := json.Unmarshal(data, &desc); err != nil {
			return nil, fmt.Errorf("%s: %w", l.Descriptor, err)
		}
		img.Layers = append(img.Layers, sbom.Layer{Descriptor: desc, CreatedBy: l.CreatedBy, Packages: l.Packages})
	}
	return img, nil
}

func loadSums(file string) (sbom.Sums, error) {
	if file == "" {
		return sbom.Sums{}, nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sums, err := sbom.ReadSums(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return sums, nil
}

func runSBOM(args []string) error {
	fs := flag.NewFlagSet("sbom", flag.ContinueOnError)
	var images repeated
	fs.Var(&images, "image", sbomImageUsage+" (repeatable with --index)")
	index := fs.String("index", "", "NAME=DIGEST_FILE: write the SBOM of this index of the --image")
	created := fs.Int64("created", 0, "with --index: the index's created time, in seconds since the epoch")
	goSum := fs.String("go_sum", "", "a go.sum whose h1 hashes the SBOM gives for modules (optional)")
	format := fs.String("format", "spdx", "spdx (SPDX 2.3 JSON) or cyclonedx (CycloneDX 1.6 JSON)")
	output := fs.String("output", "", "file to write the document to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *format != "spdx" && *format != "cyclonedx" {
		return fmt.Errorf("--format %q: use spdx or cyclonedx", *format)
	}
	if len(images) == 0 || *output == "" {
		return fmt.Errorf("--image and --output are required")
	}
	if len(images) > 1 && *index == "" {
		return fmt.Errorf("several --image need --index")
	}
	imgs, err := loadImages(images)
	if err != nil {
		return err
	}
	sums, err := loadSums(*goSum)
	if err != nil {
		return err
	}
	for _, img := range imgs {
		for _, w := range img.Warnings() {
			fmt.Fprintf(os.Stderr, "scratch sbom: warning: %s\n", w)
		}
	}
	var doc []byte
	if *index != "" {
		subject, err := parseSubject(*index)
		if err != nil {
			return fmt.Errorf("bad --index: %w", err)
		}
		doc, err = sbom.IndexSPDX(&sbom.Index{Name: subject.Name, Digest: subject.Digest, Created: *created, Images: imgs}, sums)
		if err != nil {
			return err
		}
	} else if doc, err = sbom.SPDX(imgs[0], sums); err != nil {
		return err
	}
	if *format == "cyclonedx" {
		if doc, err = sbom.CycloneDX(doc); err != nil {
			return err
		}
	}
	_, err = writeOutput(*output, func(f *os.File) (int, error) { return f.Write(doc) })
	return err
}

func loadImages(flags []string) ([]*sbom.Image, error) {
	var imgs []*sbom.Image
	for _, raw := range flags {
		img, err := loadImage(raw)
		if err != nil {
			return nil, err
		}
		imgs = append(imgs, img)
	}
	return imgs, nil
}

// parseSubject reads NAME=DIGEST_FILE.
func parseSubject(s string) (sbom.Subject, error) {
	name, file, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return sbom.Subject{}, fmt.Errorf("%q: want NAME=DIGEST_FILE", s)
	}
	h, err := readDigest(file)
	return sbom.Subject{Name: name, Digest: h}, err
}

func runProvenance(args []string) error {
	fs := flag.NewFlagSet("provenance", flag.ContinueOnError)
	var images, subjects repeated
	fs.Var(&images, "image", sbomImageUsage+" (repeatable: an index's images)")
	fs.Var(&subjects, "subject", "NAME=DIGEST_FILE, an artifact the provenance is about (repeatable; default: the one --image)")
	target := fs.String("target", "", "the Bazel label of the image or index")
	builderID := fs.String("builder_id", sbom.DefaultBuilderID, "runDetails.builder.id")
	var statusFiles repeated
	fs.Var(&statusFiles, "status", "a Bazel workspace status file of a stamped build (repeatable): STABLE_GIT_COMMIT, STABLE_GIT_URL, BUILD_TIMESTAMP")
	goSum := fs.String("go_sum", "", "a go.sum whose h1 hashes give modules' dirHash digests (optional)")
	output := fs.String("output", "", "file to write the in-toto Statement to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(images) == 0 || *target == "" || *output == "" {
		return fmt.Errorf("--image, --target and --output are required")
	}
	imgs, err := loadImages(images)
	if err != nil {
		return err
	}
	var subs []sbom.Subject
	for _, s := range subjects {
		subject, err := parseSubject(s)
		if err != nil {
			return fmt.Errorf("bad --subject: %w", err)
		}
		subs = append(subs, subject)
	}
	if len(subs) == 0 {
		if len(imgs) != 1 {
			return fmt.Errorf("several --image need --subject")
		}
		subs = []sbom.Subject{{Name: imgs[0].Name, Digest: imgs[0].Digest}}
	}
	build := sbom.Build{Target: *target, BuilderID: *builderID}
	status, err := readStatus(statusFiles)
	if err != nil {
		return err
	}
	build.Commit, build.SourceURI = status["STABLE_GIT_COMMIT"], status["STABLE_GIT_URL"]
	if ts := status["BUILD_TIMESTAMP"]; ts != "" {
		if build.StartedOn, err = strconv.ParseInt(ts, 10, 64); err != nil {
			return fmt.Errorf("workspace status: BUILD_TIMESTAMP %q is not seconds since the epoch", ts)
		}
	}
	sums, err := loadSums(*goSum)
	if err != nil {
		return err
	}
	doc, err := sbom.Provenance(build, sums, subs, imgs...)
	if err != nil {
		return err
	}
	_, err = writeOutput(*output, func(f *os.File) (int, error) { return f.Write(doc) })
	return err
}
