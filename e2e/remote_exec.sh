#!/usr/bin/env bash
# Builds with remote execution, on any REAPI engine:
#   bash e2e/remote_exec.sh [--subset] NAME=grpc://HOST:PORT [NAME=grpc://HOST:PORT ...]
# --subset: only //examples/hello/... (with its hello_test instead of the lock
# test, which needs every example), and the smoke module on the first
# executor only: what CI runs, to keep within its time (each executor has its
# own cache, so every action runs again on each, ~5 minutes for all examples).
# For each executor (NAME says which, such as its sandbox), from a copy of the
# checkout at another path and a fresh output base:
#   1. builds //examples/... and the e2e/smoke module remotely: every action
#      of the rule set (Scratch* mnemonics) ran remotely or hit the remote
#      cache, and every digest equals the local build's;
#   2. after `bazel clean`, with --remote_download_minimal: `bazel build`
#      downloads no layer byte (it prints what it did download), `scratch
#      diff` on the layout says how to download it, the lock test runs
#      remotely and passes, the hello image is pushed to a registry and
#      loaded into podman and runs.
# It prints the time of each clean remote build against a clean local one.
source "$(dirname "$0")/lib.sh"
cd "$REPO"

TARGETS=(//examples/...) TEST=//examples:digests_test DIGESTS=bazel-bin/examples/ SMOKE_EXECUTORS=$#
if [ "${1:-}" = --subset ]; then
  shift
  TARGETS=(//examples/hello/...) TEST=//examples/hello:hello_test DIGESTS=bazel-bin/examples/hello/ SMOKE_EXECUTORS=1
fi
[ $# -gt 0 ] || fail "usage: $0 [--subset] NAME=grpc://HOST:PORT ..."
RULE_SET_MNEMONICS='^Scratch'
GREETING="Hello from a scratch image!"

# checkout NAME: a copy of the tracked files (as a fresh clone has them).
checkout() {
  local dir="$WORK/$1/elsewhere/rules_scratch"
  mkdir -p "$dir"
  git -C "$REPO" ls-files -z --cached --others --exclude-standard | (cd "$REPO" && xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$dir"
  rm -f "$dir/user.bazelrc" # no disk cache: the executor runs the actions
  echo "$dir"
}

digests() { # DIR: the digest of every image of TARGETS, by path below DIR
  (cd "$1" && find -L "$DIGESTS" -name '*.digest' -not -path '*.runfiles/*' | sort | xargs -I{} sh -c 'echo "{} $(cat {})"')
}


# check_remote LOG WHAT: every Scratch* spawn of LOG ran remotely or hit
# the remote cache; prints the counts.
check_remote() {
  local log=$1 what=$2 local_spawns
  spawns "$log" "$RULE_SET_MNEMONICS" >"$log.spawns"
  [ -s "$log.spawns" ] || fail "$what: the execution log has no action of the rule set"
  local_spawns=$(awk '$2 != "remote" && $2 != "remote-cache-hit"' "$log.spawns")
  [ -z "$local_spawns" ] || fail "$what: actions of the rule set did not run remotely: $local_spawns"
  pass "$what: all $(wc -l <"$log.spawns") actions of the rule set remote ($(awk '{ print $2 }' "$log.spawns" | sort | uniq -c | xargs))"
}

seconds() { date +%s.%N; }

log "reference: the local build of the examples and the smoke module"
bazel build "${TARGETS[@]}"
digests "$REPO" >"$WORK/reference"
(cd e2e/smoke && bazel build ${RULES_SCRATCH_DISK_CACHE:+--disk_cache="$RULES_SCRATCH_DISK_CACHE"} //:image && cat bazel-bin/image.digest && bazel shutdown) >"$WORK/smoke.reference"
[ -s "$WORK/reference" ] || fail "the local build made no image"

log "a clean local build from a copy, for the time figure"
local_dir=$(checkout local)
start=$(seconds)
(cd "$local_dir" && bazel --output_base="$WORK/local/output_base" build --disk_cache= "${TARGETS[@]}" 2>&1 | tail -3)
local_time=$(python3 -c "print('%.0f' % ($(seconds) - $start))")
(cd "$local_dir" && bazel --output_base="$WORK/local/output_base" shutdown)
rm -rf "$WORK/local"
pass "a clean local build of ${TARGETS[*]} took $local_time s"

log "a registry on 127.0.0.1 for pushes"
source "$(dirname "$0")/registry_lib.sh"

figures=()
executors=0
for executor in "$@"; do
  executors=$((executors + 1))
  name=${executor%%=*} address=${executor#*=}
  [ "$name" != "$executor" ] || fail "give executors as NAME=grpc://HOST:PORT, not $executor"
  dir=$(checkout "$name")
  output_base="$WORK/$name/output_base"
  cleanup_dirs=("$output_base" "${cleanup_dirs[@]}")
  remote=(--remote_executor="$address" --disk_cache=)
  bazel_remote() { (cd "$dir" && bazel --output_base="$output_base" "$@"); }

  log "$name: a clean remote build of ${TARGETS[*]} in $dir"
  start=$(seconds)
  bazel_remote build "${remote[@]}" --remote_download_outputs=toplevel --execution_log_json_file="$WORK/$name.log" "${TARGETS[@]}" 2>&1 | tail -3
  remote_time=$(python3 -c "print('%.0f' % ($(seconds) - $start))")
  check_remote "$WORK/$name.log" "$name: examples"
  digests "$dir" >"$WORK/$name.digests"
  diff -u "$WORK/reference" "$WORK/$name.digests" || fail "$name: the remote build's digests differ from the local build's"
  pass "$name: every digest equals the local build's: $(wc -l <"$WORK/$name.digests") images and indexes"

  if [ "$executors" -le "$SMOKE_EXECUTORS" ]; then
    log "$name: the e2e/smoke module, remotely"
    (cd "$dir/e2e/smoke" && bazel --output_base="$WORK/$name/smoke_output_base" build "${remote[@]}" \
      --execution_log_json_file="$WORK/$name.smoke.log" //:image 2>&1 | tail -2 &&
      cat bazel-bin/image.digest >"$WORK/$name.smoke" && bazel --output_base="$WORK/$name/smoke_output_base" shutdown)
    rm -rf "$WORK/$name/smoke_output_base"
    check_remote "$WORK/$name.smoke.log" "$name: smoke module"
    diff -u "$WORK/smoke.reference" "$WORK/$name.smoke" || fail "$name: the smoke module's remote digest differs from the local one"
    pass "$name: the smoke module's image has the local digest $(cat "$WORK/$name.smoke")"
  fi

  log "$name: after bazel clean, with --remote_download_minimal"
  bazel_remote clean
  bazel_remote build "${remote[@]}" --remote_download_minimal "${TARGETS[@]}" 2>&1 | tail -2
  execroot=$(bazel_remote info "${remote[@]}" execution_root)
  python3 - "$execroot/bazel-out" "$WORK/$name.downloaded" <<'PY'
import os, sys
total, layers, names = 0, [], []
for root, dirs, files in os.walk(sys.argv[1]):
    for f in files:
        path = os.path.join(root, f)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        size = os.path.getsize(path)
        total += size
        names.append(path)
        if f.endswith((".tar.gz", ".tar.zst")) or "/blobs/sha256/" in path:
            layers.append(path)
open(sys.argv[2], "w").write("%d bytes in %d files\n" % (total, len(names)))
if layers:
    sys.exit("--remote_download_minimal left layers or blobs on disk: %s" % layers[:5])
PY
  pass "$name: bazel build --remote_download_minimal downloads no layer or blob ($(cat "$WORK/$name.downloaded") in bazel-out)"
  if bazel_remote run "${remote[@]}" --remote_download_minimal //tools/cmd/scratch -- diff "$dir/bazel-bin/examples/hello/image" "$dir/bazel-bin/examples/hello/image" 2>"$WORK/$name.diff.err"; then
    fail "$name: scratch diff read a layout that was not downloaded"
  fi
  grep -q -- '--remote_download_outputs=toplevel' "$WORK/$name.diff.err" || fail "$name: scratch diff did not say how to download the layout: $(cat "$WORK/$name.diff.err")"
  pass "$name: scratch diff says the layout is not local: $(grep -o 'scratch: .*no OCI layout' "$WORK/$name.diff.err" | head -1)"

  bazel_remote test "${remote[@]}" --remote_download_minimal --execution_log_json_file="$WORK/$name.test.log" "$TEST" 2>&1 | tail -3
  spawns "$WORK/$name.test.log" '^TestRunner$' >"$WORK/$name.test.spawns"
  [ -s "$WORK/$name.test.spawns" ] && ! awk '$2 != "remote" && $2 != "remote-cache-hit"' "$WORK/$name.test.spawns" | grep -q . ||
    fail "$name: $TEST did not run remotely: $(cat "$WORK/$name.test.spawns")"
  pass "$name: $TEST ran remotely and passed under --remote_download_minimal"

  pushed=$(bazel_remote run "${remote[@]}" --remote_download_minimal //examples/hello:push -- --repository "$REGISTRY/remote/hello" --tag "$name")
  want=$(grep '^bazel-bin/examples/hello/image.digest ' "$WORK/reference" | cut -d' ' -f2)
  [ "$pushed" = "$REGISTRY/remote/hello@$want" ] || fail "$name: push printed '$pushed', want $REGISTRY/remote/hello@$want"
  [ "$(skopeo inspect "${SKOPEO[@]}" --format '{{.Digest}}' "docker://$REGISTRY/remote/hello:$name")" = "$want" ] ||
    fail "$name: the registry's $name tag is not $want"
  pass "$name: pushed under --remote_download_minimal: $pushed"

  bazel_remote run "${remote[@]}" --remote_download_minimal //examples/hello:load -- --tag "localhost/rules-scratch-remote/hello:$name" >"$WORK/$name.load"
  out=$(run_loaded "localhost/rules-scratch-remote/hello:$name")
  podman rmi "localhost/rules-scratch-remote/hello:$name" >/dev/null
  [ "$out" = "$GREETING" ] || fail "$name: the loaded image printed '$out'"
  pass "$name: loaded into podman under --remote_download_minimal and run: $out"
  bazel_remote shutdown
  figures+=("$name: clean remote build $remote_time s against $local_time s locally ($(python3 -c "print('%.2f' % ($remote_time / $local_time))")x); --remote_download_minimal downloaded $(cat "$WORK/$name.downloaded"), no layer")
done

log "figures (same machine: the ratio is the executor's overhead, not a speed-up)"
printf '%s\n' "${figures[@]}"
summary
