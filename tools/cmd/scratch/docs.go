package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/rules-scratch/rules_scratch/tools/docs"
)

func runDocs(args []string) error {
	fs := flag.NewFlagSet("docs", flag.ContinueOnError)
	moduleInfo := fs.String("module_info", "", "the binary ModuleInfo proto starlark_doc_extract wrote for the public .bzl file")
	loadFrom := fs.String("load_from", "@rules_scratch//rules:defs.bzl", "the label users load the symbols from")
	outDir := fs.String("out_dir", "", "where to write the pages")
	var pages repeated
	fs.Var(&pages, "page", "FILE=Title:symbol,symbol: a page of those symbols (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *moduleInfo == "" || *outDir == "" || len(pages) == 0 || fs.NArg() > 0 {
		return fmt.Errorf("usage: scratch docs --module_info FILE --out_dir DIR --page FILE=Title:symbol,... [--load_from LABEL]")
	}
	data, err := os.ReadFile(*moduleInfo)
	if err != nil {
		return err
	}
	symbols, err := docs.Decode(data)
	if err != nil {
		return fmt.Errorf("%s: %w", *moduleInfo, err)
	}
	for _, spec := range pages {
		page, err := docs.ParsePage(spec)
		if err != nil {
			return err
		}
		f, err := os.Create(filepath.Join(*outDir, page.File))
		if err != nil {
			return err
		}
		if err := docs.Render(f, page, symbols, *loadFrom); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
