"""failure_test: checks that a target fails analysis with a given message."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")

def _failure_test_impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, ctx.attr.message)
    return analysistest.end(env)

failure_test = analysistest.make(
    _failure_test_impl,
    expect_failure = True,
    attrs = {"message": attr.string(doc = "A part of the expected fail() message.")},
)

def failure_tests(name, cases):
    """Makes one failure_test per case and a test_suite of them.

    Args:
      name: the test_suite's name.
      cases: a dict of case name to (rule, attrs, expected message); the
        target under test is tagged manual so that `bazel build //...` skips it.
    """
    tests = []
    for case, (rule, attrs, message) in cases.items():
        rule(name = case, tags = ["manual"], **attrs)
        failure_test(name = case + "_test", target_under_test = ":" + case, message = message)
        tests.append(":" + case + "_test")
    native.test_suite(name = name, tests = tests)
