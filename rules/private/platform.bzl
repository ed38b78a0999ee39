"""The image's os/architecture/variant, read from the target platform."""

# @platforms cpu constraint → (OCI architecture, variant).
_CPUS = {
    "x86_64": ("amd64", ""),
    "aarch64": ("arm64", "v8"),
    "arm64": ("arm64", "v8"),
    "armv7": ("arm", "v7"),
    "x86_32": ("386", ""),
    "ppc64le": ("ppc64le", ""),
    "s390x": ("s390x", ""),
    "riscv64": ("riscv64", ""),
}

PLATFORM_ATTRS = {
    "_linux": attr.label(default = "@platforms//os:linux", providers = [platform_common.ConstraintValueInfo]),
    "_cpus": attr.label_list(
        default = ["@platforms//cpu:" + cpu for cpu in _CPUS.keys()],
        providers = [platform_common.ConstraintValueInfo],
    ),
}

def _oci_platform(ctx):
    """The OCI platform of the target platform, or None if it is not a Linux one we know."""
    if not ctx.target_platform_has_constraint(ctx.attr._linux[platform_common.ConstraintValueInfo]):
        return None
    for cpu in ctx.attr._cpus:
        if ctx.target_platform_has_constraint(cpu[platform_common.ConstraintValueInfo]):
            arch, variant = _CPUS[cpu.label.name]
            return {"os": "linux", "architecture": arch, "variant": variant}
    return None

def platform_string(platform):
    """Returns "os/architecture[/variant]", as OCI tools write a platform.

    Args:
      platform: a dict with "os", "architecture" and "variant".

    Returns:
      The platform as a string.
    """
    return "/".join([platform[k] for k in ("os", "architecture", "variant") if platform[k]])

OciPlatformInfo = provider(
    doc = "The OCI platform of a configuration's target platform.",
    fields = {"platform": "string: \"os/architecture[/variant]\", or \"\" if it is not a Linux platform rules_scratch knows."},
)

def _oci_platform_impl(ctx):
    platform = _oci_platform(ctx)
    return [OciPlatformInfo(platform = platform_string(platform) if platform else "")]

oci_platform = rule(
    implementation = _oci_platform_impl,
    doc = "Provides the OCI platform of the target platform; with cfg = \"exec\", that of the platform Bazel builds on.",
    attrs = PLATFORM_ATTRS,
)

def image_platform(ctx):
    """Returns the OCI platform of the target platform.

    Args:
      ctx: a rule context with PLATFORM_ATTRS.

    Returns:
      A dict with "os", "architecture" and "variant" (possibly empty).
    """
    platform = _oci_platform(ctx)
    if platform:
        return platform
    if not ctx.target_platform_has_constraint(ctx.attr._linux[platform_common.ConstraintValueInfo]):
        fail("%s: scratch images are Linux images, but the target platform is not Linux; build with --platforms=@rules_go//go/toolchain:linux_amd64 (or linux_arm64, ...)" % ctx.label)
    fail("%s: the target platform's CPU is none of %s; build with --platforms set to a platform with one of them" % (ctx.label, sorted(_CPUS.keys())))
