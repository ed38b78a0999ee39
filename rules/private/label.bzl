"""How the rules write a label in what they output."""

def label_name(label):
    """Returns a label as a user writes it.

    Args:
      label: a Label.

    Returns:
      "//pkg:name" in the main repository (Bazel 7's str() says "@@//pkg:name"),
      "@repo//pkg:name" elsewhere (the canonical repository name).
    """
    return ("@" + label.workspace_name if label.workspace_name else "") + "//" + label.package + ":" + label.name
