"""What defs.bzl re-exports, as rules/private holds what rules/defs.bzl does."""

ThingInfo = provider(
    doc = "What a thing gives.",
    fields = {"path": "File: where it is."},
)

_ATTRS = {
    "count": attr.int(doc = "How many → at least one.", default = 2),
    "deps": attr.label_list(doc = "Other things.", providers = [ThingInfo]),
    "mode": attr.string(doc = "How | to make it.", values = ["fast", "slow"], default = "fast"),
    "_hidden": attr.label(default = Label("//tools/cmd/scratch")),
}

thing = rule(
    implementation = lambda ctx: [],
    doc = "Makes a thing.\n\nIn two paragraphs.",
    attrs = dict(_ATTRS, src = attr.label(doc = "The source.", mandatory = True)),
)

def make_things(name, count = 1, **kwargs):
    """Makes `count` things.

    Args:
      name: the first thing's name;
        the others are numbered.
      count: how many.
      **kwargs: passed to each thing.
    """
    for i in range(count):
        thing(name = "%s_%d" % (name, i), **kwargs)
