"""scratch_layer: one reproducible layer from files, directories and symlinks."""

load(":go_modules.bzl", "go_modules_aspect")
load(":go_modules_info.bzl", "GoModulesInfo")
load(":label.bzl", "label_name")
load(":layer_info.bzl", "LayerInfo")
load(":package_info.bzl", "ScratchPackageInfo")
load(":paths.bzl", "check_image_path", "parse_mode", "parse_owner")
load(":platform.bzl", "PLATFORM_ATTRS", "image_platform")
load(":toolchain.bzl", "SCRATCH_TOOLCHAIN_TYPE", "scratch_tool", "tool_args")

_DOC = """Writes one layer: a compressed tar (gzip, or zstd on request) whose bytes depend only on what it holds.

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
    path = entry.get("key", entry["path"])
    if path in entries:
        fail("%s: two entries at one destination %r: %s and %s; remove one or give them different destinations" % (where, path, entries[path]["what"], entry["what"]))
    entries[path] = entry

def _package_relative(f, label, where):
    prefix = ("../%s/" % label.workspace_name if label.workspace_name else "") + (label.package + "/" if label.package else "")
    if not f.short_path.startswith(prefix):
        fail("%s: trees: %s is not below the package of %s, so it has no path relative to it; use `files` instead" % (where, f.short_path, label))
    return f.short_path[len(prefix):]

def layer_entries(ctx):
    """Collects the entries of a scratch_layer, checked, keyed by path.

    Args:
      ctx: the scratch_layer rule context.

    Returns:
      (entries, inputs, packages): a dict of path to entry dict, the source
      Files, and the packages the layer holds (see LayerInfo.packages).
    """
    where = "scratch_layer %s" % ctx.label
    entries = {}
    inputs = []
    packages = []
    for dest, target in ctx.attr.files.items():
        check_image_path(dest, where + ", files")
        files = target[DefaultInfo].files.to_list()
        executable = target[DefaultInfo].files_to_run.executable
        if not dest.endswith("/") and len(files) != 1:
            fail("%s: files[%r] = %s gives %d files, but a destination without a trailing \"/\" takes exactly one; end it with \"/\" to put every file in that folder" % (where, dest, target.label, len(files)))
        for f in files:
            path = dest + f.basename if dest.endswith("/") else dest
            _add(entries, _file_entry(f, path, executable, target.label), where)
            inputs.append(f)
        packages.extend(target_packages(target, dest, [dest + f.basename for f in files] if dest.endswith("/") else [dest]))
    for dest, target in ctx.attr.binaries.items():
        check_image_path(dest, where + ", binaries")
        executable = target[DefaultInfo].files_to_run.executable
        if executable == None or dest.endswith("/"):
            fail("%s: binaries[%r] = %s: give an executable target and the full path of the program, such as \"/app/server\"" % (where, dest, target.label))
        _add(entries, _file_entry(executable, dest, executable, target.label), where)
        inputs.append(executable)
        packages.extend(target_packages(target, dest, [dest]))
        runfiles = target[DefaultInfo].default_runfiles
        root = dest + ".runfiles/"
        for f in runfiles.files.to_list():
            if f != executable:
                _add(entries, _file_entry(f, root + _runfiles_path(f, ctx.workspace_name), None, target.label), where)
                inputs.append(f)
        for link in runfiles.symlinks.to_list():
            _add(entries, _file_entry(link.target_file, root + ctx.workspace_name + "/" + link.path, None, target.label), where)
            inputs.append(link.target_file)
        for link in runfiles.root_symlinks.to_list():
            _add(entries, _file_entry(link.target_file, root + link.path, None, target.label), where)
            inputs.append(link.target_file)
    for dest, target in ctx.attr.trees.items():
        check_image_path(dest, where + ", trees")
        for f in target[DefaultInfo].files.to_list():
            path = dest.rstrip("/") + "/" + _package_relative(f, target.label, where)
            _add(entries, _file_entry(f, path, target[DefaultInfo].files_to_run.executable, target.label), where)
            inputs.append(f)
    for dest, target in ctx.attr.tars.items():
        check_image_path(dest, where + ", tars", allow_root = True)
        for f in target[DefaultInfo].files.to_list():
            packages.append(json.encode({
                "kind": "tar",
                "name": label_name(f.owner if f.is_source else target.label),
                "file": f.basename,
                "path": dest,
                "key": "tar:" + f.path,
            }))
            _add(entries, {
                "kind": "tar",
                "path": dest,
                "src": f.path,
                "keep_mtimes": ctx.attr.keep_tar_mtimes,
                "allow_devices": ctx.attr.allow_devices,
                "what": "tar %s (from %s)" % (f.short_path, target.label),
                "key": "tar:" + f.path,
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
    for path, target in ctx.attr.hardlinks.items():
        check_image_path(path, where + ", hardlinks")
        check_image_path(target, where + ", hardlinks[%r]" % path)
        if entries.get(target, {}).get("kind") != "file":
            fail("%s: hardlinks[%r] = %r: the target must be a file of this layer, given in `files` or `trees`" % (where, path, target))
        _add(entries, {"kind": "hardlink", "path": path, "target": target, "what": "hardlink to %r" % target}, where)
    for path, mode in ctx.attr.modes.items():
        entry = _entry_at(entries, path, "modes", where)
        if entry["kind"] in ("symlink", "tar"):
            fail("%s: modes[%r]: a %s has no mode of its own" % (where, path, entry["kind"]))
        entry["mode"] = parse_mode(mode, "%s, modes[%r]" % (where, path))
    for path, owner in ctx.attr.owners.items():
        entry = _entry_at(entries, path, "owners", where)
        entry["uid"], entry["gid"] = parse_owner(owner, "%s, owners[%r]" % (where, path))
    for path, names in ctx.attr.owner_names.items():
        entry = _entry_at(entries, path, "owner_names", where)
        uname, _, gname = names.partition(":")
        if not uname or not gname:
            fail("%s: owner_names[%r] = %r is not \"user:group\", such as \"nonroot:nonroot\"" % (where, path, names))
        entry["uname"], entry["gname"] = uname, gname
    return entries, inputs, packages

def target_packages(target, dest, paths):
    """The packages (as LayerInfo.packages has them) a target puts at dest.

    Args:
      target: a target of `files` or `binaries`.
      dest: where its files go.
      paths: the paths of its files in the image.

    Returns:
      A list of JSON strings: a Go binary with its modules, or the package a
      ScratchPackageInfo names.
    """
    if ScratchPackageInfo in target:
        info = target[ScratchPackageInfo]
        return [json.encode({
            "kind": "package",
            "name": info.name,
            "version": info.version,
            "purl": info.purl,
            "source": json.decode(info.source) if info.source else None,
            "comment": info.comment,
            "paths": paths,
        })]
    modules = target[GoModulesInfo] if GoModulesInfo in target else None
    if modules and modules.main:
        main = json.decode(modules.main)
        return [json.encode({
            "kind": "go_binary",
            "path": dest,
            "main": {"path": main["path"], "version": main["version"]} if main["path"] else None,
            "stdlib": main["stdlib"],
            "modules": sorted([json.decode(m) for m in modules.modules.to_list()], key = lambda m: (m["path"], m["version"])),
            "unversioned": sorted(modules.unversioned.to_list()),
        })]
    return []

def _runfiles_path(f, workspace_name):
    # short_path is "pkg/f" in the main repository, "../repo/pkg/f" in another.
    return f.short_path[3:] if f.short_path.startswith("../") else workspace_name + "/" + f.short_path

def _file_entry(f, path, executable, label):
    if f.is_directory:
        return {"kind": "tree", "path": path, "src": f.path, "what": "directory %s (from %s)" % (f.short_path, label)}
    return {
        "kind": "file",
        "path": path,
        "src": f.path,
        # A source file is its own "executable" to Bazel, whatever its bits:
        # only the output of an executable rule counts as a program.
        "mode": 0o755 if f == executable and not f.is_source else 0o644,
        "what": "%s (from %s)" % (f.short_path, label),
    }

def _entry_at(entries, path, attr_name, where):
    if path not in entries:
        fail("%s: %s[%r]: no entry has that destination; the entries are %s" % (where, attr_name, path, sorted(entries.keys())))
    return entries[path]

# compression → extension of the layer file.
_COMPRESSIONS = {"gzip": ".tar.gz", "zstd": ".tar.zst"}

def write_layer(ctx, entries, inputs, kind = "scratch_layer", source_date_epoch = 0, require_static_arch = None, compression = "gzip", packages = []):
    """Registers the action that writes a layer, and returns its providers.

    Args:
      ctx: a rule context whose rule declares SCRATCH_TOOLCHAIN_TYPE.
      entries: entry dicts, as the tool's `--entry` takes them (extra keys
        "what" and "key" are dropped).
      inputs: the source Files the entries read.
      kind: the rule kind named in the image history.
      source_date_epoch: the modification time of every entry.
      require_static_arch: if set, refuse executable ELF files that are not
        static binaries for this OCI architecture.
      compression: "gzip" or "zstd".
      packages: what the layer holds, for SBOMs: JSON strings (or dicts,
        encoded here) as LayerInfo.packages has them.

    Returns:
      [DefaultInfo, LayerInfo] for the rule to return.
    """
    if source_date_epoch < 0:
        fail("%s: source_date_epoch %d is negative" % (ctx.label, source_date_epoch))
    blob = ctx.actions.declare_file(ctx.label.name + _COMPRESSIONS[compression])
    descriptor = ctx.actions.declare_file(ctx.label.name + ".layer.json")
    args = tool_args(ctx, "layer")
    for entry in entries:
        args.add("--entry", json.encode({k: v for k, v in entry.items() if k not in ("what", "key")}))
    args.add("--mtime", source_date_epoch)
    args.add("--compression", compression)
    if require_static_arch:
        args.add("--require_static", require_static_arch)
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
            created_by = "%s //%s:%s" % (kind, ctx.label.package, ctx.label.name),
            packages = [p if type(p) == "string" else json.encode(dict(p, kind = "package")) for p in packages],
        ),
    ]

def _scratch_layer_impl(ctx):
    entries, inputs, packages = layer_entries(ctx)
    return write_layer(
        ctx,
        [entries[key] for key in sorted(entries.keys())],
        inputs,
        source_date_epoch = ctx.attr.source_date_epoch,
        require_static_arch = image_platform(ctx)["architecture"] if ctx.attr.require_static else None,
        compression = ctx.attr.compression,
        packages = packages,
    )

scratch_layer = rule(
    implementation = _scratch_layer_impl,
    doc = _DOC,
    attrs = dict({
        "files": attr.string_keyed_label_dict(
            doc = "Destination in the image → label. A destination ending in `/` is a folder that receives every file of the label under its own base name; any other destination takes exactly one file. Files are 0644, the output of an executable rule (a binary) 0755, unless `modes` says otherwise (give it for a checked-in script).",
            allow_files = True,
            aspects = [go_modules_aspect],
        ),
        "binaries": attr.string_keyed_label_dict(
            doc = "Program path → executable target. The program goes at the path (0755) and its runfiles (`data` dependencies) below `<path>.runfiles/`, where Bazel's runfiles libraries look for them. A Go binary's modules are listed in the image's SBOM.",
            allow_files = True,
            aspects = [go_modules_aspect],
        ),
        "trees": attr.string_keyed_label_dict(
            doc = "Destination folder → label. Every file of the label goes below the folder at its path relative to the label's package (`trees = {\"/target\": \":metadata\"}` puts `metadata/a.txt` at `/target/metadata/a.txt`); directories (tree artifacts) are copied whole, their files `0644`.",
            allow_files = True,
        ),
        "tars": attr.string_keyed_label_dict(
            doc = "Destination folder → tar files (`.tar`, `.tar.gz`, `.tgz`) whose entries are merged below it, as `ADD rootfs.tgz /` does. Entries keep their modes and owners; they are sorted and get the layer's fixed mtime (see `keep_tar_mtimes`). Setuid, setgid and sticky bits are kept; PAX records (xattrs) are dropped. `..` components, links that climb above the root (alone or through the archive's other symlinks), entries below a symlink, duplicate paths, names that are not UTF-8, sparse files, hard links to anything but a file of the archive, truncated archives and device nodes (see `allow_devices`) fail the build, naming the entry (see docs/hostile_input.md).",
            allow_files = [".tar", ".tar.gz", ".tgz"],
        ),
        "keep_tar_mtimes": attr.bool(doc = "Keep the modification times of the entries of `tars` instead of `source_date_epoch`."),
        "allow_devices": attr.bool(doc = "Let `tars` hold device nodes and FIFOs, which are refused otherwise."),
        "hardlinks": attr.string_dict(
            doc = "Hardlink path → absolute path of a file of this layer.",
        ),
        "owner_names": attr.string_dict(
            doc = "Destination → `\"user:group\"` names written in the tar headers (numeric ids stay those of `owners`).",
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
        "compression": attr.string(
            doc = "`\"gzip\"` (`<name>.tar.gz`, what every runtime and registry takes) or `\"zstd\"` (`<name>.tar.zst`, media type `application/vnd.oci.image.layer.v1.tar+zstd`: smaller and faster to write and to unpack, but needs containerd 1.5, podman 3, CRI-O 1.21 or Docker 23 and later).",
            default = "gzip",
            values = _COMPRESSIONS.keys(),
        ),
        "require_static": attr.bool(
            doc = "Fail the build if an executable ELF file of the layer is dynamically linked (has a program interpreter or needs shared libraries) or is built for another architecture than the target platform's. `go_scratch_image` sets it for its binary.",
        ),
    }, **PLATFORM_ATTRS),
    toolchains = [SCRATCH_TOOLCHAIN_TYPE],
)
