"""GoModulesInfo: the Go modules linked into a binary, from Bazel's graph."""

GoModulesInfo = provider(
    doc = "What go_modules_aspect collects below a Go binary or library.",
    fields = {
        "main": "string: JSON `{path, version, stdlib}` of the binary's main module (path \"\" when unknown) and Go version; \"\" below a binary.",
        "modules": "depset of string: JSON `{path, version, repo}` of each module of another repository whose Go code is linked in, by the `package_info` gazelle's go_deps attaches to the repository.",
        "unversioned": "depset of string: repositories holding linked Go code that carry no version metadata.",
    },
)
