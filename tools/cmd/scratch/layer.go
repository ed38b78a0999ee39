package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/rules-scratch/rules_scratch/tools/layer"
)

func runLayer(args []string) error {
	fs := flag.NewFlagSet("layer", flag.ContinueOnError)
	var entries repeated
	fs.Var(&entries, "entry", "a layer entry as JSON (repeatable), e.g. "+`{"kind":"file","path":"/app/hello","src":"hello","mode":493}`)
	mtime := fs.Int64("mtime", 0, "modification time of every entry, in seconds since the Unix epoch")
	requireStatic := fs.String("require_static", "", "refuse executable ELF files that are dynamically linked or not built for this architecture (amd64, arm64, ...)")
	output := fs.String("output", "", "where to write the compressed layer")
	descriptor := fs.String("descriptor", "", "where to write the layer's descriptor (JSON)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *output == "" || *descriptor == "" {
		return fmt.Errorf("--output and --descriptor are required")
	}
	var es []layer.Entry
	for _, raw := range entries {
		var e layer.Entry
		if err := decodeStrict(raw, &e); err != nil {
			return fmt.Errorf("bad --entry %s: %w", raw, err)
		}
		es = append(es, e)
	}
	desc, err := writeOutput(*output, func(f *os.File) (layer.Descriptor, error) {
		opts := []layer.Option{layer.WithModTime(time.Unix(*mtime, 0))}
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

// writeOutput creates path and fills it with write; on failure it removes
// the file so that no partial output is left behind.
func writeOutput[T any](path string, write func(*os.File) (T, error)) (T, error) {
	f, err := os.Create(path)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return v, err
}

func writeJSON(path string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
