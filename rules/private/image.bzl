"""scratch_image: an OCI image made of scratch_layer layers and nothing else."""

load("@bazel_skylib//rules:common_settings.bzl", "BuildSettingInfo")
load(":config.bzl", "check_repo_tag", "check_stop_signal", "check_user", "check_volumes", "env_list", "exposed_ports")
load(":image_info.bzl", "ImageInfo")
load(":label.bzl", "label_name")
load(":layer_info.bzl", "LayerInfo")
load(":platform.bzl", "PLATFORM_ATTRS", "image_platform")
load(":stamp.bzl", "STAMP_ATTRS", "stamping")
load(":toolchain.bzl", "SCRATCH_TOOLCHAIN_TYPE", "scratch_tool", "tool_args")

_DOC = """Builds a single-platform OCI image from scratch: no base image, only `layers`.

Outputs:
- `<name>`: an OCI image layout directory (`oci-layout`, `index.json`,
  `blobs/sha256/...`) whose layer blobs are hard links of the layers' files,
  so that a layer is stored once on disk and once in a cache;
- `<name>.digest`: the manifest digest, `sha256:<hex>`;
- `<name>.spdx.json`: the image's SBOM (SPDX 2.3 JSON, also output group
  `sbom`): the image, its layers and every regular file in them with its
  sha256, each Go binary with the Go modules linked into it (read off Bazel's
  graph), the Go standard library, the scratch essentials and merged tars;
  `<name>.cdx.json` instead, the same in CycloneDX 1.6 JSON, with
  `sbom_format = "cyclonedx"`;
- `<name>.provenance.json`: its SLSA provenance v1 (an in-toto Statement
  v1, also output group `provenance`): the manifest digest as subject, the
  target, platform and compression, and every input resolved: the Go SDK,
  each module (with its go.sum hash as `dirHash`), the essentials' sources,
  merged tars and, with `--stamp`, the commit (`STABLE_GIT_COMMIT`);
- `<name>.tar`, only when asked for (output group `tarball`, as in
  `bazel build :image --output_groups=+tarball`, or by `scratch_load`): the
  layout as one tar, which also holds a `manifest.json` so that `docker load`
  and `podman load` take it as it is.

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
    """Returns the name of an image or index without repo_tags.

    Args:
      label: the target's label.

    Returns:
      "bazel/<package>:<name>", or "bazel:<name>" for the root package
      (where "bazel/:<name>" would be no valid reference).
    """
    if not label.package:
        return "bazel:" + label.name
    return "bazel/%s:%s" % (label.package, label.name)

def _merge_env(base, own):
    keys = [entry.partition("=")[0] for entry in own]
    merged = [entry for entry in base if entry.partition("=")[0] not in keys]
    return merged + own

def _extend(base, own, where):
    """The config of an image built on `base`, as a later Dockerfile stage would have it."""
    for key in ("os", "architecture", "variant"):
        if base[key] != own[key]:
            fail("%s: base is a %s/%s image but this one is %s/%s; build both for the same platform" % (where, base["os"], base["architecture"], own["os"], own["architecture"]))
    config = dict(own)

    # ENTRYPOINT resets an inherited CMD, as in a Dockerfile.
    if not own["entrypoint"]:
        config["entrypoint"] = base["entrypoint"]
        config["cmd"] = own["cmd"] or base["cmd"]
    for key in ("workdir", "user", "stop_signal"):
        config[key] = own[key] or base[key]
    config["env"] = _merge_env(base["env"], own["env"])
    config["labels"] = dict(base["labels"], **own["labels"])
    config["exposed_ports"] = base["exposed_ports"] + [p for p in own["exposed_ports"] if p not in base["exposed_ports"]]
    config["volumes"] = base["volumes"] + [v for v in own["volumes"] if v not in base["volumes"]]
    return config

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
        "env": env_list({k: ctx.expand_make_variables("env", ctx.expand_location(v, ctx.attr.data), {}) for k, v in ctx.attr.env.items()}, where),
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
    if ctx.attr.base:
        base = ctx.attr.base[ImageInfo]
        config = _extend(base.config, config, where)
        layers = base.layers + layers

    layout = ctx.actions.declare_directory(ctx.label.name)
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
    args.add("--digest", digest)
    if not ctx.attr.check_entrypoint:
        args.add("--check_entrypoint=false")
    ctx.actions.run(
        executable = scratch_tool(ctx),
        arguments = [args],
        inputs = [layer.blob for layer in layers] + [layer.descriptor for layer in layers],
        outputs = [layout, digest],
        mnemonic = "ScratchImage",
        progress_message = "Writing image %{label}",
        # Out of a sandbox, the layout's blobs can be hard links of the layer
        # files themselves (a sandbox's read-only mounts refuse links).
        execution_requirements = {"no-sandbox": "1"},
        toolchain = SCRATCH_TOOLCHAIN_TYPE,
    )
    tarball = write_tarball(ctx, layout, repo_tags)
    image = sbom_image(digest, repo_tags[0], config, layers)
    sbom = write_sbom(ctx, [image])
    provenance = write_provenance(ctx, [image])
    return [
        DefaultInfo(files = depset([layout, digest, sbom, provenance])),
        OutputGroupInfo(tarball = depset([tarball]), sbom = depset([sbom]), provenance = depset([provenance])),
        ImageInfo(layout = layout, tarball = tarball, digest = digest, sbom = sbom, provenance = provenance, sbom_image = image, repo_tags = repo_tags, layers = layers, config = config),
    ]

def sbom_image(digest, name, config, layers):
    """Describes an image to the tool's sbom and provenance verbs.

    Args:
      digest: the image's digest file.
      name: the image's first repository:tag.
      config: the image's config dict (platform and created time).
      layers: the image's LayerInfo, bottom first.

    Returns:
      A struct: `json` for `--image`, `inputs` the files it names (the
      layers' descriptors, never their blobs).
    """
    return struct(
        json = json.encode({
            "name": name,
            "digest": digest.path,
            "platform": {k: config[k] for k in ("os", "architecture", "variant")},
            "created": config["created"],
            "layers": [{
                "descriptor": layer.descriptor.path,
                "created_by": layer.created_by,
                "packages": [json.decode(p) for p in layer.packages],
            } for layer in layers],
        }),
        inputs = [digest] + [layer.descriptor for layer in layers],
    )

def _write_document(ctx, verb, images, suffix, mnemonic, what, flags = [], inputs = []):
    """Registers the action of the sbom or provenance verb: a document about images.

    Args:
      ctx: a rule context with SBOM_ATTRS whose rule declares SCRATCH_TOOLCHAIN_TYPE.
      verb: "sbom" or "provenance".
      images: the sbom_image of the image, or of each image of an index.
      suffix: of the output's name, after the target's.
      mnemonic: the action's.
      what: the document, for the progress message.
      flags: the verb's other flags, strings.
      inputs: the Files those flags name.

    Returns:
      The document File.
    """
    document = ctx.actions.declare_file(ctx.label.name + suffix)
    args = tool_args(ctx, verb)
    args.add("--go_sum", ctx.file._go_sum)
    for image in images:
        args.add("--image", image.json)
    args.add_all(flags)
    args.add("--output", document)
    ctx.actions.run(
        executable = scratch_tool(ctx),
        arguments = [args],
        inputs = depset([ctx.file._go_sum] + inputs, transitive = [depset(image.inputs) for image in images]),
        outputs = [document],
        mnemonic = mnemonic,
        progress_message = "Writing the %s of %%{label}" % what,
        toolchain = SCRATCH_TOOLCHAIN_TYPE,
    )
    return document

def write_sbom(ctx, images, index = None):
    """Registers the action that writes `<name>.spdx.json` (or `.cdx.json`, as `sbom_format` says).

    Args:
      ctx: a rule context with SBOM_ATTRS whose rule declares SCRATCH_TOOLCHAIN_TYPE.
      images: the sbom_image of the image, or of each image of an index.
      index: for an index, a struct(name, digest, created).

    Returns:
      The SBOM File.
    """
    flags, inputs = ["--format", ctx.attr.sbom_format], []
    if index:
        flags += ["--index", "%s=%s" % (index.name, index.digest.path), "--created", str(index.created)]
        inputs = [index.digest]
    return _write_document(ctx, "sbom", images, SBOM_SUFFIXES[ctx.attr.sbom_format], "ScratchSBOM", "SBOM", flags, inputs)

# The SBOM's file name after the target's, by format; push names its media
# type after it.
SBOM_SUFFIXES = {"cyclonedx": ".cdx.json", "spdx": ".spdx.json"}

def write_provenance(ctx, images, subjects = {}):
    """Registers the action that writes `<name>.provenance.json`.

    Args:
      ctx: a rule context with SBOM_ATTRS and STAMP_ATTRS whose rule declares SCRATCH_TOOLCHAIN_TYPE.
      images: the sbom_image of each image built.
      subjects: name to digest File of what the provenance is about; empty for the one image.

    Returns:
      The provenance File.
    """
    flags, inputs = [], []
    for name, digest in subjects.items():
        flags.extend(["--subject", "%s=%s" % (name, digest.path)])
        inputs.append(digest)
    flags.extend(["--target", label_name(ctx.label), "--builder_id", ctx.attr._builder_id[BuildSettingInfo].value])
    if stamping(ctx):
        # The volatile file never reruns the action by itself: Bazel treats
        # it as unchanged, so the timestamp is that of the last real change.
        for status in [ctx.info_file, ctx.version_file]:
            flags.extend(["--status", status.path])
            inputs.append(status)
    return _write_document(ctx, "provenance", images, ".provenance.json", "ScratchProvenance", "provenance", flags, inputs)

SBOM_ATTRS = dict({
    "sbom_format": attr.string(
        doc = "The SBOM's format: `\"spdx\"` writes `<name>.spdx.json` (SPDX 2.3 JSON), `\"cyclonedx\"` `<name>.cdx.json` (CycloneDX 1.6 JSON), with the same content. Changing it changes the SBOM's digest in `scratch_lock`, never the image's.",
        default = "spdx",
        values = ["spdx", "cyclonedx"],
    ),
    "_go_sum": attr.label(
        default = "@rules_scratch_source_roots//:go.sum",
        allow_single_file = True,
    ),
    "_builder_id": attr.label(default = "//rules:builder_id"),
}, **STAMP_ATTRS)

def write_tarball(ctx, layout, repo_tags, platform = None):
    """Registers the action that archives a layout as `<name>.tar`.

    Args:
      ctx: a rule context whose rule declares SCRATCH_TOOLCHAIN_TYPE.
      layout: the OCI layout directory.
      repo_tags: names of the image in the tarball's manifest.json.
      platform: for an index, the platform whose image manifest.json names.

    Returns:
      The tarball File; Bazel builds it only when something asks for it.
    """
    tarball = ctx.actions.declare_file(ctx.label.name + ".tar")
    args = tool_args(ctx, "tarball")
    args.add("--layout", layout.path)
    args.add_all(repo_tags, before_each = "--repo_tag")
    if platform:
        args.add("--platform", platform)
    args.add("--output", tarball)
    ctx.actions.run(
        executable = scratch_tool(ctx),
        arguments = [args],
        inputs = [layout],
        outputs = [tarball],
        mnemonic = "ScratchTarball",
        progress_message = "Writing the tarball of %{label}",
        toolchain = SCRATCH_TOOLCHAIN_TYPE,
    )
    return tarball

scratch_image = rule(
    implementation = _scratch_image_impl,
    doc = _DOC,
    attrs = dict({
        "base": attr.label(
            doc = "Another `scratch_image` to build on, like a later stage of a multi-stage build: its layers come first, and its config is inherited, this image's attributes overriding (entrypoint, cmd, workdir, user, stop_signal; an entrypoint resets an inherited cmd, as in a Dockerfile) or adding to it (env by key, labels by key, exposed_ports, volumes). Annotations are not inherited.",
            providers = [ImageInfo],
        ),
        "layers": attr.label_list(
            doc = "The image's layers, bottom first (`scratch_layer` targets).",
            providers = [LayerInfo],
        ),
        "entrypoint": attr.string_list(doc = "The command run when the container starts, as an exec-form list."),
        "cmd": attr.string_list(doc = "Default arguments to `entrypoint` (or the command, without one)."),
        "env": attr.string_dict(doc = "Environment variables, in the order written. Keys are non-empty, without `=` or white space. Values may use make variables (`$(TARGET_CPU)`, and those of the targets in the built-in `toolchains` attribute) and `$(rlocationpath :label)`-style location expansion of `data` targets."),
        "data": attr.label_list(doc = "Targets whose locations `env` may expand; they are not added to the image.", allow_files = True),
        "workdir": attr.string(doc = "The working directory of the container's process."),
        "user": attr.string(doc = "The user the process runs as: `\"uid\"`, `\"uid:gid\"`, or `\"name\"` or `\"name:group\"` found in the image's /etc/passwd and /etc/group (see `scratch_users`). Empty means root."),
        "labels": attr.string_dict(doc = "Image labels (config `Labels`)."),
        "annotations": attr.string_dict(doc = "Manifest annotations, such as `org.opencontainers.image.source`."),
        "exposed_ports": attr.string_list(doc = "Ports the container listens on: `\"8080\"` (tcp), `\"8080/tcp\"`, `\"53/udp\"`, `\"132/sctp\"`."),
        "volumes": attr.string_list(doc = "Absolute paths that hold data meant to outlive the container."),
        "stop_signal": attr.string(doc = "The signal that stops the container: a name (`\"SIGINT\"`) or a number. Empty means the runtime's default, SIGTERM."),
        "repo_tags": attr.string_list(doc = "Names for the image: in `index.json` (the first) and in `<name>.tar` (`manifest.json` RepoTags), which `podman load` and `docker load` use. Default: `bazel/<package>:<name>` (`bazel:<name>` in the root package)."),
        "check_entrypoint": attr.bool(
            doc = "Fail the build unless the entrypoint (or `cmd`, without one) can start: an absolute first element must resolve, through the symlinks of the image's layers, to a file with an execute bit that, if ELF, is static and built for the image's architecture. The check reads the layers' descriptors, not their bytes. Turn it off for images meant to be run with another command.",
            default = True,
        ),
        "source_date_epoch": attr.int(
            doc = "The image's `created` time and history times, in seconds since 1970-01-01T00:00:00Z (the default, 0).",
            default = 0,
        ),
    }, **(PLATFORM_ATTRS | SBOM_ATTRS)),
    toolchains = [SCRATCH_TOOLCHAIN_TYPE],
)
