"""LayerInfo: one layer written by the scratch tool."""

LayerInfo = provider(
    doc = "A reproducible, compressed layer and what the image action needs to know about it.",
    fields = {
        "blob": "File: the compressed layer (`application/vnd.oci.image.layer.v1.tar+gzip` or `+zstd`, as its descriptor says).",
        "descriptor": "File: JSON with the blob's `digest`, `size`, `mediaType` and uncompressed `diffID`.",
        "created_by": "string: the text recorded for this layer in the image history.",
        "packages": "list of string: JSON of each package the layer holds, for the image's SBOM: Go binaries with their modules, the scratch essentials, merged tars. Its files' paths and digests are in the descriptor.",
    },
)
