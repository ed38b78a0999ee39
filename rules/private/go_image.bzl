"""go_scratch_image: a Go binary, built static and pure, as a scratch image."""

load("@rules_go//go:def.bzl", "go_binary")
load("@rules_scratch_source_roots//:roots.bzl", "SOURCE_ROOTS")
load(":image.bzl", "scratch_image")
load(":layer.bzl", "scratch_layer")

# The layers of //rules/essentials that go_scratch_image adds by name.
ESSENTIALS = ["ca_certificates", "tzdata", "passwd", "tmp", "nsswitch"]

_PURE = str(Label("@rules_go//go/config:pure"))
_STATIC = str(Label("@rules_go//go/config:static"))
_GC_GOOPTS = str(Label("@rules_go//go/config:gc_goopts"))

# The execution root's own top-level folders, then the main repository's.
_TRIMPATH_ROOTS = ["bazel-out", "external"] + [r for r in SOURCE_ROOTS if r not in ("bazel-out", "external")]

def trimpath_goopts(gc_goopts, roots = _TRIMPATH_ROOTS):
    """gc_goopts with a rewrite `<root>=><root>` in its -trimpath for each root.

    rules_go trims the working directory from source paths, which trims
    nothing when an executor runs the compiler at "/". It makes a relative
    rewrite prefix absolute in the working directory, so `app=>app` turns
    `<anywhere>/app/main.go` into `app/main.go`, as a local build has it.
    The result is gc_goopts itself when its -trimpath already has every
    root (as a .bazelrc can give it, so that plain go_binary targets share
    the image binary's configuration).

    Args:
      gc_goopts: the value of @rules_go//go/config:gc_goopts.
      roots: the top-level entries of the execution root to rewrite.

    Returns:
      The new value, one -trimpath flag in it.
    """
    flags = list(gc_goopts)
    index = len(flags)
    rewrites = []
    for i, flag in enumerate(flags):
        if flag.startswith("-trimpath="):
            # rules_go keeps the first -trimpath only: extend that one.
            index, rewrites = i, flag[len("-trimpath="):].split(";")
            break
    prefixes = [r.rpartition("=>")[0] if "=>" in r else r for r in rewrites]
    missing = [r for r in roots if r not in prefixes]
    if not missing:
        return gc_goopts
    flag = "-trimpath=" + ";".join([r for r in rewrites if r] + ["%s=>%s" % (r, r) for r in missing])
    return flags[:index] + [flag] + flags[index + 1:]

def _static_pure_transition_impl(settings, _attr):
    # Whatever the command line says: a scratch image has no C library to
    # link against, and its binary's bytes do not depend on the executor.
    return {_PURE: True, _STATIC: True, _GC_GOOPTS: trimpath_goopts(settings[_GC_GOOPTS])}

_static_pure_transition = transition(
    implementation = _static_pure_transition_impl,
    inputs = [_GC_GOOPTS],
    outputs = [_PURE, _STATIC, _GC_GOOPTS],
)

def _go_static_binary_impl(ctx):
    binary = ctx.attr.binary[0][DefaultInfo].files_to_run.executable
    if binary == None:
        fail("%s: binary %s is not executable; give a go_binary" % (ctx.label, ctx.attr.binary[0].label))
    out = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.symlink(output = out, target_file = binary, is_executable = True)

    # The binary's data dependencies, without the binary itself: `out` is it.
    runfiles = ctx.attr.binary[0][DefaultInfo].default_runfiles
    data = ctx.runfiles(
        transitive_files = depset([f for f in runfiles.files.to_list() if f != binary]),
        symlinks = runfiles.symlinks,
        root_symlinks = runfiles.root_symlinks,
    )
    return [DefaultInfo(files = depset([out]), executable = out, runfiles = data)]

go_static_binary = rule(
    implementation = _go_static_binary_impl,
    doc = "Builds `binary` with rules_go's `pure` and `static` settings on, for the target platform.",
    attrs = {
        "binary": attr.label(
            doc = "A go_binary.",
            mandatory = True,
            executable = True,
            cfg = _static_pure_transition,
        ),
    },
    executable = True,
)

def go_scratch_image(
        name,
        binary = None,
        embed = None,
        binary_path = None,
        essentials = [],
        user = "65532:65532",
        entrypoint = None,
        compression = "gzip",
        source_date_epoch = 0,
        visibility = None,
        tags = None,
        testonly = None,
        **kwargs):
    """A scratch image that runs one static Go binary.

    Makes `<name>_static` (the binary, static and pure), `<name>_layer` (a layer
    holding it at `binary_path`) and `<name>` (a `scratch_image`).

    ```starlark
    go_scratch_image(
        name = "image",
        embed = [":hello_lib"],
    )
    ```

    Args:
      name: the image's name.
      binary: a go_binary to put in the image. Give this or `embed`.
      embed: go_library targets to build a binary from, as go_binary's `embed`.
      binary_path: where the binary goes in the image. Default
        `/app/<binary's name>`; with `embed`, the binary is named after its
        package's folder, as `go build` would name it. The binary's `data`
        dependencies go below `<binary_path>.runfiles/`.
      essentials: names of scratch essentials to add, each as a layer below
        the binary's: any of "ca_certificates", "tzdata", "passwd", "tmp",
        "nsswitch" (see //rules/essentials).
      user: the user the binary runs as; default the conventional non-root
        `65532:65532` (`"nonroot"` by name needs the `passwd` essential).
      entrypoint: default `[binary_path]`.
      compression: of the binary's layer: "gzip" or "zstd" (see scratch_layer).
      source_date_epoch: the modification time of the binary's layer's
        entries and the image's created time, in seconds since the epoch.
      visibility: of every target made.
      tags: of every target made.
      testonly: of every target made.
      **kwargs: passed to `scratch_image` (cmd, env, labels, layers to add
        below the binary's, ...).
    """
    for essential in essentials:
        if essential not in ESSENTIALS:
            fail("go_scratch_image %s: unknown essential %r; choose from %s" % (name, essential, ESSENTIALS))
    if (binary == None) == (embed == None):
        fail("go_scratch_image %s: give exactly one of `binary` (a go_binary) or `embed` (go_library targets)" % name)
    common = {"tags": tags, "testonly": testonly, "visibility": visibility}
    if embed != None:
        binary_name = native.package_name().split("/")[-1] or name
        binary = name + "_go_binary"
        go_binary(name = binary, embed = embed, out = binary_name, **common)
    else:
        binary_name = native.package_relative_label(binary).name
    if binary_path == None:
        binary_path = "/app/" + binary_name
    go_static_binary(name = name + "_static", binary = binary, **common)
    scratch_layer(
        name = name + "_layer",
        binaries = {binary_path: name + "_static"},
        require_static = True,
        compression = compression,
        source_date_epoch = source_date_epoch,
        **common
    )
    scratch_image(
        name = name,
        layers = [Label("//rules/essentials:" + e) for e in essentials] + kwargs.pop("layers", []) + [name + "_layer"],
        entrypoint = entrypoint if entrypoint != None else [binary_path],
        user = user,
        source_date_epoch = source_date_epoch,
        **dict(kwargs, **common)
    )
