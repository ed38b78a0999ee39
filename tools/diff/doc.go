// Package diff explains how two images, or two indexes, differ: index and
// manifest, config field by field, layers added, removed or changed, and in
// each changed layer, path by path, what changed (content, type, mode,
// owner, names, mtime, link target, PAX records). Equal content under
// another compression is told apart from a change. Images come from OCI
// layouts, tarballs (OCI layout archives or docker archives) or registries,
// whoever wrote them.
package diff
