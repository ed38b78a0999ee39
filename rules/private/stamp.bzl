"""Whether the build stamps (`--stamp`), for rules that read the workspace status."""

StampInfo = provider(
    doc = "Whether Bazel runs with --stamp.",
    fields = {"enabled": "bool: --stamp is on."},
)

def _stamp_setting_impl(ctx):
    return [StampInfo(enabled = ctx.attr.enabled)]

stamp_setting = rule(
    implementation = _stamp_setting_impl,
    doc = "Provides StampInfo; `enabled` is selected on `--stamp`.",
    attrs = {"enabled": attr.bool(doc = "Whether --stamp is on.")},
)

STAMP_ATTRS = {
    "_stamp": attr.label(default = "//rules/private:stamp"),
}

def stamping(ctx):
    """Returns whether this build stamps.

    Args:
      ctx: the context of a rule with STAMP_ATTRS.

    Returns:
      True with --stamp.
    """
    return ctx.attr._stamp[StampInfo].enabled
