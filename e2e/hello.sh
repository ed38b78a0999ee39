#!/usr/bin/env bash
# Runs the hello example image for real: umoci + runc, podman load, skopeo.
source "$(dirname "$0")/lib.sh"
cd "$REPO"

log "build //examples/hello:image"
bazel build //examples/hello:image
layout=$REPO/bazel-bin/examples/hello/image
tarball=$layout.tar
digest=$(cat "$layout.digest")

log "run with umoci + runc"
out=$(run_layout "$layout" image)
[ "$out" = "Hello from a scratch image!" ] || fail "hello printed '$out'"
pass "runc runs the image and it greets"

log "skopeo inspect the layout"
inspected=$(skopeo inspect --format '{{.Digest}} {{.Os}}/{{.Architecture}}' "oci:$layout:image")
[ "$inspected" = "$digest linux/$(go env GOARCH)" ] || fail "skopeo sees '$inspected', want '$digest linux/...'"
pass "skopeo reads the layout: $inspected"

log "podman load the tarball"
podman rmi -f localhost/bazel/examples/hello:image >/dev/null 2>&1 || true
podman load -i "$tarball" | tee "$WORK/podman.log"
grep -q "Loaded image: localhost/bazel/examples/hello:image" "$WORK/podman.log" || fail "podman did not load the image under its repo tag"
config_digest=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]+"/blobs/sha256/"+sys.argv[2].split(":")[1])); print(m["config"]["digest"])' "$layout" "$digest")
podman_id=$(podman image inspect --format '{{.Id}}' localhost/bazel/examples/hello:image)
[ "sha256:$podman_id" = "$config_digest" ] || fail "podman's image id $podman_id is not the config digest $config_digest"
podman rmi -f localhost/bazel/examples/hello:image >/dev/null
pass "podman loads the tarball as localhost/bazel/examples/hello:image"

summary
