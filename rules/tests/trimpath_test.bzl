"""Unit tests of trimpath_goopts, the -trimpath go_scratch_image compiles with."""

load("@bazel_skylib//lib:unittest.bzl", "asserts", "unittest")
load("@rules_scratch_source_roots//:roots.bzl", "SOURCE_ROOTS")
load("//rules/private:go_image.bzl", "trimpath_goopts")

_ROOTS = ["bazel-out", "external", "app"]

def _trimpath_goopts_test_impl(ctx):
    env = unittest.begin(ctx)
    cases = [
        # (gc_goopts, want)
        ([], ["-trimpath=bazel-out=>bazel-out;external=>external;app=>app"]),
        (["-N"], ["-N", "-trimpath=bazel-out=>bazel-out;external=>external;app=>app"]),
        # Every root already there, in any order, with more: unchanged, so a
        # .bazelrc can give the same configuration.
        (["-trimpath=app=>app;external=>external;x=>y;bazel-out=>bazel-out"], ["-trimpath=app=>app;external=>external;x=>y;bazel-out=>bazel-out"]),
        # A bare prefix is a root's rewrite too (the user's choice of result).
        (["-trimpath=app;bazel-out;external"], ["-trimpath=app;bazel-out;external"]),
        # The missing roots join the first -trimpath, the only one rules_go reads.
        (["-l", "-trimpath=x=>y;app=>app", "-trimpath=z"], ["-l", "-trimpath=x=>y;app=>app;bazel-out=>bazel-out;external=>external", "-trimpath=z"]),
    ]
    for gc_goopts, want in cases:
        asserts.equals(env, want, trimpath_goopts(gc_goopts, _ROOTS), "trimpath_goopts(%r)" % gc_goopts)

    # The module extension lists this repository's top-level folders, and
    # neither Bazel's convenience symlinks nor hidden folders.
    for root in ["examples", "rules", "tools"]:
        asserts.true(env, root in SOURCE_ROOTS, "%s not in SOURCE_ROOTS %s" % (root, SOURCE_ROOTS))
    for name in SOURCE_ROOTS:
        asserts.false(env, name.startswith("bazel-") or name.startswith("."), "%s in SOURCE_ROOTS" % name)
    return unittest.end(env)

trimpath_goopts_test = unittest.make(_trimpath_goopts_test_impl)
