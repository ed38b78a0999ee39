"""scratch_verify: `bazel run` checks a pushed image against the local build and public keys."""

load(":image_info.bzl", "ImageInfo")
load(":index_info.bzl", "IndexInfo")
load(":launcher.bzl", "RUN_EXEC_GROUPS", "write_launcher")

_DOC = """Checks that an image in a registry is this build, signed: `bazel run //app:verify -- [REF] [--key PUBLIC_KEY ...]`.

Builds `image` here, then checks REF (a tag or a digest; default `reference`):
its digest must be the local build's (when it is not, the differences are
listed down to each file, as `scratch diff` lists them), and every manifest
(an index's and each of its platform images') must carry a signature that
one of `keys` verifies and that claims REF (exactly `REPOSITORY:TAG` for a tag,
the repository for a digest); the attestations the keys signed are listed.
Exit 0: verified; 1: not; 2: an error (the registry unreachable, say).

Because the build is reproducible, this is the check across machines:
rebuild from the same commit, compare, verify.

```starlark
scratch_verify(
    name = "verify",
    image = ":image",
    keys = ["cosign.pub"],
    reference = "registry.example.com/team/app:latest",
)
```
"""

def _scratch_verify_impl(ctx):
    image = ctx.attr.image[ImageInfo] if ImageInfo in ctx.attr.image else ctx.attr.image[IndexInfo]
    args = [("--image", image.layout)] + [("--key", key) for key in ctx.files.keys]
    if ctx.attr.reference:
        args.append(("--default_ref", ctx.attr.reference))
    return [write_launcher(ctx, "verify", args, [image.layout] + ctx.files.keys)]

scratch_verify = rule(
    implementation = _scratch_verify_impl,
    doc = _DOC,
    attrs = {
        "image": attr.label(
            doc = "The `scratch_image` or `scratch_index` the pushed image must equal.",
            mandatory = True,
            providers = [[ImageInfo], [IndexInfo]],
        ),
        "keys": attr.label_list(
            doc = "Public keys (PEM `PUBLIC KEY`, as `cosign.pub`; ECDSA P-256 or Ed25519) whose signatures count; public keys are no secret and may be checked in. `--key FILE` (repeatable) adds keys at run time; with neither, `bazel run` fails asking for one.",
            allow_files = True,
        ),
        "reference": attr.string(doc = "The image to check when `bazel run` is given none, such as `\"registry.example.com/team/app:latest\"`."),
    },
    executable = True,
    exec_groups = RUN_EXEC_GROUPS,
)
