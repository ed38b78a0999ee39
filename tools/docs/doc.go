// Package docs writes the rules' reference pages from their docstrings.
//
// It evaluates the public .bzl file with a Starlark interpreter that
// records what rule, attr.*, provider and aspect declare, and renders
// Markdown. Bazel's own starlark_doc_extract (which stardoc uses) needs a
// bzl_library for every .bzl file loaded, transitively; rules_license
// exports its providers.bzl to no one, so no bzl_library can hold it, and
// the rules load it (go_deps' package_info is how an SBOM knows the Go
// modules). Loads of other repositories here get stand-ins: documentation
// needs only what the rules declare.
package docs
