"""The scratch tool as a toolchain, so that users may bring their own build of it."""

SCRATCH_TOOLCHAIN_TYPE = Label("//rules:toolchain_type")

def _scratch_toolchain_impl(ctx):
    return [platform_common.ToolchainInfo(
        tool = ctx.attr.tool[DefaultInfo].files_to_run,
    )]

scratch_toolchain = rule(
    implementation = _scratch_toolchain_impl,
    doc = "Declares the `scratch` tool used by every rules_scratch action.",
    attrs = {
        "tool": attr.label(
            doc = "The `scratch` executable, built for the execution platform.",
            mandatory = True,
            executable = True,
            cfg = "exec",
        ),
    },
)

def scratch_tool(ctx):
    """Returns the FilesToRunProvider of the resolved scratch tool.

    Args:
      ctx: the rule context of a rule that declares SCRATCH_TOOLCHAIN_TYPE.

    Returns:
      The tool to pass as `executable` to `ctx.actions.run`.
    """
    return ctx.toolchains[SCRATCH_TOOLCHAIN_TYPE].tool

def tool_args(ctx, verb):
    """Returns an Args for `verb` that spills into a params file.

    Args:
      ctx: the rule context.
      verb: the tool's verb, such as "layer".

    Returns:
      An Args object; the verb is the first argument.
    """
    args = ctx.actions.args()
    args.use_param_file("@%s", use_always = True)
    args.set_param_file_format("multiline")
    args.add(verb)
    return args
