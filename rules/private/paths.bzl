"""Checks of destination paths, done at analysis so that errors name the attribute."""

def check_image_path(path, where, allow_root = False):
    """Fails unless `path` is a clean absolute path inside the image.

    Args:
      path: a destination such as "/app/hello"; a trailing "/" is allowed.
      where: what to name in the error, such as "files of //pkg:layer".
      allow_root: whether "/" itself is allowed.

    Returns:
      `path` unchanged.
    """
    if allow_root and path == "/":
        return path
    if not path.startswith("/"):
        fail("%s: destination %r is not absolute; write it as %r" % (where, path, "/" + path))
    parts = path[1:].split("/")
    if path.endswith("/"):
        parts = parts[:-1]
    for part in parts:
        if part in ("", ".", ".."):
            fail("%s: destination %r has an empty, \".\" or \"..\" component; write the plain path, such as \"/app/config.yaml\"" % (where, path))
    if path == "/" or path == "":
        fail("%s: destination %r is the image root; give a path below it" % (where, path))
    return path

def parse_mode(text, where):
    """Parses an octal mode such as "0755" or "1777".

    Args:
      text: the mode, in octal digits.
      where: what to name in the error.

    Returns:
      The mode as an int.
    """
    digits = text[2:] if text.startswith("0o") else text
    if not digits or len(digits) > 4 or [c for c in digits.elems() if c not in "01234567"]:
        fail("%s: mode %r is not an octal mode; write it like \"0755\" or \"1777\"" % (where, text))
    return int(digits, 8)

def parse_owner(text, where):
    """Parses "uid:gid" with numeric ids.

    Args:
      text: the owner, such as "65532:65532".
      where: what to name in the error.

    Returns:
      A (uid, gid) tuple of ints.
    """
    parts = text.split(":")
    if len(parts) != 2 or not parts[0].isdigit() or not parts[1].isdigit():
        fail("%s: owner %r is not \"uid:gid\" with numbers, such as \"65532:65532\"" % (where, text))
    return int(parts[0]), int(parts[1])
