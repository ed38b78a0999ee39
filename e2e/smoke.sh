#!/usr/bin/env bash
# Uses rules_scratch from another module (bazel_dep + local_path_override), as
# a user's repository does, runs the image it builds, and tests it with
# scratch_image_test. Then again in copies of the module: with the oldest Go
# the Go team supports (go.mod's go line), and with the newest the module
# proxy serves together with the incompatible flags Bazel 8 and 9 flip that
# Bazel 7.7.1 knows (docs/compatibility.md).
source "$(dirname "$0")/lib.sh"
OLDEST_GO=$(sed -n 's/^go //p' "$REPO/go.mod")
# The newest Go release the module proxy serves (as golang.org/toolchain).
NEWEST_GO=${NEWEST_GO:-$(cd "$WORK" && go list -m -versions golang.org/toolchain | tr ' ' '\n' |
  sed -n 's/^v0\.0\.1-go\([0-9.]*\)\.linux-amd64$/\1/p' | sort -V | tail -1)}
[ -n "$NEWEST_GO" ] || fail "the module proxy lists no Go release"
# The incompatible flags Bazel 8 and 9 flip that Bazel 7.7.1 knows.
mapfile -t BAZEL_8_9_FLAGS < <(sed -n 's/^common //p' "$REPO/e2e/bazel_8_9.bazelrc")
[ ${#BAZEL_8_9_FLAGS[@]} -gt 5 ] || fail "e2e/bazel_8_9.bazelrc lists no flags"
cache=${RULES_SCRATCH_DISK_CACHE:+--disk_cache=$RULES_SCRATCH_DISK_CACHE}

cd "$REPO/e2e/smoke"
log "build @rules_scratch_e2e_smoke//:image"
bazel build $cache //:image
out=$(run_layout "$PWD/bazel-bin/image" image)
[ "$out" = "smoke: uid 65532, /tmp dtrwxrwxrwx" ] || fail "the smoke image printed '$out'"
pass "an image built from another module runs: $out"

log "test @rules_scratch_e2e_smoke//:image_test (scratch_image_test from another module)"
bazel test $cache --nocache_test_results //:image_test
summary_line=$(grep -E "^linux/amd64 .* 0 failed, 0 not run" bazel-testlogs/image_test/test.log) || fail "image_test's log has no passing summary"
pass "scratch_image_test from another module: $summary_line"
bazel shutdown

# variant NAME [FLAGS...]: a copy of the module, with its Go SDK version set
# by $GO_VERSION; builds and tests everything in it with FLAGS.
variant() {
  local name=$1 dir="$WORK/$1"
  shift
  cp -r "$REPO/e2e/smoke" "$dir"
  rm -rf "$dir"/bazel-*
  sed -i -e "s|path = \"../..\"|path = \"$REPO\"|" -e "s|go_sdk.download(version = \"[^\"]*\")|go_sdk.download(version = \"$GO_VERSION\")|" "$dir/MODULE.bazel"
  grep -q "version = \"$GO_VERSION\"" "$dir/MODULE.bazel" || fail "$name: could not set the Go version"
  (cd "$dir" && bazel build $cache "$@" //... && bazel test $cache "$@" //... && bazel run "$@" @rules_go//go -- version) >"$WORK/$name.log" 2>&1 ||
    { tail -40 "$WORK/$name.log"; fail "$name: the smoke module failed"; }
  (cd "$dir" && bazel shutdown)
  grep -E "^go version go$GO_VERSION " "$WORK/$name.log" || fail "$name: the build did not use Go $GO_VERSION"
}

log "the oldest supported Go, $OLDEST_GO (go.mod's go line)"
GO_VERSION=$OLDEST_GO variant go_oldest
pass "e2e/smoke builds and tests with Go $OLDEST_GO"

# One run for both (each new copy compiles everything again): the newest Go
# with the flags of the newest Bazel.
log "the newest Go the module proxy serves, $NEWEST_GO, with the incompatible flags of Bazel 8 and 9: ${BAZEL_8_9_FLAGS[*]}"
GO_VERSION=$NEWEST_GO variant go_newest_bazel_8_9 "${BAZEL_8_9_FLAGS[@]}"
pass "e2e/smoke builds and tests with Go $NEWEST_GO and Bazel 8 and 9's flags"
summary
