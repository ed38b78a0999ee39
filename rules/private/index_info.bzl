"""IndexInfo: an OCI image index written by the scratch tool."""

IndexInfo = provider(
    doc = "A multi-platform OCI image index built from scratch.",
    fields = {
        "layout": "File (directory): the OCI layout whose index.json names the index; every platform's blobs, each stored once.",
        "tarball": "File: the layout as one tar, whose `manifest.json` names the image of `tarball_platform` for `docker load`. Built only when something asks for it.",
        "digest": "File: the index digest, `sha256:<hex>`, without a newline.",
        "sbom": "File: the index's SBOM (SPDX 2.3 JSON, or CycloneDX 1.6 JSON as `sbom_format` says): the index CONTAINS each platform's image, each described in full.",
        "platform_sboms": "list of File: each platform's image SBOM, in `platforms` order.",
        "platform_provenances": "list of File: each platform's image provenance, in `platforms` order.",
        "provenance": "File: the index's SLSA provenance v1, whose subjects are the index (named by its first repo tag) and each platform's manifest (named by its platform, `linux/arm64/v8`).",
        "repo_tags": "list of string: the index's names (`repository:tag`).",
        "platforms": "list of string: the platforms of the index's images (`linux/arm64/v8`), in index order.",
        "tarball_platform": "string: the platform whose image the tarball's `manifest.json` names.",
    },
)
