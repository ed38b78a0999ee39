// Command attestcheck validates SLSA provenance files with in-toto's own
// Go bindings (github.com/in-toto/attestation): each file must be an in-toto
// Statement v1 whose predicate is a SLSA provenance v1, with no field the
// protos do not define, and pass their Validate methods. It prints each
// statement's subjects, "NAME sha256:HEX" a line, for the caller to compare.
//
//	attestcheck FILE...
package main

import (
	"fmt"
	"os"
	"sort"

	provenance "github.com/in-toto/attestation/go/predicates/provenance/v1"
	attestation "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

func check(file string) ([]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	// protojson rejects fields the protos do not define.
	var st attestation.Statement
	if err := protojson.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("not an in-toto Statement v1: %w", err)
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("invalid in-toto Statement: %w", err)
	}
	if st.GetPredicateType() != "https://slsa.dev/provenance/v1" {
		return nil, fmt.Errorf("predicateType %q, want https://slsa.dev/provenance/v1", st.GetPredicateType())
	}
	raw, err := protojson.Marshal(st.GetPredicate())
	if err != nil {
		return nil, err
	}
	var p provenance.Provenance
	if err := protojson.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("not a SLSA provenance v1 predicate: %w", err)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("invalid SLSA provenance v1: %w", err)
	}
	var subjects []string
	for _, s := range st.GetSubject() {
		subjects = append(subjects, s.GetName()+" sha256:"+s.GetDigest()["sha256"])
	}
	sort.Strings(subjects)
	return subjects, nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: attestcheck FILE...")
		os.Exit(2)
	}
	for _, file := range os.Args[1:] {
		subjects, err := check(file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			os.Exit(1)
		}
		for _, s := range subjects {
			fmt.Println(s)
		}
	}
}
