"""push_attachments_test: what a scratch_push's launcher attaches, and its other flags."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")

def _push_attachments_test_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    launcher = target[DefaultInfo].files_to_run.executable
    writes = [a for a in analysistest.target_actions(env) if a.outputs.to_list() == [launcher]]
    asserts.equals(env, 1, len(writes), "actions writing the launcher")
    content = writes[0].content
    runfiles = [f.basename for f in target[DefaultInfo].default_runfiles.files.to_list()]
    for attachment in ctx.attr.attachments:
        artifact_type, _, basename = attachment.partition("=")
        asserts.true(env, "--attach '%s='" % artifact_type in content, "the launcher does not attach %s:\n%s" % (artifact_type, content))
        asserts.true(env, basename in runfiles, "%s is not in the launcher's runfiles %s" % (basename, runfiles))
    asserts.equals(env, len(ctx.attr.attachments), content.count("--attach "), "attachments in:\n" + content)
    for flag in ctx.attr.flags:
        asserts.true(env, flag in content, "the launcher does not pass %s:\n%s" % (flag, content))
    return analysistest.end(env)

push_attachments_test = analysistest.make(
    _push_attachments_test_impl,
    attrs = {
        "attachments": attr.string_list(doc = "TYPE=BASENAME of each document the push attaches, and nothing else."),
        "flags": attr.string_list(doc = "Other flags the launcher passes, as they appear in it."),
    },
)
