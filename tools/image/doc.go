// Package image assembles reproducible OCI images from layers written by
// package layer.
//
// [Build] turns a [Config] and the layers' descriptors into an image config
// and an OCI manifest without reading any layer again. The result is written
// as an OCI image layout directory ([Image.WriteLayout]) and as one tar file
// that is both an OCI layout archive and a `docker load` / `podman load`
// archive ([Image.WriteTarball]). Every byte depends only on the inputs: JSON
// is written by encoding/json (sorted map keys), tar entries are sorted and
// carry fixed times and owners.
package image
