"""scratch_image_test: container-structure-test's YAML and the scratch checks, without a container runtime."""

load(":image_info.bzl", "ImageInfo")
load(":index_info.bzl", "IndexInfo")
load(":launcher.bzl", "LAUNCHER_TOOLCHAINS", "write_launcher")

_DOC = """Tests what is inside an image: `bazel test //app:image_test`.

Reads container-structure-test's YAML (`schemaVersion: 2.0.0`) unchanged:
`metadataTest` (env, labels, exposedPorts, unexposedPorts, volumes,
unmountedVolumes, entrypoint, cmd, workdir, user), `fileExistenceTests`
(path, shouldExist, permissions, uid, gid, isExecutableBy),
`fileContentTests` (expectedContents, excludedContents) and `commandTests`
(command, args, envVars, exitCode, expectedOutput, excludedOutput,
expectedError, excludedError), plus `globalEnvVars`. A key it does not run
(`setup`, `licenseTests`, ...) fails the test, naming the file, the test and
the key: no test is skipped silently.

No Docker, podman or daemon: each layer is read once into the image's merged
file system (whiteouts applied, symlinks resolved inside the image, as a
runtime resolves them), and file tests read that. Command tests run the
image's program in the unpacked image as its root, in new Linux user, mount,
PID, network, IPC and UTS namespaces, as the image's user, with its
environment and working directory. An image for another architecture runs
through qemu-user where binfmt_misc has a handler (Debian's
qemu-user-static); where it has none, its command tests are reported as not
run, by name (JUnit `skipped`). Where the kernel forbids user namespaces
and the test does not run as root, or on macOS, command tests fail saying
so; `commands = "skip"` reports them as not run instead.

Every platform of a `scratch_index` is tested. Results go to Bazel's
`$XML_OUTPUT_FILE` as JUnit XML, a test case per YAML test and per check.

```starlark
scratch_image_test(
    name = "image_test",
    image = ":image",
    configs = ["image_test.yaml"],
    static = True,
    no_shell = True,
    non_root = True,
)
```
"""

_CHECKS = {
    "ca_certificates": "A CA certificate bundle with at least one certificate where Go and OpenSSL look (`/etc/ssl/certs/ca-certificates.crt`, `/etc/ssl/cert.pem`, ...): the `ca_certificates` essential.",
    "no_setuid": "No file has the setuid or setgid bit.",
    "no_shell": "No shell (`sh`, `bash`, `busybox`, ...) anywhere in the image, as an executable or a symlink.",
    "non_root": "The image's user is not root (uid 0, or none set), and a named user (and group) resolves in the image's `/etc/passwd` (`/etc/group`), as a runtime needs.",
    "static": "Every ELF executable in the image is statically linked and built for the image's architecture.",
}

def _scratch_image_test_impl(ctx):
    image = ctx.attr.image
    if ImageInfo in image:
        layout = image[ImageInfo].layout
    elif IndexInfo in image:
        layout = image[IndexInfo].layout
    else:
        files = image[DefaultInfo].files.to_list()
        if len(files) != 1:
            fail("%s: image %s gives %d files; give a scratch_image, a scratch_index, or one OCI layout directory or OCI/docker tarball" % (ctx.label, image.label, len(files)))
        layout = files[0]
    checks = [name for name in sorted(_CHECKS) if getattr(ctx.attr, name)]
    if not ctx.files.configs and not checks:
        fail("%s tests nothing: give configs (container-structure-test YAML) or turn on a check (%s)" % (ctx.label, ", ".join(sorted(_CHECKS))))
    args = [("--image", layout)]
    args += [("--config", config) for config in ctx.files.configs]
    args += [("--" + name, None) for name in checks]
    args += [("--platform", platform) for platform in ctx.attr.platforms]
    args.append(("--commands", ctx.attr.commands))
    return [write_launcher(ctx, "test", args, [layout] + ctx.files.configs, on_host = False)]

scratch_image_test = rule(
    implementation = _scratch_image_test_impl,
    doc = _DOC,
    attrs = dict({
        "commands": attr.string(
            doc = "`\"run\"`: run command tests (an image for another architecture without a qemu-user handler: reported as not run, by name). `\"skip\"`: report every command test as not run, for machines that cannot run them (macOS; kernels that forbid user namespaces to a test that is not root).",
            default = "run",
            values = ["run", "skip"],
        ),
        "configs": attr.label_list(
            doc = "container-structure-test YAML files (`schemaVersion: 2.0.0`); each test in them is a JUnit test case.",
            allow_files = [".yaml", ".yml"],
        ),
        "image": attr.label(
            doc = "The image to test: a `scratch_image`, a `scratch_index` (every platform is tested), or a target giving one OCI layout directory or one OCI or docker tarball (an image other rules built).",
            mandatory = True,
            allow_files = True,
        ),
        "platforms": attr.string_list(
            doc = "Test only these platforms of a `scratch_index`, such as `[\"linux/arm64\"]` (which names any variant of it), for tests that hold for one platform; default: every platform.",
        ),
    }, **{
        name: attr.bool(doc = doc)
        for name, doc in _CHECKS.items()
    }),
    test = True,
    toolchains = LAUNCHER_TOOLCHAINS,
)
