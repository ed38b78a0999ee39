// Package docs writes the rules' reference pages from their docstrings.
//
// Its input is what stardoc renders: the ModuleInfo proto Bazel's own
// starlark_doc_extract writes for a .bzl file. stardoc's renderer is a Java
// binary, and a java_binary needs rules_java's remote JDK and java_tools,
// which the machines CI runs on cannot download; a Go renderer of the same
// proto needs nothing more than the scratch tool. The proto is read with
// protowire by field number, skipping what the pages do not show.
package docs
