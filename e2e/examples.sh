#!/usr/bin/env bash
# Runs every example image for real: umoci + runc for each; for hello (gzip
# and zstd) also podman load and skopeo inspect. Checks what a build writes:
# no tarball among the default outputs, layout blobs that are hard links of
# the layer files, and each Go package compiled once.
source "$(dirname "$0")/lib.sh"
cd "$REPO"

log "build //examples/... and a binary with data dependencies"
bazel build //examples/... //rules/tests:runfiles_image
bin=$REPO/bazel-bin/examples

log "what a build writes"
outputs=$(bazel cquery 'kind("scratch_image", //examples/...)' --output=files 2>/dev/null)
! grep '\.tar$' <<<"$outputs" || fail "a tarball is among the default outputs of an image"
pass "default outputs: layouts and digests, no tarball ($(wc -l <<<"$outputs") files)"
for layout in $(grep -v '\.digest$' <<<"$outputs"); do
  for blob in "$REPO/$layout"/blobs/sha256/*; do
    media=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); print(" ".join(l["digest"].split(":")[1] for l in m.get("layers", [])))' "$blob" 2>/dev/null || true)
    for layer in $media; do
      twin=$(find "$REPO/bazel-out/" -name "*.tar.*" -samefile "$REPO/$layout/blobs/sha256/$layer" | head -1)
      [ -n "$twin" ] || fail "$layout: blob $layer is not a hard link of a layer file"
    done
  done
done
pass "every layout's layer blobs are hard links of the layer files"
# compiled_twice FLAGS...: the Go packages that building hello and its image
# compiles in more than one target configuration (tools built for the
# execution platform aside).
compiled_twice() {
  bazel aquery 'mnemonic("GoCompilePkg", deps(//examples/hello:hello) union deps(//examples/hello:image))' "$@" --output=text 2>/dev/null |
    awk '/^  Target: / { target = $2 } /^  Configuration: / && $2 !~ /-exec/ { print target }' | sort | uniq -d
}
twice=$(compiled_twice)
[ -z "$twice" ] || fail "packages compiled twice for hello and its image: $twice"
# Without .bazelrc's pure and static settings, or its -trimpath, the test
# must see the double work.
[ -n "$(compiled_twice --no@rules_go//go/config:pure --no@rules_go//go/config:static)" ] ||
  fail "without pure and static on the command line, no package is compiled twice: the check sees nothing"
[ -n "$(compiled_twice --@rules_go//go/config:gc_goopts=)" ] ||
  fail "without .bazelrc's -trimpath, no package is compiled twice: the check sees nothing"
pass "with .bazelrc's pure, static and -trimpath, hello and its image compile each Go package once"

expect_output() { # NAME LAYOUT TAG EXPECTED
  local out
  out=$(run_layout "$2" "$3") || fail "$1: the container failed: $out"
  if [ "$out" != "$4" ]; then
    diff <(echo "$4") <(echo "$out") >&2 || true
    fail "$1 printed something else"
  fi
  pass "$1 runs under runc and prints what it should"
}

# check_podman_and_skopeo TARGET LAYOUT TAG: the tarball, built on demand,
# loads into podman with the config digest as image id; skopeo reads the
# layout and sees its digest. Leaves the image loaded, as $loaded.
check_podman_and_skopeo() {
  local target=$1 layout=$2 tag=$3 digest inspected config_digest podman_id name
  digest=$(cat "$layout.digest")
  inspected=$(skopeo inspect --format '{{.Digest}} {{.Os}}/{{.Architecture}}' "oci:$layout:$tag")
  [ "$inspected" = "$digest linux/$(go env GOARCH)" ] || fail "skopeo sees '$inspected', want '$digest linux/...'"
  pass "skopeo reads $target's layout: $inspected"
  bazel build "$target" --output_groups=+tarball 2>/dev/null
  [ -f "$layout.tar" ] || fail "--output_groups=+tarball did not write $layout.tar"
  name=localhost/bazel/${target#//}
  name=${name/://}
  name=${name%/*}:${target##*:}
  podman rmi -f "$name" >/dev/null 2>&1 || true
  podman load -i "$layout.tar" | tee "$WORK/podman.log"
  grep -q "Loaded image: $name" "$WORK/podman.log" || fail "podman did not load $target as $name"
  config_digest=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]+"/blobs/sha256/"+sys.argv[2].split(":")[1])); print(m["config"]["digest"])' "$layout" "$digest")
  podman_id=$(podman image inspect --format '{{.Id}}' "$name")
  [ "sha256:$podman_id" = "$config_digest" ] || fail "podman's image id $podman_id is not the config digest $config_digest"
  pass "podman loads $target's tarball as $name"
  loaded=$name
}

log "hello"
expect_output hello "$bin/hello/image" image "Hello from a scratch image!"
check_podman_and_skopeo //examples/hello:image "$bin/hello/image" image
podman rmi -f "$loaded" >/dev/null

log "hello, zstd"
media=$(skopeo inspect --raw "oci:$bin/hello/image_zstd:image_zstd" | python3 -c 'import json,sys; print(json.load(sys.stdin)["layers"][0]["mediaType"])')
[ "$media" = "application/vnd.oci.image.layer.v1.tar+zstd" ] || fail "hello's zstd layer has media type $media"
pass "skopeo sees the zstd layer: $media"
check_podman_and_skopeo //examples/hello:image_zstd "$bin/hello/image_zstd" image_zstd
# umoci 0.4.7 refuses zstd layers ("blob is not correct mediatype"): podman
# unpacks them, runc runs the result.
out=$(run_loaded "$loaded") || fail "hello_zstd: the container failed: $out"
[ "$out" = "Hello from a scratch image!" ] || fail "hello_zstd printed '$out'"
pass "hello_zstd, unpacked by podman, runs under runc and prints what it should"
podman rmi -f "$loaded" >/dev/null

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

log "scratch_image_test of every example, without a runtime"
bazel test --nocache_test_results //examples/... >"$WORK/test.log" 2>&1 || { cat "$WORK/test.log"; fail "bazel test //examples/... failed"; }
for t in hello/image_test https_client/image_test cekit_scratch/image_test rootfs/image_test multiarch/index_test multiarch/arm64_image_test; do
  grep -E "^linux/" "$REPO/bazel-testlogs/examples/$t/test.log" | sed "s|^|$t: |"
done
hello=$(grep -E "^linux/amd64 " "$REPO/bazel-testlogs/examples/hello/image_test/test.log")
seconds=$(sed -E 's/.* in ([0-9.]+) s;.*/\1/' <<<"$hello")
awk -v s="$seconds" 'BEGIN { exit !(s < 1) }' || fail "hello's image_test took $seconds s (goal: under 1 s)"
pass "hello's scratch_image_test: $seconds s (goal: under 1 s), no runtime"
[ "$(grep -c "^linux/" "$REPO/bazel-testlogs/examples/multiarch/index_test/test.log")" = 6 ] || fail "index_test did not test 6 platforms"
if grep -h "^NOT RUN" "$REPO"/bazel-testlogs/examples/*/*/test.log; then fail "a command test was not run"; fi
pass "every platform of the multiarch index ran its command (5 under qemu-user)"

summary
