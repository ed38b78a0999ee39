"""A shell launcher that runs one verb of the scratch tool under `bazel run`."""

load("@platforms//host:constraints.bzl", "HOST_CONSTRAINTS")
load(":toolchain.bzl", "SCRATCH_TOOLCHAIN_TYPE", "scratch_tool")

def _shell_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"

def rlocation(ctx, f):
    """Returns the path of f below the runfiles directory.

    Args:
      ctx: the rule context.
      f: a File in the target's runfiles.

    Returns:
      "<repository>/<path>", as runfiles libraries spell it.
    """
    if f.short_path.startswith("../"):
        return f.short_path[3:]
    return ctx.workspace_name + "/" + f.short_path

def write_launcher(ctx, verb, args, files, on_host = True, root_symlinks = {}):
    """Writes the target's executable: `scratch <verb> <args> "$@"`.

    Args:
      ctx: the context of an executable rule that declares SCRATCH_TOOLCHAIN_TYPE.
      verb: the tool's verb.
      args: a list of (flag, value) pairs; a File value is passed as its
        runfiles path, a (prefix, File) pair as the prefix and the path, a
        (prefix, string) pair as the prefix and that path below the runfiles
        directory (a key of root_symlinks), a string as it is, None as no
        value (a boolean flag).
      files: Files the launcher needs at run time, besides the tool.
      on_host: whether `bazel run` runs it, on the machine Bazel runs on
        (the rule declares RUN_EXEC_GROUPS), rather than a test, which runs
        on an execution platform (the rule declares LAUNCHER_TOOLCHAINS).
      root_symlinks: runfiles path to File, for files whose own runfiles
        paths would clash (one per configuration of a split attribute).

    Returns:
      DefaultInfo with the launcher and its runfiles.
    """
    if on_host:
        tool = ctx.exec_groups["host"].toolchains[SCRATCH_TOOLCHAIN_TYPE].tool.executable
    else:
        tool = scratch_tool(ctx).executable
    words = []
    for flag, value in args:
        if type(value) == "tuple":
            path = value[1] if type(value[1]) == "string" else rlocation(ctx, value[1])
            words.append("%s %s\"$runfiles/%s\"" % (flag, _shell_quote(value[0]), path))
        elif value == None:
            words.append(flag)
        elif type(value) == "File":
            words.append("%s \"$runfiles/%s\"" % (flag, rlocation(ctx, value)))
        else:
            words.append("%s %s" % (flag, _shell_quote(value)))
    launcher = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(
        output = launcher,
        is_executable = True,
        content = "\n".join([
            "#!/usr/bin/env bash",
            "# `bazel run %s`: scratch %s, with the target's settings; flags given after -- come last and win." % (ctx.label, verb),
            "set -euo pipefail",
            "runfiles=${RUNFILES_DIR:-$0.runfiles}",
            "exec \"$runfiles/%s\" %s %s \"$@\"" % (rlocation(ctx, tool), verb, " ".join(words)),
            "",
        ]),
    )
    return DefaultInfo(
        executable = launcher,
        files = depset([launcher]),
        runfiles = ctx.runfiles(files = [tool] + files, root_symlinks = root_symlinks),
    )

LAUNCHER_TOOLCHAINS = [SCRATCH_TOOLCHAIN_TYPE]

# `bazel run` starts a launcher on the machine Bazel runs on, whatever
# executors build the rest: its tool is built for that machine.
RUN_EXEC_GROUPS = {"host": exec_group(
    toolchains = [SCRATCH_TOOLCHAIN_TYPE],
    exec_compatible_with = HOST_CONSTRAINTS,
)}
