// Package sbom writes an image's software bill of materials (SPDX 2.3 JSON)
// from what the rules know and the layers' descriptors, never from the
// layers' bytes: the image, its layers and every regular file they hold,
// each Go binary with the Go modules Bazel linked into it (rules_go records
// none in the binary, so scanners cannot find them there), the standard
// library, the scratch essentials and merged root file systems.
//
// Every identifier is derived from content and every list is sorted, so the
// document is byte-identical wherever and whenever it is written.
package sbom
