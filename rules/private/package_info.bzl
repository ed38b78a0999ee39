"""ScratchPackageInfo: what a target put in an image is, for the image's SBOM."""

ScratchPackageInfo = provider(
    doc = "A package an SBOM names for the files a target puts in a layer (the scratch essentials give one).",
    fields = {
        "name": "string: the package's name, such as \"ca-certificates\".",
        "version": "string: its version, or \"\" when it has none of its own.",
        "purl": "string: its package URL, or \"\".",
        "source": "string: JSON `{path, version}` of the Go module (or `stdlib`) it is generated from, or \"\".",
        "comment": "string: how the rules made it.",
    },
)
