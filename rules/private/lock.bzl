"""scratch_lock: a digest lock that `bazel test` enforces, and a target that rewrites it."""

load(":image_info.bzl", "ImageInfo")
load(":index_info.bzl", "IndexInfo")
load(":label.bzl", "label_name")
load(":launcher.bzl", "LAUNCHER_TOOLCHAINS", "RUN_EXEC_GROUPS", "write_launcher")

def _image_args(ctx):
    args, layouts = [], []
    for target in ctx.attr.images:
        info = target[ImageInfo] if ImageInfo in target else target[IndexInfo]
        name = label_name(target.label)
        args.append(("--image", (name + "=", info.layout)))
        args.append(("--sbom", (name + "=", info.sbom)))
        args.append(("--provenance", (name + "=", info.provenance)))
        layouts.extend([info.layout, info.sbom, info.provenance])
    return args, layouts

_ATTRS = {
    "images": attr.label_list(
        doc = "The `scratch_image` and `scratch_index` targets whose digests are locked.",
        mandatory = True,
        providers = [[ImageInfo], [IndexInfo]],
    ),
    "lock": attr.label(
        doc = "The lock file, JSON, committed next to the BUILD file.",
        mandatory = True,
        allow_single_file = [".json"],
    ),
}

def _scratch_lock_test_impl(ctx):
    args, layouts = _image_args(ctx)
    lock = ctx.file.lock
    update = "//%s:%s_update" % (ctx.label.package, ctx.label.name.removesuffix("_test"))
    return [write_launcher(ctx, "lock", [("--lock", lock), ("--update_target", update)] + args, [lock] + layouts, on_host = False)]

_scratch_lock_test = rule(
    implementation = _scratch_lock_test_impl,
    attrs = _ATTRS,
    test = True,
    toolchains = LAUNCHER_TOOLCHAINS,
)

def _scratch_lock_update_impl(ctx):
    args, layouts = _image_args(ctx)
    lock = ctx.file.lock
    if lock.owner.workspace_name:
        fail("%s: the lock %s must be a file of the main repository, which bazel run rewrites" % (ctx.label, lock.owner))
    return [write_launcher(ctx, "lock", [("--update_path", lock.short_path)] + args, layouts)]

_scratch_lock_update = rule(
    implementation = _scratch_lock_update_impl,
    attrs = _ATTRS,
    executable = True,
    exec_groups = RUN_EXEC_GROUPS,
)

def scratch_lock(name, images, lock = "digests.lock.json", **kwargs):
    """A digest lock: `<name>_test` fails when an image's digest differs from the lock; `bazel run <name>_update` rewrites it.

    The lock records, per image (per platform of an index), its digest, each
    layer's digest and diff_id, and one line per file (path, type, mode,
    owner, size, content digest), so that the test's failure says which
    image, which layer and which files changed, and how, and a change of the
    lock shows in review where files changed. It also records the digests of
    each target's SBOM and provenance and the Go modules its SBOM lists, so
    that a bumped module is named with its old and new version.

    ```starlark
    scratch_lock(
        name = "digests",
        images = ["//app:image", "//app:index"],
    )
    ```

    Args:
      name: the prefix of the two targets.
      images: scratch_image and scratch_index targets.
      lock: the committed lock file (create it empty, then run the update).
      **kwargs: common attributes (tags, visibility, ...) of both targets.
    """
    _scratch_lock_test(name = name + "_test", images = images, lock = lock, **kwargs)
    _scratch_lock_update(name = name + "_update", images = images, lock = lock, **kwargs)
