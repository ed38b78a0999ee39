"""LayerInfo: one layer written by the scratch tool."""

LayerInfo = provider(
    doc = "A reproducible, compressed layer and what the image action needs to know about it.",
    fields = {
        "blob": "File: the compressed layer (`application/vnd.oci.image.layer.v1.tar+gzip` or `+zstd`, as its descriptor says).",
        "descriptor": "File: JSON with the blob's `digest`, `size`, `mediaType` and uncompressed `diffID`.",
        "created_by": "string: the text recorded for this layer in the image history.",
    },
)
