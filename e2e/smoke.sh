#!/usr/bin/env bash
# Uses rules_scratch from another module (bazel_dep + local_path_override), as
# a user's repository does, runs the image it builds, and tests it with
# scratch_image_test.
source "$(dirname "$0")/lib.sh"
cd "$REPO/e2e/smoke"

log "build @rules_scratch_e2e_smoke//:image"
bazel build ${RULES_SCRATCH_DISK_CACHE:+--disk_cache="$RULES_SCRATCH_DISK_CACHE"} //:image
out=$(run_layout "$PWD/bazel-bin/image" image)
[ "$out" = "smoke: uid 65532, /tmp dtrwxrwxrwx" ] || fail "the smoke image printed '$out'"
pass "an image built from another module runs: $out"

log "test @rules_scratch_e2e_smoke//:image_test (scratch_image_test from another module)"
bazel test ${RULES_SCRATCH_DISK_CACHE:+--disk_cache="$RULES_SCRATCH_DISK_CACHE"} --nocache_test_results //:image_test
summary_line=$(grep -E "^linux/amd64 .* 0 failed, 0 not run" bazel-testlogs/image_test/test.log) || fail "image_test's log has no passing summary"
pass "scratch_image_test from another module: $summary_line"
bazel shutdown
summary
