package image

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/rules-scratch/rules_scratch/tools/layer"
)

// Config is what the rules ask of an image: the platform and the runtime
// configuration. Field names follow the rules' attributes.
type Config struct {
	OS           string            `json:"os"`
	Architecture string            `json:"architecture"`
	Variant      string            `json:"variant,omitempty"`
	Entrypoint   []string          `json:"entrypoint,omitempty"`
	Cmd          []string          `json:"cmd,omitempty"`
	Env          []string          `json:"env,omitempty"`
	WorkingDir   string            `json:"workdir,omitempty"`
	User         string            `json:"user,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	// ExposedPorts are "port/protocol" strings, such as "8080/tcp".
	ExposedPorts []string `json:"exposed_ports,omitempty"`
	Volumes      []string `json:"volumes,omitempty"`
	StopSignal   string   `json:"stop_signal,omitempty"`
	// Annotations go into the manifest, not the config.
	Annotations map[string]string `json:"annotations,omitempty"`
	// Created is the image's creation time in seconds since the Unix epoch,
	// fixed so that it never depends on when the build ran.
	Created int64 `json:"created"`
}

// Layer is a layer blob on disk together with its descriptor.
type Layer struct {
	// Blob is the path of the compressed layer.
	Blob string `json:"blob"`
	// Descriptor is the path of the JSON descriptor written with it.
	Descriptor string `json:"descriptor"`
	// CreatedBy is recorded in the image history.
	CreatedBy string `json:"created_by"`
}

// blob is content addressed by its digest.
type blob struct {
	desc v1.Descriptor
	data []byte // nil when the content is in file
	file string
}

// Image is an assembled image, ready to be written.
type Image struct {
	manifest blob
	config   blob
	layers   []blob
	platform v1.Platform
	command  []string           // the entrypoint, or else the cmd
	facts    []layer.Descriptor // of each layer, bottom first
	origins  []string           // each layer's created_by
}

// Digest is the digest of the image manifest, which names the image.
func (img *Image) Digest() v1.Hash { return img.manifest.desc.Digest }

// Build assembles the config and the manifest of an image made of layers,
// bottom first.
func Build(cfg Config, layers []Layer) (*Image, error) {
	if cfg.OS == "" || cfg.Architecture == "" {
		return nil, fmt.Errorf("the image needs an os and an architecture (got %q/%q)", cfg.OS, cfg.Architecture)
	}
	created := v1.Time{Time: time.Unix(cfg.Created, 0).UTC()}
	file := v1.ConfigFile{
		Architecture: cfg.Architecture,
		OS:           cfg.OS,
		Variant:      cfg.Variant,
		Created:      created,
		RootFS:       v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{}},
		Config: v1.Config{
			Entrypoint: cfg.Entrypoint,
			Cmd:        cfg.Cmd,
			Env:        cfg.Env,
			WorkingDir: cfg.WorkingDir,
			User:       cfg.User,
			Labels:     cfg.Labels,
			StopSignal: cfg.StopSignal,
		},
	}
	for _, port := range cfg.ExposedPorts {
		if file.Config.ExposedPorts == nil {
			file.Config.ExposedPorts = map[string]struct{}{}
		}
		file.Config.ExposedPorts[port] = struct{}{}
	}
	for _, volume := range cfg.Volumes {
		if file.Config.Volumes == nil {
			file.Config.Volumes = map[string]struct{}{}
		}
		file.Config.Volumes[volume] = struct{}{}
	}
	img := &Image{platform: v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}, command: cfg.Entrypoint}
	if len(img.command) == 0 {
		img.command = cfg.Cmd
	}
	var layerDescs []v1.Descriptor
	for _, l := range layers {
		desc, err := readDescriptor(l.Descriptor)
		if err != nil {
			return nil, err
		}
		file.RootFS.DiffIDs = append(file.RootFS.DiffIDs, desc.DiffID)
		file.History = append(file.History, v1.History{Created: created, CreatedBy: l.CreatedBy})
		d := v1.Descriptor{MediaType: desc.MediaType, Size: desc.Size, Digest: desc.Digest}
		layerDescs = append(layerDescs, d)
		img.layers = append(img.layers, blob{desc: d, file: l.Blob})
		img.facts = append(img.facts, desc)
		img.origins = append(img.origins, l.CreatedBy)
	}
	configJSON, err := json.Marshal(file)
	if err != nil {
		return nil, err
	}
	img.config = newBlob(types.OCIConfigJSON, configJSON)
	manifest := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        img.config.desc,
		Layers:        layerDescs,
		Annotations:   cfg.Annotations,
	}
	if manifest.Layers == nil {
		manifest.Layers = []v1.Descriptor{}
	}
	manifestJSON, err := json.Marshal(manifest)
	if err != nil {
		return nil, err
	}
	img.manifest = newBlob(types.OCIManifestSchema1, manifestJSON)
	return img, nil
}

func readDescriptor(path string) (layer.Descriptor, error) {
	var d layer.Descriptor
	data, err := os.ReadFile(path)
	if err != nil {
		return d, fmt.Errorf("reading layer descriptor: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return d, fmt.Errorf("layer descriptor %s: %w", path, err)
	}
	if (d.MediaType != types.OCILayer && d.MediaType != types.OCILayerZStd) || d.Digest.Algorithm != "sha256" || d.DiffID.Algorithm != "sha256" || d.Size <= 0 {
		return d, fmt.Errorf("layer descriptor %s is incomplete: %s; rebuild the layer with the same version of the tool", path, data)
	}
	return d, nil
}

func newBlob(mt types.MediaType, data []byte) blob {
	sum := sha256.Sum256(data)
	return blob{
		desc: v1.Descriptor{
			MediaType: mt,
			Size:      int64(len(data)),
			Digest:    v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])},
		},
		data: data,
	}
}
