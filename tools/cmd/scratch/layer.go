package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/rules-scratch/rules_scratch/tools/layer"
)

// layerMemoryLimit is the layer verb's soft limit on the Go heap.
const layerMemoryLimit = 48 << 20

func runLayer(args []string) error {
	fs := flag.NewFlagSet("layer", flag.ContinueOnError)
	var entries repeated
	fs.Var(&entries, "entry", "a layer entry as JSON (repeatable), e.g. "+`{"kind":"file","path":"/app/hello","src":"hello","mode":493}`)
	mtime := fs.Int64("mtime", 0, "modification time of every entry, in seconds since the Unix epoch")
	compression := fs.String("compression", "gzip", "how to compress the layer: gzip or zstd")
	requireStatic := fs.String("require_static", "", "refuse executable ELF files that are dynamically linked or not built for this architecture (amd64, arm64, ...)")
	output := fs.String("output", "", "where to write the compressed layer")
	descriptor := fs.String("descriptor", "", "where to write the layer's descriptor (JSON)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *output == "" || *descriptor == "" {
		return fmt.Errorf("--output and --descriptor are required")
	}
	// The compressors hold a bounded number of fixed-size buffers (about
	// 40 MiB at most, in tools/layer/compress.go); a soft limit makes the
	// garbage collector run before the heap doubles past them, so the verb
	// stays under 64 MiB whatever the size of its inputs.
	debug.SetMemoryLimit(layerMemoryLimit)
	var es []layer.Entry
	for _, raw := range entries {
		var e layer.Entry
		if err := decodeStrict(raw, &e); err != nil {
			return fmt.Errorf("bad --entry %s: %w", raw, err)
		}
		es = append(es, e)
	}
	desc, err := writeOutput(*output, func(f *os.File) (layer.Descriptor, error) {
		opts := []layer.Option{layer.WithModTime(time.Unix(*mtime, 0)), layer.WithCompression(layer.Compression(*compression))}
		if *requireStatic != "" {
			opts = append(opts, layer.WithStaticCheck(*requireStatic))
		}
		return layer.Write(f, es, opts...)
	})
	if err != nil {
		return err
	}
	return writeJSON(*descriptor, desc)
}

// writeOutput fills a new file with write and renames it to path once
// complete: a failure leaves no partial output behind, and a file that
// another output links to is replaced, never rewritten in place.
func writeOutput[T any](path string, write func(*os.File) (T, error)) (T, error) {
	var zero T
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return zero, err
	}
	// Until renamed or removed here, it goes with the other temporaries,
	// even if write panics.
	addTemporary(f.Name())
	v, err := write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// CreateTemp makes the file 0600.
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	forgetTemporary(f.Name())
	if err != nil {
		return zero, err
	}
	return v, nil
}

func writeJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = writeOutput(path, func(f *os.File) (int, error) { return f.Write(append(data, '\n')) })
	return err
}
