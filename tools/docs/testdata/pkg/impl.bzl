"""Rules of another repository's kinds, loaded only as stand-ins."""

load("@other//:defs.bzl", "OTHER_LIST", "OtherInfo")

ThingInfo = provider(
    doc = "What a thing gives.",
    fields = {"path": "File: where it is."},
)

_ATTRS = {
    "count": attr.int(doc = "How many.", default = 2),
    "deps": attr.label_list(doc = "Other things.", providers = [OtherInfo]),
    "mode": attr.string(doc = "How | to make it.", values = ["fast", "slow"], default = "fast"),
    "_hidden": attr.label(default = Label("//private:tool")),
}

thing = rule(
    implementation = lambda ctx: [],
    doc = "Makes a thing.\n\nIn two paragraphs.",
    attrs = dict(_ATTRS, src = attr.label(doc = "The source.", mandatory = True)),
)

# Another repository's list, iterated at the top level.
ALL_OTHER = [x for x in OTHER_LIST]

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
