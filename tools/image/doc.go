// Package image assembles reproducible OCI images and indexes from layers
// written by package layer.
//
// [Build] turns a [Config] and the layers' descriptors into an image config
// and an OCI manifest without reading any layer again, and
// [Image.CheckEntrypoint] checks from the same descriptors that the image's
// command can start. [Image.WriteLayout] writes an OCI image layout whose
// layer blobs are hard links of the layer files; [BuildIndex] and
// [Index.WriteLayout] do the same for an index of single-platform images.
// [WriteTarball] archives a layout as one tar that is both an OCI layout
// archive and a `docker load` / `podman load` archive. Every byte depends
// only on the inputs: JSON is written by encoding/json (sorted map keys), tar
// entries are sorted and carry fixed times and owners.
package image
