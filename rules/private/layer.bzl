"""scratch_layer: one reproducible layer from files, directories and symlinks."""

load(":layer_info.bzl", "LayerInfo")
load(":paths.bzl", "check_image_path", "parse_mode", "parse_owner")
load(":platform.bzl", "PLATFORM_ATTRS", "image_platform")
load(":toolchain.bzl", "SCRATCH_TOOLCHAIN_TYPE", "scratch_tool", "tool_args")

_DOC = """Writes one layer: a gzip-compressed tar whose bytes depend only on what it holds.

Entries are sorted by path, missing parent directories are added (0755),
every modification time is `source_date_epoch`, owners are `0:0` unless set.

```starlark
scratch_layer(
    name = "config_layer",
    files = {
        "/etc/app/config.yaml": ":config.yaml",
        "/usr/share/app/": ":assets",  # a trailing "/" puts each file in the folder
    },
    directories = ["/var/lib/app"],
    symlinks = {"/etc/app/current": "config.yaml"},
    modes = {"/var/lib/app": "0700"},
    owners = {"/var/lib/app": "65532:65532"},
)
```
"""

def _add(entries, entry, where):
    path = entry["path"]
    if path in entries:
        fail("%s: two entries at one destination %r: %s and %s; remove one or give them different destinations" % (where, path, entries[path]["what"], entry["what"]))
    entries[path] = entry

def layer_entries(ctx):
    """Collects the entries of a scratch_layer, checked, keyed by path.

    Args:
      ctx: the scratch_layer rule context.

    Returns:
      (entries, inputs): a dict of path to entry dict, and the source Files.
    """
    where = "scratch_layer %s" % ctx.label
    entries = {}
    inputs = []
    for dest, target in ctx.attr.files.items():
        check_image_path(dest, where + ", files")
        files = target[DefaultInfo].files.to_list()
        executable = target[DefaultInfo].files_to_run.executable
        if not dest.endswith("/") and len(files) != 1:
            fail("%s: files[%r] = %s gives %d files, but a destination without a trailing \"/\" takes exactly one; end it with \"/\" to put every file in that folder" % (where, dest, target.label, len(files)))
        for f in files:
            if f.is_directory:
                fail("%s: files[%r] = %s is a directory (tree artifact), which scratch_layer does not take in `files` yet" % (where, dest, target.label))
            path = dest + f.basename if dest.endswith("/") else dest
            _add(entries, {
                "kind": "file",
                "path": path,
                "src": f.path,
                "mode": 0o755 if f == executable else 0o644,
                "what": "%s (from %s)" % (f.short_path, target.label),
            }, where)
            inputs.append(f)
    for path in ctx.attr.directories:
        check_image_path(path, where + ", directories")
        _add(entries, {"kind": "dir", "path": path.rstrip("/"), "mode": 0o755, "what": "directory"}, where)
    for path, target in ctx.attr.symlinks.items():
        check_image_path(path, where + ", symlinks")
        if not target:
            fail("%s: symlinks[%r] has an empty target" % (where, path))
        _add(entries, {"kind": "symlink", "path": path.rstrip("/"), "target": target, "what": "symlink to %r" % target}, where)
    for path, mode in ctx.attr.modes.items():
        if path not in entries:
            fail("%s: modes[%r]: no entry has that destination; the entries are %s" % (where, path, sorted(entries.keys())))
        if entries[path]["kind"] == "symlink":
            fail("%s: modes[%r]: a symlink has no mode of its own" % (where, path))
        entries[path]["mode"] = parse_mode(mode, "%s, modes[%r]" % (where, path))
    for path, owner in ctx.attr.owners.items():
        if path not in entries:
            fail("%s: owners[%r]: no entry has that destination; the entries are %s" % (where, path, sorted(entries.keys())))
        entries[path]["uid"], entries[path]["gid"] = parse_owner(owner, "%s, owners[%r]" % (where, path))
    return entries, inputs

def _scratch_layer_impl(ctx):
    entries, inputs = layer_entries(ctx)
    blob = ctx.actions.declare_file(ctx.label.name + ".tar.gz")
    descriptor = ctx.actions.declare_file(ctx.label.name + ".layer.json")
    args = tool_args(ctx, "layer")
    for path in sorted(entries.keys()):
        entry = {k: v for k, v in entries[path].items() if k != "what"}
        args.add("--entry", json.encode(entry))
    args.add("--mtime", ctx.attr.source_date_epoch)
    if ctx.attr.require_static:
        args.add("--require_static", image_platform(ctx)["architecture"])
    args.add("--output", blob)
    args.add("--descriptor", descriptor)
    ctx.actions.run(
        executable = scratch_tool(ctx),
        arguments = [args],
        inputs = inputs,
        outputs = [blob, descriptor],
        mnemonic = "ScratchLayer",
        progress_message = "Writing layer %{label}",
        toolchain = SCRATCH_TOOLCHAIN_TYPE,
    )
    return [
        DefaultInfo(files = depset([blob])),
        LayerInfo(
            blob = blob,
            descriptor = descriptor,
            created_by = "scratch_layer //%s:%s" % (ctx.label.package, ctx.label.name),
        ),
    ]

scratch_layer = rule(
    implementation = _scratch_layer_impl,
    doc = _DOC,
    attrs = dict({
        "files": attr.string_keyed_label_dict(
            doc = "Destination in the image → label. A destination ending in `/` is a folder that receives every file of the label under its own base name; any other destination takes exactly one file. Files are 0644, executables 0755, unless `modes` says otherwise.",
            allow_files = True,
        ),
        "directories": attr.string_list(
            doc = "Empty directories to create (0755 unless `modes` says otherwise).",
        ),
        "symlinks": attr.string_dict(
            doc = "Symlink path in the image → target, relative (`\"busybox\"`) or absolute (`\"/bin/busybox\"`). The target is stored as written.",
        ),
        "modes": attr.string_dict(
            doc = "Destination → octal mode (`\"0755\"`, `\"1777\"`), overriding the default of that entry.",
        ),
        "owners": attr.string_dict(
            doc = "Destination → numeric `\"uid:gid\"`, overriding the default owner `0:0`.",
        ),
        "source_date_epoch": attr.int(
            doc = "Modification time of every entry, in seconds since 1970-01-01T00:00:00Z (the default, 0).",
            default = 0,
        ),
        "require_static": attr.bool(
            doc = "Fail the build if an executable ELF file of the layer is dynamically linked (has a program interpreter or needs shared libraries) or is built for another architecture than the target platform's. `go_scratch_image` sets it for its binary.",
        ),
    }, **PLATFORM_ATTRS),
    toolchains = [SCRATCH_TOOLCHAIN_TYPE],
)
