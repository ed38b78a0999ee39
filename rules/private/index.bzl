"""scratch_index: one image built for several platforms, as an OCI image index."""

load(":config.bzl", "check_repo_tag")
load(":image.bzl", "SBOM_ATTRS", "default_repo_tag", "write_provenance", "write_sbom", "write_tarball")
load(":image_info.bzl", "ImageInfo")
load(":index_info.bzl", "IndexInfo")
load(":platform.bzl", "OciPlatformInfo", "platform_string")
load(":toolchain.bzl", "SCRATCH_TOOLCHAIN_TYPE", "scratch_tool", "tool_args")

_DOC = """Builds `image` once for each of `platforms` and writes an OCI image index of them.

The image's Go binaries are cross-compiled (static and pure, as
`go_scratch_image` always builds them); layers that are the same on every
platform (the essentials, say) are stored once. Outputs, like `scratch_image`'s:
the OCI layout `<name>`, `<name>.digest` (of the index), and in output group
`tarball` `<name>.tar`, which holds the whole index (so `skopeo copy --all
oci-archive:...` carries every platform, and `podman load` takes the machine's)
and whose `manifest.json` names one platform's image for `docker load`.
`<name>.spdx.json` (`<name>.cdx.json` with `sbom_format = "cyclonedx"`) is
the index's SBOM (each platform's image in full; the output group `sbom` adds
each platform's own), and `<name>.provenance.json`
its SLSA provenance, whose subjects are the index and each platform manifest.

```starlark
platform(
    name = "linux_arm64",
    constraint_values = ["@platforms//os:linux", "@platforms//cpu:arm64"],
)

scratch_index(
    name = "index",
    image = ":image",
    platforms = [":linux_amd64", ":linux_arm64"],
)
```
"""

def _platforms_transition_impl(_settings, attr):
    return {str(p): {"//command_line_option:platforms": [str(p)]} for p in attr.platforms}

_platforms_transition = transition(
    implementation = _platforms_transition_impl,
    inputs = [],
    outputs = ["//command_line_option:platforms"],
)

def _scratch_index_impl(ctx):
    where = "scratch_index %s" % ctx.label
    repo_tags = ctx.attr.repo_tags or [default_repo_tag(ctx.label)]
    for tag in repo_tags:
        check_repo_tag(tag, where)
    images = [ctx.split_attr.image[str(p.label)][ImageInfo] for p in ctx.attr.platforms]
    platforms = [platform_string(image.config) for image in images]
    for i, platform in enumerate(platforms):
        if platform in platforms[:i]:
            fail("%s: %s and %s are both %s platforms; an index holds one image per platform" % (where, ctx.attr.platforms[platforms.index(platform)].label, ctx.attr.platforms[i].label, platform))

    # docker load takes one image: the one the building machine can run, if
    # the index has it.
    exec_platform = ctx.attr._exec_platform[OciPlatformInfo].platform
    tarball_platform = ctx.attr.tarball_platform or (exec_platform if exec_platform in platforms else platforms[0])
    if tarball_platform not in platforms:
        fail("%s: tarball_platform %r is not a platform of the index; choose one of %s" % (where, tarball_platform, platforms))

    layout = ctx.actions.declare_directory(ctx.label.name)
    digest = ctx.actions.declare_file(ctx.label.name + ".digest")
    args = tool_args(ctx, "index")
    args.add_all([image.layout for image in images], before_each = "--image", expand_directories = False)
    args.add_all(repo_tags, before_each = "--repo_tag")
    args.add("--layout", layout.path)
    args.add("--digest", digest)
    ctx.actions.run(
        executable = scratch_tool(ctx),
        arguments = [args],
        inputs = [image.layout for image in images],
        outputs = [layout, digest],
        mnemonic = "ScratchIndex",
        progress_message = "Writing index %{label}",
        # Out of a sandbox, the layout's blobs can be hard links.
        execution_requirements = {"no-sandbox": "1"},
        toolchain = SCRATCH_TOOLCHAIN_TYPE,
    )
    tarball = write_tarball(ctx, layout, repo_tags, platform = tarball_platform)
    sbom_images = [image.sbom_image for image in images]
    sbom = write_sbom(ctx, sbom_images, index = struct(name = repo_tags[0], digest = digest, created = images[0].config["created"]))
    subjects = {repo_tags[0]: digest}
    for platform, image in zip(platforms, images):
        subjects[platform] = image.digest
    provenance = write_provenance(ctx, sbom_images, subjects)
    platform_sboms = [image.sbom for image in images]
    return [
        DefaultInfo(files = depset([layout, digest, sbom, provenance])),
        OutputGroupInfo(tarball = depset([tarball]), sbom = depset([sbom] + platform_sboms), provenance = depset([provenance])),
        IndexInfo(layout = layout, tarball = tarball, digest = digest, sbom = sbom, platform_sboms = platform_sboms, platform_provenances = [image.provenance for image in images], provenance = provenance, repo_tags = repo_tags, platforms = platforms, tarball_platform = tarball_platform),
    ]

scratch_index = rule(
    implementation = _scratch_index_impl,
    doc = _DOC,
    attrs = dict({
        "image": attr.label(
            doc = "The `scratch_image` (or `go_scratch_image`) to build for each platform, through a transition on the target platform: its Go binaries are cross-compiled static and pure.",
            mandatory = True,
            providers = [ImageInfo],
            cfg = _platforms_transition,
        ),
        "platforms": attr.label_list(
            doc = "The `platform` targets to build `image` for, in index order: Linux with one of the CPUs rules_scratch knows (x86_64, arm64, armv7, ppc64le, s390x, riscv64, x86_32). Each manifest carries its platform, with the variant OCI expects (`arm64/v8`, `arm/v7`).",
            mandatory = True,
            allow_empty = False,
            providers = [platform_common.PlatformInfo],
        ),
        "repo_tags": attr.string_list(doc = "Names for the index: in `index.json` (the first) and in the tarball's `manifest.json`. Default: `bazel/<package>:<name>` (`bazel:<name>` in the root package)."),
        "tarball_platform": attr.string(doc = "The platform (`linux/arm64/v8`) whose image the tarball's `manifest.json` names, for `docker load`. Default: the platform Bazel builds on, if the index has it, else the first."),
        "_exec_platform": attr.label(
            default = "//rules/private:exec_platform",
            cfg = "exec",
            providers = [OciPlatformInfo],
        ),
    }, **SBOM_ATTRS),
    toolchains = [SCRATCH_TOOLCHAIN_TYPE],
)
