#!/usr/bin/env bash
# Uses rules_scratch from another module (bazel_dep + local_path_override), as
# a user's repository does, and runs the image it builds.
source "$(dirname "$0")/lib.sh"
cd "$REPO/e2e/smoke"

log "build @rules_scratch_e2e_smoke//:image"
bazel build ${RULES_SCRATCH_DISK_CACHE:+--disk_cache="$RULES_SCRATCH_DISK_CACHE"} //:image
out=$(run_layout "$PWD/bazel-bin/image" image)
[ "$out" = "smoke: uid 65532, /tmp dtrwxrwxrwx" ] || fail "the smoke image printed '$out'"
pass "an image built from another module runs: $out"
bazel shutdown
summary
