"""Checks of image configuration values, done at analysis so that errors name the value."""

_SIGNALS = [
    "ABRT",
    "ALRM",
    "BUS",
    "CHLD",
    "CONT",
    "FPE",
    "HUP",
    "ILL",
    "INT",
    "IO",
    "KILL",
    "PIPE",
    "PROF",
    "PWR",
    "QUIT",
    "SEGV",
    "STKFLT",
    "STOP",
    "SYS",
    "TERM",
    "TRAP",
    "TSTP",
    "TTIN",
    "TTOU",
    "URG",
    "USR1",
    "USR2",
    "VTALRM",
    "WINCH",
    "XCPU",
    "XFSZ",
]
_PROTOCOLS = ["tcp", "udp", "sctp"]
_NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"
_REPO_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789._-/:"

def env_list(env, where):
    """Returns env as ["KEY=VALUE", ...] in the order written, after checking the keys.

    Args:
      env: the env attribute (a dict).
      where: the target, for error messages.

    Returns:
      A list of "KEY=VALUE" strings.
    """
    result = []
    for key, value in env.items():
        if not key or [c for c in key.elems() if c == "=" or c.isspace() or c == "\0"]:
            fail("%s: env key %r is not a valid variable name: it must be non-empty, without \"=\" or white space, such as \"APP_PORT\"" % (where, key))
        result.append("%s=%s" % (key, value))
    return result

def exposed_ports(ports, where):
    """Returns ports as "port/protocol" strings ("8080" becomes "8080/tcp").

    Args:
      ports: the exposed_ports attribute.
      where: the target, for error messages.

    Returns:
      A list of "port/protocol" strings.
    """
    result = []
    for port in ports:
        number, _, protocol = port.partition("/")
        protocol = protocol or "tcp"
        if not number.isdigit() or not (1 <= int(number) and int(number) <= 65535) or protocol not in _PROTOCOLS:
            fail("%s: exposed_ports entry %r is not a port: write \"8080\", \"8080/tcp\" or \"53/udp\" (1-65535; tcp, udp or sctp)" % (where, port))
        result.append("%d/%s" % (int(number), protocol))
    return result

def _check_user_part(part, what, user, where):
    if part.isdigit():
        if int(part) > 4294967295:
            fail("%s: user %r: %s %s is larger than 4294967295" % (where, user, what, part))
        return
    if not part or part[0] in "-." or [c for c in part.elems() if c not in _NAME_CHARS]:
        fail("%s: user %r is not \"name\", \"uid\", \"uid:gid\" or \"name:group\": the %s %r is neither a number nor a name of letters, digits, \"_\", \".\" and \"-\"" % (where, user, what, part))

def check_user(user, where):
    """Fails unless user is empty, "uid", "uid:gid", "name" or "name:group".

    Args:
      user: the user attribute.
      where: the target, for error messages.

    Returns:
      user, unchanged.
    """
    if not user:
        return user
    parts = user.split(":")
    if len(parts) > 2:
        fail("%s: user %r has more than one \":\"; write \"uid:gid\", such as \"65532:65532\"" % (where, user))
    _check_user_part(parts[0], "user", user, where)
    if len(parts) == 2:
        _check_user_part(parts[1], "group", user, where)
    return user

def check_stop_signal(signal, where):
    """Fails unless signal is empty, a signal name ("SIGTERM", "TERM") or a number.

    Args:
      signal: the stop_signal attribute.
      where: the target, for error messages.

    Returns:
      signal, unchanged.
    """
    if not signal or signal.isdigit() and 1 <= int(signal) and int(signal) <= 64:
        return signal
    name = signal.upper().removeprefix("SIG")
    if name not in _SIGNALS and not name.startswith("RTMIN") and not name.startswith("RTMAX"):
        fail("%s: stop_signal %r is not a known signal; write a name such as \"SIGTERM\" or a number from 1 to 64" % (where, signal))
    return signal

def check_volumes(volumes, where):
    """Fails unless every volume is an absolute path.

    Args:
      volumes: the volumes attribute.
      where: the target, for error messages.

    Returns:
      volumes, unchanged.
    """
    for volume in volumes:
        if not volume.startswith("/"):
            fail("%s: volume %r is not an absolute path; write it like \"/data\"" % (where, volume))
    return volumes

def check_repo_tag(tag, where):
    """Fails unless tag is a lowercase repository[:tag].

    Args:
      tag: one entry of repo_tags.
      where: the target, for error messages.

    Returns:
      tag, unchanged.
    """
    if not tag or tag != tag.lower() or [c for c in tag.elems() if c not in _REPO_CHARS] or tag.startswith("/"):
        fail("%s: repo_tags entry %r is not a valid lowercase repository[:tag]; write it like \"example.com/app:1.0\"" % (where, tag))
    return tag
