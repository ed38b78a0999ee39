// Package layer writes reproducible OCI image layers.
//
// A layer is described as a list of [Entry] values: files, directories,
// symlinks and hardlinks, plus directory trees and tar archives that expand
// into those. [Write] turns them into a compressed tar stream (gzip, or zstd
// with [WithCompression]) whose bytes depend on nothing but the entries and
// the options: entries are sorted by path, missing parent directories are
// added, every modification time is the same fixed instant, owners are 0:0
// with empty names unless an entry says otherwise, and the gzip header
// carries no name and no time. Entries that could escape the image root,
// clash, or (with [WithStaticCheck]) cannot run in an empty image are refused
// with an error naming them. The returned [Descriptor] lists the layer's
// executables and symlinks, for the image's entrypoint check.
//
// Each source file is read exactly once: the tar stream is hashed (the layer's
// diff_id) and compressed on the way, and the compressed stream is hashed (the
// layer's digest) as it is written. Tar archives are spooled uncompressed
// once, as their entries are written in sorted order. Compression runs in
// parallel on fixed-size blocks (gzip) or frames (zstd), so the output is
// byte-identical whatever the number of cores.
package layer
