"""The top-level folders of the main repository, so that Go binaries record the same source paths wherever actions run.

rules_go compiles with `-trimpath=<working directory>`. An executor that runs
each action at the root "/" of a sandbox (buildbox's bubblewrap runner,
Buildbarn's chroot mode) trims nothing there, since "/" is no path prefix
the Go compiler matches, and the binary records `/app/main.go` where a local
build records `app/main.go`. A rewrite `app=>app` for every top-level entry
of the execution root gives both the same path; this module extension lists
the entries of the main repository's top (`bazel-out` and `external` are
the execution root's own).

For SBOMs, it also gives the main module's path (`module` of the root's
go.mod) and a copy of the root's go.sum, whose h1 checksums the SBOM lists.
"""

# Top-level files that can be sources of a pure Go package.
_SOURCE_SUFFIXES = (".go", ".s", ".S")

def _is_source_root(entry, ignored):
    name = entry.basename
    if name.startswith(".") or name.startswith("bazel-") or name in ignored:
        return False

    # ";" separates the compiler's rewrites and "=>" splits one.
    if ";" in name or "=" in name:
        return False
    return entry.is_dir or name.endswith(_SOURCE_SUFFIXES)

def _bazelignored(mctx, root):
    ignore = root.get_child(".bazelignore")
    if not ignore.exists:
        return []
    lines = [line.strip() for line in mctx.read(ignore, watch = "yes").splitlines()]
    return [line.rstrip("/") for line in lines if line and not line.startswith("#")]

def _source_roots_repository_impl(rctx):
    rctx.file("BUILD.bazel", 'exports_files(["go.sum", "roots.bzl"])\n')
    rctx.file("go.sum", rctx.attr.go_sum)
    rctx.file("roots.bzl", "\n".join([
        '"""The top-level source folders and files of the main repository, listed by rules_scratch."""',
        "",
        "SOURCE_ROOTS = %r" % rctx.attr.roots,
        "",
        "MAIN_GO_MODULE = %r" % rctx.attr.main_go_module,
        "",
    ]))

_source_roots_repository = repository_rule(
    implementation = _source_roots_repository_impl,
    attrs = {
        "roots": attr.string_list(),
        "main_go_module": attr.string(),
        "go_sum": attr.string(),
    },
)

def _read_if_exists(mctx, path):
    return mctx.read(path, watch = "yes") if path.exists else ""

def _module_path(go_mod):
    for line in go_mod.splitlines():
        words = [w for w in line.split("//")[0].replace("\t", " ").split(" ") if w]
        if len(words) == 2 and words[0] == "module":
            return words[1].strip('"`')
    return ""

def _source_roots_impl(mctx):
    roots, main_go_module, go_sum = [], "", ""
    module_file = mctx.path(Label("@@//:MODULE.bazel"))
    if module_file.exists:
        root = module_file.dirname
        ignored = _bazelignored(mctx, root)
        roots = sorted([e.basename for e in root.readdir(watch = "yes") if _is_source_root(e, ignored)])
        main_go_module = _module_path(_read_if_exists(mctx, root.get_child("go.mod")))
        go_sum = _read_if_exists(mctx, root.get_child("go.sum"))
    _source_roots_repository(name = "rules_scratch_source_roots", roots = roots, main_go_module = main_go_module, go_sum = go_sum)

    # The listing is a fact of the checkout, not something to lock.
    return mctx.extension_metadata(reproducible = True)

source_roots = module_extension(
    implementation = _source_roots_impl,
    doc = "Lists the main repository's top-level folders (and Go files) for go_scratch_image's `-trimpath`, and reads its go.mod's module path and its go.sum for SBOMs.",
)
