#!/usr/bin/env bash
# Runs every example image for real: umoci + runc for each, and for hello
# also podman load and skopeo inspect.
source "$(dirname "$0")/lib.sh"
cd "$REPO"

log "build //examples/... and a binary with data dependencies"
bazel build //examples/... //rules/tests:runfiles_image
bin=$REPO/bazel-bin/examples

expect_output() { # NAME LAYOUT TAG EXPECTED
  local out
  out=$(run_layout "$2" "$3") || fail "$1: the container failed: $out"
  if [ "$out" != "$4" ]; then
    diff <(echo "$4") <(echo "$out") >&2 || true
    fail "$1 printed something else"
  fi
  pass "$1 runs under runc and prints what it should"
}

log "hello"
expect_output hello "$bin/hello/image" image "Hello from a scratch image!"
digest=$(cat "$bin/hello/image.digest")
inspected=$(skopeo inspect --format '{{.Digest}} {{.Os}}/{{.Architecture}}' "oci:$bin/hello/image:image")
[ "$inspected" = "$digest linux/$(go env GOARCH)" ] || fail "skopeo sees '$inspected', want '$digest linux/...'"
pass "skopeo reads the layout: $inspected"
podman rmi -f localhost/bazel/examples/hello:image >/dev/null 2>&1 || true
podman load -i "$bin/hello/image.tar" | tee "$WORK/podman.log"
grep -q "Loaded image: localhost/bazel/examples/hello:image" "$WORK/podman.log" || fail "podman did not load the image under its repo tag"
config_digest=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]+"/blobs/sha256/"+sys.argv[2].split(":")[1])); print(m["config"]["digest"])' "$bin/hello/image" "$digest")
podman_id=$(podman image inspect --format '{{.Id}}' localhost/bazel/examples/hello:image)
[ "sha256:$podman_id" = "$config_digest" ] || fail "podman's image id $podman_id is not the config digest $config_digest"
podman rmi -f localhost/bazel/examples/hello:image >/dev/null
pass "podman loads the tarball as localhost/bazel/examples/hello:image"

log "cekit_scratch"
expect_output cekit_scratch "$bin/cekit_scratch/image" 1.0.0 "Hello from the CEKit scratch example!
CEKIT_TEST=test
/files/other.txt: This is another file.
/files/test-file.txt: This is a test file.
/target/metadata/other.txt: This is another file.
/target/metadata/test-file.txt: This is a test file."
label=$(skopeo inspect --format '{{index .Labels "io.cekit.test"}}' "oci:$bin/cekit_scratch/image:1.0.0")
[ "$label" = "This is a CEKit test label" ] || fail "cekit label is '$label'"
pass "cekit_scratch carries its label"

log "rootfs"
expect_output rootfs "$bin/rootfs/image" 1.0 "/bin/sh: running in Scratch Mini Root FS 1.0
Welcome to a root file system added onto scratch."

log "https_client"
roots=$(grep -c "BEGIN CERTIFICATE" "$REPO/bazel-bin/rules/essentials/ca_certificates_pem.crt")
expect_output https_client "$bin/https_client/image" image "certificates: ok: the system pool verifies all $roots roots of /etc/ssl/certs/ca-certificates.crt
time zone: ok: TZ=Asia/Tokyo is JST (UTC+09:00)
user: ok: uid=65532(nonroot) gid=65532 home=/home/nonroot
tmp: ok: wrote and removed a file in /tmp"

log "runfiles"
expect_output runfiles "$REPO/bazel-bin/rules/tests/runfiles_image" runfiles_image "hello from the runfiles"

summary
