package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/rules-scratch/rules_scratch/tools/essentials"
)

func runCACerts(args []string) error {
	fs := flag.NewFlagSet("cacerts", flag.ContinueOnError)
	output := fs.String("output", "", "where to write the PEM bundle")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *output == "" {
		return fmt.Errorf("--output is required")
	}
	_, err := writeOutput(*output, func(f *os.File) (int, error) { return essentials.WriteCACertificates(f) })
	return err
}

func runTzdata(args []string) error {
	fs := flag.NewFlagSet("tzdata", flag.ContinueOnError)
	goSource := fs.String("go_source", "", "the Go SDK's src/time/tzdata/zzipdata.go")
	outputDir := fs.String("output_dir", "", "the directory to write the zone files to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *goSource == "" || *outputDir == "" {
		return fmt.Errorf("--go_source and --output_dir are required")
	}
	data, err := essentials.ZoneinfoZip(*goSource)
	if err != nil {
		return err
	}
	_, err = essentials.WriteZoneinfo(data, *outputDir)
	return err
}
