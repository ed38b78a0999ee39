"""go_modules_aspect: which Go modules a binary links, read off Bazel's graph.

rules_go links no module list into a binary (`go version -m` shows only the Go
version), so scanners see none. The modules are in the graph instead:
gazelle's go_deps gives every module repository a `package_info` (rules_license)
as the default metadata of its packages, with the module path and version.
"""

load("@rules_go//go:def.bzl", "GoArchive")
load("@rules_license//rules:providers.bzl", "PackageInfo")
load("@rules_scratch_source_roots//:roots.bzl", "MAIN_GO_MODULE")
load(":go_modules_info.bzl", "GoModulesInfo")

GO_TOOLCHAIN_TYPE = "@rules_go//go:toolchain"

# The attributes along which Go code is linked into a binary.
_LINK_ATTRS = ["binary", "embed", "deps"]

def _package_info(ctx):
    for target in getattr(ctx.rule.attr, "applicable_licenses", []):
        if PackageInfo in target:
            return target[PackageInfo]
    return None

def _module(info):
    """{path, version} of a go_deps package_info, or None without a version."""
    purl = getattr(info, "purl", None) or ""
    if purl.startswith("pkg:golang/") and "@" in purl:
        path, _, version = purl[len("pkg:golang/"):].rpartition("@")
        return {"path": path, "version": version}
    if info.package_name and info.package_version:
        # gazelle writes the version without its "v".
        version = info.package_version
        return {"path": info.package_name, "version": version if version.startswith("v") else "v" + version}
    return None

def go_release(ctx):
    """Returns the Go release of the rule's Go toolchain, as `go version` says it.

    Args:
      ctx: the context of a rule or aspect that declares GO_TOOLCHAIN_TYPE.

    Returns:
      "go1.26.8" (rules_go gives the SDK version with or without "go").
    """
    version = ctx.toolchains[GO_TOOLCHAIN_TYPE].sdk.version
    return version if version.startswith("go") else "go" + version

def _go_modules_aspect_impl(target, ctx):
    direct, unversioned = [], []
    main = ""
    if GoArchive in target:
        repo = target.label.workspace_name
        module = None
        if repo:
            info = _package_info(ctx)
            module = _module(info) if info else None
            if module:
                direct.append(json.encode(dict(module, repo = repo)))
            else:
                unversioned.append(repo)
        if ctx.rule.kind == "go_binary":
            if repo:
                own = module or {"path": "", "version": ""}
            else:
                # `go build` says "(devel)" for the main module of a checkout.
                own = {"path": MAIN_GO_MODULE, "version": "(devel)" if MAIN_GO_MODULE else ""}
            main = json.encode(dict(own, stdlib = go_release(ctx)))
    deps = []
    for name in _LINK_ATTRS:
        value = getattr(ctx.rule.attr, name, None)
        for dep in (value if type(value) == "list" else [value] if value else []):
            if type(dep) == "Target" and GoModulesInfo in dep:
                deps.append(dep[GoModulesInfo])
    if not main:
        for dep in deps:
            main = main or dep.main
    return [GoModulesInfo(
        main = main,
        modules = depset(direct, transitive = [d.modules for d in deps]),
        unversioned = depset(unversioned, transitive = [d.unversioned for d in deps]),
    )]

go_modules_aspect = aspect(
    implementation = _go_modules_aspect_impl,
    attr_aspects = _LINK_ATTRS,
    toolchains = [GO_TOOLCHAIN_TYPE],
    doc = "Collects GoModulesInfo below a Go binary: its main module and each module linked into it.",
)
