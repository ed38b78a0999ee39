"""scratch_push: `bazel run` pushes an image to an OCI registry."""

load(":image_info.bzl", "ImageInfo")
load(":index_info.bzl", "IndexInfo")
load(":launcher.bzl", "RUN_EXEC_GROUPS", "write_launcher")
load(":stamp.bzl", "STAMP_ATTRS", "stamping")

_DOC = """Pushes an image to an OCI registry: `bazel run //app:push [-- --repository R] [--tag T ...]`.

Only the blobs the registry lacks are uploaded (each is checked first), a few
at a time, with retries of transient failures (connection errors and resets,
408, 429 after its `Retry-After`, 5xx) with exponential backoff for about 30
seconds; then the manifest by digest, then the image's SBOM and provenance
(with `attach`), then its signatures and attestations (given a key), then
each tag: a tag never names an image whose documents or signatures are
missing, and a failure before the tags leaves the old tags where they were.
It prints one line on stdout, `REPOSITORY@sha256:...`, and its progress on
stderr.

Given private keys at run time (`--sign_key FILE`, repeatable, or the file
`sign_key_env` names), it signs as cosign does: the image (an index and each
platform image) with a simple signing payload per tag in the tag
`sha256-<hex>.sig`, and the SBOM and provenance as in-toto attestations in
the tag `sha256-<hex>.att`; deterministic signatures, so pushing again
uploads nothing. Keys are cosign's `cosign.key` (password from
`COSIGN_PASSWORD`) or PKCS#8 PEM of ECDSA P-256 or Ed25519; a key is never a
Bazel input.

The SBOM (`application/spdx+json`, or `application/vnd.cyclonedx+json`) and the provenance
(`application/vnd.in-toto+json`) go as OCI 1.1 artifacts whose `subject` is
the image; for an index, the index's own and each platform image's. A
registry with the referrers API lists them there; for one without
(distribution 2 and 3, Debian's docker-registry), they are listed in the
referrers tag schema's index, the tag `sha256-<hex>` of the subject, as
`oras discover` and `cosign` read it. Their manifests depend only on the
documents and the image, so pushing again uploads no blob.

Credentials are those of `docker login` and `podman login`
(`$DOCKER_CONFIG/config.json` or `~/.docker/config.json` with `auths`,
`credHelpers` and `credsStore`; `$REGISTRY_AUTH_FILE`;
`$XDG_RUNTIME_DIR/containers/auth.json`). TLS is verified against the system
roots plus `SSL_CERT_FILE` / `SSL_CERT_DIR`; plain HTTP is used only for
`localhost` and `127.0.0.1` registries, or with `--insecure`.

```starlark
scratch_push(
    name = "push",
    image = ":image",
    repository = "registry.example.com/team/app",
    remote_tags = ["latest", "{STABLE_GIT_COMMIT}"],  # {KEY} needs bazel run --stamp
)
```
"""

_IN_TOTO = "application/vnd.in-toto+json"

def _sbom_type(sbom):
    return "application/vnd.cyclonedx+json" if sbom.basename.endswith(".cdx.json") else "application/spdx+json"

_REPOSITORY_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789._-/:"
_TAG_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"

def _without_status_keys(value):
    """value with each {KEY} of the workspace status taken out."""
    out = ""
    for part in value.split("{"):
        out += part.partition("}")[2] if "}" in part else part
    return out

def _check_value(value, what, stamp, ctx):
    where = "scratch_push %s" % ctx.label
    if "{" in value and not stamp:
        fail("%s: %s %r uses Bazel's workspace status, which is read only with --stamp: run `bazel run --stamp %s`" % (where, what, value, ctx.label))
    plain = _without_status_keys(value)
    if what == "repository":
        last = plain.split("/")[-1]
        if not value or [c for c in plain.elems() if c not in _REPOSITORY_CHARS] or ":" in last or plain.startswith("/") or plain.endswith("/"):
            fail("%s: repository %r is not a lowercase repository without a tag or digest; write it like \"registry.example.com/team/app\" and give tags in `remote_tags`" % (where, value))
    elif not value or [c for c in plain.elems() if c not in _TAG_CHARS]:
        fail("%s: tag %r is not a tag: give only the part after the colon, such as \"1.0\"" % (where, value))

def _scratch_push_impl(ctx):
    stamp = stamping(ctx)
    _check_value(ctx.attr.repository, "repository", stamp, ctx)
    for tag in ctx.attr.remote_tags:
        _check_value(tag, "tag", stamp, ctx)
    image = ctx.attr.image[ImageInfo] if ImageInfo in ctx.attr.image else ctx.attr.image[IndexInfo]
    args = [("--layout", image.layout), ("--default_repository", ctx.attr.repository)]
    args += [("--default_tag", tag) for tag in ctx.attr.remote_tags]
    files = [image.layout]
    if ctx.attr.sign_key_env:
        args.append(("--sign_key_env", ctx.attr.sign_key_env))
    root_symlinks = {}
    if ctx.attr.attach:
        documents = [(image.sbom, _sbom_type(image.sbom)), (image.provenance, _IN_TOTO)]
        args += [("--attach", (artifact_type + "=", document)) for document, artifact_type in documents]
        files += [document for document, _ in documents]
        if IndexInfo in ctx.attr.image:
            # Each platform's documents have one runfiles path (the image's
            # label): give each a folder of its platform.
            for platform, sbom, provenance in zip(image.platforms, image.platform_sboms, image.platform_provenances):
                for document, artifact_type in [(sbom, _sbom_type(sbom)), (provenance, _IN_TOTO)]:
                    path = "/".join([ctx.workspace_name, ctx.label.package, ctx.label.name + ".attachments", platform.replace("/", "_"), document.basename])
                    root_symlinks[path] = document
                    args.append(("--attach", ("%s@%s=" % (artifact_type, platform), path)))
    if stamp:
        args += [("--stamp_info", ctx.info_file), ("--stamp_info", ctx.version_file)]
        files += [ctx.info_file, ctx.version_file]
    return [write_launcher(ctx, "push", args, files, root_symlinks = root_symlinks)]

scratch_push = rule(
    implementation = _scratch_push_impl,
    doc = _DOC,
    attrs = dict({
        "image": attr.label(
            doc = "The `scratch_image` or `scratch_index` to push. An index goes with every platform's blobs and manifest, then the index by digest, then the tags.",
            mandatory = True,
            providers = [[ImageInfo], [IndexInfo]],
        ),
        "repository": attr.string(
            doc = "Where to push, such as `\"registry.example.com/team/app\"`. `--repository` overrides it. May use `{KEY}` of Bazel's workspace status, with `--stamp`.",
            mandatory = True,
        ),
        "attach": attr.bool(
            doc = "Whether to push the SBOM and provenance as OCI 1.1 artifacts referring to the image (and, for an index, to each platform's image) before the tags. Turn it off for a registry that refuses artifacts.",
            default = True,
        ),
        "sign_key_env": attr.string(
            doc = "An environment variable that holds, at `bazel run` time, the path of a private key to sign with (cosign's `cosign.key`, its password in `COSIGN_PASSWORD`, or a PKCS#8 PEM of ECDSA P-256 or Ed25519); unset, the push fails. `--sign_key FILE` (repeatable) adds keys. The key is never a Bazel input: no cache or executor sees it.",
        ),
        "remote_tags": attr.string_list(
            doc = "Tags to put on the pushed digest, after it is pushed (named so because `tags` is a Bazel attribute of every target). `--tag` (repeatable) replaces them. May use `{KEY}` of Bazel's workspace status, with `--stamp`.",
        ),
    }, **STAMP_ATTRS),
    executable = True,
    exec_groups = RUN_EXEC_GROUPS,
)
