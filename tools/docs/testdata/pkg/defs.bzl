"""A public file, as rules/defs.bzl."""

load("//tools/docs:testdata/pkg/impl.bzl", _ThingInfo = "ThingInfo", _make = "make_things", _thing = "thing")

thing = _thing
ThingInfo = _ThingInfo
make_things = _make
