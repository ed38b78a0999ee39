"""The scratch essentials: what an empty image lacks and most programs expect."""

load(":go_modules.bzl", "GO_TOOLCHAIN_TYPE", "go_modules_aspect", "go_release")
load(":go_modules_info.bzl", "GoModulesInfo")
load(":label.bzl", "label_name")
load(":layer.bzl", "write_layer")
load(":package_info.bzl", "ScratchPackageInfo")
load(":toolchain.bzl", "SCRATCH_TOOLCHAIN_TYPE", "scratch_tool", "tool_args")

_TZDATA_SOURCE = "src/time/tzdata/zzipdata.go"

def _go_tzdata_source_impl(ctx):
    sdk = ctx.toolchains[GO_TOOLCHAIN_TYPE].sdk
    for f in sdk.srcs.to_list():
        if f.path.endswith(_TZDATA_SOURCE):
            return [DefaultInfo(files = depset([f]))]
    fail("%s: the Go SDK has no %s" % (ctx.label, _TZDATA_SOURCE))

go_tzdata_source = rule(
    implementation = _go_tzdata_source_impl,
    doc = "The Go SDK's " + _TZDATA_SOURCE + ", which embeds the time zone database of that Go release.",
    toolchains = [GO_TOOLCHAIN_TYPE],
)

def _essential_data_impl(ctx):
    args = tool_args(ctx, ctx.attr.verb)
    inputs = []
    if ctx.attr.verb == "cacerts":
        out = ctx.actions.declare_file(ctx.label.name + ".crt")
        args.add("--output", out)

        # The tool writes the roots of the module it links.
        source = ctx.attr._cacerts_module[GoModulesInfo].modules.to_list()
        package = ScratchPackageInfo(
            name = "ca-certificates",
            version = json.decode(source[0])["version"] if source else "",
            purl = "",
            source = source[0] if source else "",
            comment = "The Mozilla root certificates of golang.org/x/crypto/x509roots/fallback as a PEM bundle, written by rules_scratch (roots with a distrust-after date left out).",
        )
    else:
        out = ctx.actions.declare_directory(ctx.label.name)
        source = ctx.file.go_source
        args.add("--go_source", source)
        args.add("--output_dir", out.path)
        inputs.append(source)
        stdlib = {"path": "stdlib", "version": go_release(ctx)}
        package = ScratchPackageInfo(
            name = "tzdata",
            version = stdlib["version"],
            purl = "",
            source = json.encode(stdlib),
            comment = "The time zone database embedded in Go %s (time/tzdata), written as zoneinfo files by rules_scratch." % stdlib["version"],
        )
    ctx.actions.run(
        executable = scratch_tool(ctx),
        arguments = [args],
        inputs = inputs,
        outputs = [out],
        mnemonic = "ScratchEssentials",
        progress_message = "Writing %s for %%{label}" % ("CA certificates" if ctx.attr.verb == "cacerts" else "time zone data"),
        toolchain = SCRATCH_TOOLCHAIN_TYPE,
    )
    return [DefaultInfo(files = depset([out])), package]

essential_data = rule(
    implementation = _essential_data_impl,
    doc = "Runs the tool's `cacerts` verb (a PEM file) or `tzdata` verb (a zoneinfo directory).",
    attrs = {
        "verb": attr.string(mandatory = True, values = ["cacerts", "tzdata"]),
        "go_source": attr.label(allow_single_file = True, doc = "For `tzdata`: a go_tzdata_source."),
        "_cacerts_module": attr.label(
            default = Label("@org_golang_x_crypto_x509roots_fallback//bundle"),
            aspects = [go_modules_aspect],
        ),
    },
    toolchains = [SCRATCH_TOOLCHAIN_TYPE, GO_TOOLCHAIN_TYPE],
)

def _essential_file_impl(ctx):
    return [
        DefaultInfo(files = depset([ctx.file.src])),
        ScratchPackageInfo(name = ctx.attr.package_name, version = "", purl = "", source = "", comment = ctx.attr.comment),
    ]

essential_file = rule(
    implementation = _essential_file_impl,
    doc = "A file of rules_scratch's own, named as a package in SBOMs.",
    attrs = {
        "src": attr.label(allow_single_file = True, mandatory = True),
        "package_name": attr.string(mandatory = True),
        "comment": attr.string(mandatory = True),
    },
)

_NAME_FIRST = "abcdefghijklmnopqrstuvwxyz_"
_NAME_REST = _NAME_FIRST + "0123456789-"

def _check_name(name, where):
    if not name or name[0] not in _NAME_FIRST or [c for c in name.elems() if c not in _NAME_REST] or len(name) > 32:
        fail("%s: user name %r is not a portable name: lowercase letters, digits, \"_\" and \"-\", starting with a letter or \"_\", at most 32 characters" % (where, name))

def _scratch_users_impl(ctx):
    where = "scratch_users %s" % ctx.label
    passwd_lines, group_lines, groups = [], [], {}
    entries = [
        {"kind": "file", "path": "/etc/passwd", "mode": 0o644},
        {"kind": "file", "path": "/etc/group", "mode": 0o644},
    ]
    for name, ids in ctx.attr.users.items():
        _check_name(name, where)
        uid, _, gid = ids.partition(":")
        gid = gid or uid
        if not uid.isdigit() or not gid.isdigit():
            fail("%s: users[%r] = %r is not \"uid\" or \"uid:gid\" with numbers, such as \"65532:65532\"" % (where, name, ids))
        home = "/root" if uid == "0" else "/home/" + name
        passwd_lines.append("%s:x:%s:%s:%s:%s:/sbin/nologin" % (name, uid, gid, name, home))
        if gid not in groups:
            groups[gid] = name
            group_lines.append("%s:x:%s:" % (name, gid))
        entries.append({"kind": "dir", "path": home, "mode": 0o700 if uid == "0" else 0o755, "uid": int(uid), "gid": int(gid)})
    passwd = ctx.actions.declare_file(ctx.label.name + ".passwd")
    group = ctx.actions.declare_file(ctx.label.name + ".group")
    ctx.actions.write(passwd, "\n".join(passwd_lines) + "\n")
    ctx.actions.write(group, "\n".join(group_lines) + "\n")
    entries[0]["src"] = passwd.path
    entries[1]["src"] = group.path
    package = {
        "name": "passwd",
        "comment": "/etc/passwd and /etc/group written by scratch_users %s from its `users`." % label_name(ctx.label),
        "paths": ["/etc/passwd", "/etc/group"],
    }
    return write_layer(ctx, entries, [passwd, group], kind = "scratch_users", packages = [package])

scratch_users = rule(
    implementation = _scratch_users_impl,
    doc = """A layer with /etc/passwd, /etc/group and a home directory per user.

Each user gets a group of its own gid (named after the first user with that
gid), the shell /sbin/nologin, and the home /root (uid 0) or /home/<name>,
owned by the user.

```starlark
scratch_users(
    name = "users",
    users = {"root": "0:0", "nonroot": "65532:65532", "app": "1000:1000"},
)
```
""",
    attrs = {
        "users": attr.string_dict(
            doc = "User name → `\"uid:gid\"` (or `\"uid\"`, gid equal), in the order of /etc/passwd.",
            default = {"root": "0:0", "nonroot": "65532:65532"},
        ),
    },
    toolchains = [SCRATCH_TOOLCHAIN_TYPE],
)
