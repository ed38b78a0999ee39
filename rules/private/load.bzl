"""scratch_load: `bazel run` loads an image into podman or docker."""

load(":image_info.bzl", "ImageInfo")
load(":index_info.bzl", "IndexInfo")
load(":launcher.bzl", "RUN_EXEC_GROUPS", "write_launcher")

_DOC = """Loads an image into podman or docker: `bazel run //app:load [-- --tag REF ...] [--runtime podman|docker]`.

The runtime is `--runtime`, else `$SCRATCH_LOAD_RUNTIME`, else whichever of
podman and docker is installed (podman first). The image is named by its
`repo_tags`, or by the `--tag`s given. It prints each loaded name and the
image id. The tarball the runtime reads is written as it reads it, from the
image's layout: building this target stores no second copy of any layer.
"""

def _scratch_load_impl(ctx):
    if ImageInfo in ctx.attr.image:
        image = ctx.attr.image[ImageInfo]
        args = []
    else:
        image = ctx.attr.image[IndexInfo]
        args = [("--platform", image.tarball_platform)]
    args += [("--layout", image.layout)] + [("--default_tag", tag) for tag in image.repo_tags]
    return [write_launcher(ctx, "load", args, [image.layout])]

scratch_load = rule(
    implementation = _scratch_load_impl,
    doc = _DOC,
    attrs = {
        "image": attr.label(
            doc = "The `scratch_image` to load, or a `scratch_index`, whose `tarball_platform` image is loaded (by default the platform Bazel builds on, if the index has it, else its first).",
            mandatory = True,
            providers = [[ImageInfo], [IndexInfo]],
        ),
    },
    executable = True,
    exec_groups = RUN_EXEC_GROUPS,
)
