#!/usr/bin/env bash
# The digest lock and `scratch diff`, as a user meets them:
#   - in a copy of the repository, one file of one example image changes:
#     //examples:digests_test fails naming that image, its layer and the
#     file; digests_update makes it pass;
#   - scratch diff between hello with two greetings: one changed path,
#     /app/hello, and its content; between an image and its skopeo copy:
#     identical; between builds that differ only in source_date_epoch: the
#     created time and every mtime.
# The copy's builds may share RULES_SCRATCH_DISK_CACHE with the checkout's.
source "$(dirname "$0")/lib.sh"
cd "$REPO"
CACHE_FLAGS=()
[ -z "${RULES_SCRATCH_DISK_CACHE:-}" ] || CACHE_FLAGS=(--disk_cache="$RULES_SCRATCH_DISK_CACHE")

log "the lock holds in the checkout"
bazel test //examples:digests_test
bazel build //examples/hello:image
original=$WORK/original
cp -r "$REPO/bazel-bin/examples/hello/image" "$original"
chmod -R u+w "$original"

# scratch_diff A B: bazel run //tools/cmd/scratch -- diff A B, its output in
# $WORK/diff.out; returns the tool's exit code.
scratch_diff() { bazel run //tools/cmd/scratch -- diff "$@" >"$WORK/diff.out" 2>"$WORK/diff.err"; }

copy=$WORK/copy/rules_scratch
mkdir -p "$copy"
git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - --no-recursion | tar -xf - -C "$copy"
in_copy() { (cd "$copy" && bazel --output_base="$WORK/copy/output_base" "$1" "${CACHE_FLAGS[@]}" "${@:2}"); }
cleanup_dirs=("$WORK/copy/output_base" "${cleanup_dirs[@]}")

log "in a copy, hello says something else: the lock test fails and explains"
sed -i 's/Hello from a scratch image!/Hello from a changed image!/' "$copy/examples/hello/main.go"
if in_copy test //examples:digests_test >"$WORK/test.log" 2>&1; then fail "digests_test passed with a changed image"; fi
[ -f "$copy/bazel-testlogs/examples/digests_test/test.log" ] || { tail -30 "$WORK/test.log" >&2; fail "digests_test did not run"; }
log="$copy/bazel-testlogs/examples/digests_test/test.log"
sed -n '/^\/\/examples/,$p' "$log" | sed 's/^/  /' >&2
grep -q '^//examples/hello:image: locked sha256:' "$log" || fail "the failure does not name //examples/hello:image"
grep -q '^    layer 1 changed: diff_id ' "$log" || fail "the failure does not name the layer"
grep -qE '^      /app/hello changed: file 0755 0:0 [0-9]+ sha256:[0-9a-f]{64} -> file 0755 0:0 [0-9]+ sha256:' "$log" || fail "the failure does not name /app/hello and its content"
! grep -qE '^//examples/(cekit_scratch|rootfs|https_client|multiarch)' "$log" || fail "the failure names images that did not change"
grep -q 'run `bazel run //examples:digests_update`' "$log" || fail "the failure does not say how to accept the change"
pass "digests_test names //examples/hello:image, layer 1 and /app/hello"
in_copy run //examples:digests_update >/dev/null 2>&1 || fail "digests_update failed"
in_copy test //examples:digests_test >"$WORK/test.log" 2>&1 || { cat "$WORK/test.log" >&2; fail "digests_test fails after digests_update"; }
pass "after digests_update, digests_test passes; the lock changed in $(git -C "$REPO" diff --no-index --stat "$REPO/examples/digests.lock.json" "$copy/examples/digests.lock.json" | tail -1)"

log "scratch diff: two greetings"
if scratch_diff "$original" "$copy/bazel-bin/examples/hello/image"; then fail "diff says the images are identical"; fi
cat "$WORK/diff.out" >&2
paths=$(grep -E '^layer [0-9]+ /' "$WORK/diff.out")
[ "$(wc -l <<<"$paths")" = 1 ] && grep -qE '^layer 1 /app/hello: content: sha256:[0-9a-f]{64} \([0-9]+ bytes\) -> sha256:' <<<"$paths" ||
  fail "want exactly one changed path, /app/hello, with its content: $paths"
pass "exactly one changed path: $(cut -c1-60 <<<"$paths")..."

log "scratch diff: an image and its skopeo copy"
skopeo copy -q "oci:$original:image" "oci:$WORK/skopeo:copied"
scratch_diff "$original" "$WORK/skopeo:copied" || { cat "$WORK/diff.out" "$WORK/diff.err" >&2; fail "an image and its skopeo copy differ"; }
[ "$(cat "$WORK/diff.out")" = identical ] || fail "diff printed $(cat "$WORK/diff.out")"
pass "an image and its skopeo copy are identical (exit 0)"
code=0
scratch_diff "$original" "$WORK/does-not-exist" || code=$?
[ "$code" = 2 ] || fail "a missing layout exits $code, want 2"
pass "a missing layout exits 2: $(tail -1 "$WORK/diff.err" | cut -c1-100)"

log "scratch diff: only source_date_epoch differs"
git -C "$REPO" show HEAD:examples/hello/main.go >"$copy/examples/hello/main.go"
sed -i 's/^    binary = ":hello",$/    binary = ":hello",\n    source_date_epoch = 1700000000,/' "$copy/examples/hello/BUILD.bazel"
grep -q 'source_date_epoch = 1700000000' "$copy/examples/hello/BUILD.bazel" || fail "could not set source_date_epoch in the copy"
in_copy build //examples/hello:image >/dev/null 2>&1 || fail "the build with source_date_epoch failed"
scratch_diff --json "$original" "$copy/bazel-bin/examples/hello/image" && fail "diff says the images are identical"
python3 - "$WORK/diff.out" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
assert not report["identical"]
whats = {(d["where"], d["what"]) for d in report["differences"]}
assert ("config", "created") in whats, whats
assert ("config", "history[0].created") in whats, whats
mtimes = sorted(d["where"] for d in report["differences"] if d["what"] == "mtime")
assert mtimes == ["layer 1 /app", "layer 1 /app/hello"], mtimes
others = [d for d in report["differences"] if d["what"] not in ("mtime", "created", "history[0].created", "digest", "changed", "rootfs.diff_ids")]
assert not others, others
print("created, history and the mtimes of", ", ".join(m.split(" ", 2)[2] for m in mtimes), file=sys.stderr)
PY
pass "source_date_epoch: diff --json reports the created time and every mtime, nothing else"
in_copy shutdown >/dev/null 2>&1 || true

summary
