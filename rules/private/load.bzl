"""scratch_load: `bazel run` loads an image into podman or docker."""

load(":image_info.bzl", "ImageInfo")
load(":launcher.bzl", "LAUNCHER_TOOLCHAINS", "write_launcher")

_DOC = """Loads an image into podman or docker: `bazel run //app:load [-- --tag REF ...] [--runtime podman|docker]`.

The runtime is `--runtime`, else `$SCRATCH_LOAD_RUNTIME`, else whichever of
podman and docker is installed (podman first). The image is named by its
`repo_tags`, or by the `--tag`s given. It prints each loaded name and the
image id. This target is what makes Bazel build the image's tarball.
"""

def _scratch_load_impl(ctx):
    image = ctx.attr.image[ImageInfo]
    return [write_launcher(
        ctx,
        "load",
        [("--tarball", image.tarball), ("--layout", image.layout)],
        [image.tarball, image.layout],
    )]

scratch_load = rule(
    implementation = _scratch_load_impl,
    doc = _DOC,
    attrs = {
        "image": attr.label(
            doc = "The `scratch_image` to load.",
            mandatory = True,
            providers = [ImageInfo],
        ),
    },
    executable = True,
    toolchains = LAUNCHER_TOOLCHAINS,
)
