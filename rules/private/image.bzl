"""scratch_image: an OCI image made of scratch_layer layers and nothing else."""

load(":config.bzl", "check_repo_tag", "check_stop_signal", "check_user", "check_volumes", "env_list", "exposed_ports")
load(":image_info.bzl", "ImageInfo")
load(":layer_info.bzl", "LayerInfo")
load(":platform.bzl", "PLATFORM_ATTRS", "image_platform")
load(":toolchain.bzl", "SCRATCH_TOOLCHAIN_TYPE", "scratch_tool", "tool_args")

_DOC = """Builds a single-platform OCI image from scratch: no base image, only `layers`.

Outputs, all addressed by content:
- `<name>`: an OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/...`);
- `<name>.tar`: the same layout as one tar, which also holds a `manifest.json`
  so that `docker load` and `podman load` take it as it is;
- `<name>.digest`: the manifest digest, `sha256:<hex>`.

The platform (os, architecture, variant) is the target platform's.

```starlark
scratch_image(
    name = "image",
    layers = [":app_layer"],
    entrypoint = ["/app/server"],
    env = {"GODEBUG": "http2client=0"},
    user = "65532:65532",
)
```
"""

def default_repo_tag(label):
    return "bazel/%s:%s" % (label.package, label.name)

def _scratch_image_impl(ctx):
    where = "scratch_image %s" % ctx.label
    repo_tags = ctx.attr.repo_tags or [default_repo_tag(ctx.label)]
    for tag in repo_tags:
        check_repo_tag(tag, where)
    if ctx.attr.source_date_epoch < 0:
        fail("%s: source_date_epoch %d is negative" % (where, ctx.attr.source_date_epoch))
    config = image_platform(ctx)
    config.update({
        "entrypoint": ctx.attr.entrypoint,
        "cmd": ctx.attr.cmd,
        "env": env_list(ctx.attr.env, where),
        "workdir": ctx.attr.workdir,
        "user": check_user(ctx.attr.user, where),
        "labels": ctx.attr.labels,
        "exposed_ports": exposed_ports(ctx.attr.exposed_ports, where),
        "volumes": check_volumes(ctx.attr.volumes, where),
        "stop_signal": check_stop_signal(ctx.attr.stop_signal, where),
        "annotations": ctx.attr.annotations,
        "created": ctx.attr.source_date_epoch,
    })
    layers = [target[LayerInfo] for target in ctx.attr.layers]

    layout = ctx.actions.declare_directory(ctx.label.name)
    tarball = ctx.actions.declare_file(ctx.label.name + ".tar")
    digest = ctx.actions.declare_file(ctx.label.name + ".digest")
    args = tool_args(ctx, "image")
    args.add("--config", json.encode(config))
    for layer in layers:
        args.add("--layer", json.encode({
            "blob": layer.blob.path,
            "descriptor": layer.descriptor.path,
            "created_by": layer.created_by,
        }))
    args.add_all(repo_tags, before_each = "--repo_tag")
    args.add("--layout", layout.path)
    args.add("--tarball", tarball)
    args.add("--digest", digest)
    ctx.actions.run(
        executable = scratch_tool(ctx),
        arguments = [args],
        inputs = [layer.blob for layer in layers] + [layer.descriptor for layer in layers],
        outputs = [layout, tarball, digest],
        mnemonic = "ScratchImage",
        progress_message = "Writing image %{label}",
        toolchain = SCRATCH_TOOLCHAIN_TYPE,
    )
    return [
        DefaultInfo(files = depset([layout, tarball, digest])),
        ImageInfo(layout = layout, tarball = tarball, digest = digest, layers = layers),
    ]

scratch_image = rule(
    implementation = _scratch_image_impl,
    doc = _DOC,
    attrs = dict({
        "layers": attr.label_list(
            doc = "The image's layers, bottom first (`scratch_layer` targets).",
            providers = [LayerInfo],
        ),
        "entrypoint": attr.string_list(doc = "The command run when the container starts, as an exec-form list."),
        "cmd": attr.string_list(doc = "Default arguments to `entrypoint` (or the command, without one)."),
        "env": attr.string_dict(doc = "Environment variables, in the order written."),
        "workdir": attr.string(doc = "The working directory of the container's process."),
        "user": attr.string(doc = "The user the process runs as: `\"uid\"`, `\"uid:gid\"` or a name found in the image's /etc/passwd. Empty means root."),
        "labels": attr.string_dict(doc = "Image labels (config `Labels`)."),
        "annotations": attr.string_dict(doc = "Manifest annotations, such as `org.opencontainers.image.source`."),
        "exposed_ports": attr.string_list(doc = "Ports the container listens on: `\"8080\"` (tcp), `\"8080/tcp\"`, `\"53/udp\"`."),
        "volumes": attr.string_list(doc = "Absolute paths that hold data meant to outlive the container."),
        "stop_signal": attr.string(doc = "The signal that stops the container: a name (`\"SIGINT\"`) or a number. Empty means the runtime's default, SIGTERM."),
        "repo_tags": attr.string_list(doc = "Names for the image in `<name>.tar` (`manifest.json` RepoTags; the first also in `index.json`). Default: `bazel/<package>:<name>`."),
        "source_date_epoch": attr.int(
            doc = "The image's `created` time and history times, in seconds since 1970-01-01T00:00:00Z (the default, 0).",
            default = 0,
        ),
    }, **PLATFORM_ATTRS),
    toolchains = [SCRATCH_TOOLCHAIN_TYPE],
)
