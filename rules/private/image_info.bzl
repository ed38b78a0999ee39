"""ImageInfo: an image written by the scratch tool."""

ImageInfo = provider(
    doc = "A single-platform OCI image built from scratch.",
    fields = {
        "layout": "File (directory): the OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/...`); its layer blobs are hard links of the layer files.",
        "tarball": "File: one tar that is both an OCI layout archive and a `docker load` / `podman load` archive. Not among the default outputs: Bazel builds it only for a rule or output group that asks for it.",
        "repo_tags": "list of string: the image's names (`repository:tag`).",
        "digest": "File: the manifest digest, `sha256:<hex>`, without a newline.",
        "sbom": "File: the image's SBOM: SPDX 2.3 JSON (`<name>.spdx.json`), or CycloneDX 1.6 JSON (`<name>.cdx.json`) as `sbom_format` says.",
        "provenance": "File: the image's SLSA provenance v1, an in-toto Statement v1 (unsigned).",
        "sbom_image": "struct: how the image is described to the tool's sbom and provenance verbs (`json`, `inputs`), for an index's documents.",
        "layers": "list of LayerInfo: the image's layers, bottom first.",
        "config": "dict: the configuration the image was written with (platform, entrypoint, cmd, env, ...), for images that extend it with `base`.",
    },
)
