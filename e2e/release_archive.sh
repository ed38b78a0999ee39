#!/usr/bin/env bash
# Makes the release archive as .github/workflows/release.yml does (for a
# test tag), extracts it at another path, checks the three .bcr files, and
# builds and tests the BCR test module (e2e/smoke) against the extracted
# archive, as the BCR presubmit does: nothing comes from this checkout.
source "$(dirname "$0")/lib.sh"
VERSION=9.9.9-rc.e2e

log "the release archive of a tag v$VERSION"
git clone -q "$REPO" "$WORK/clone"
git -C "$WORK/clone" tag "v$VERSION"
mkdir -p "$WORK/out"
(cd "$WORK/clone" && .github/workflows/release_prep.sh "v$VERSION" "$WORK/out") >"$WORK/notes.md"
archive="$WORK/out/rules_scratch-$VERSION.tar.gz"
[ -s "$archive" ] || fail "no archive"
grep -q "bazel_dep(name = \"rules_scratch\", version = \"$VERSION\")" "$WORK/notes.md" || fail "the notes lack the bazel_dep snippet"
# The same tag gives the same bytes (the integrity in the BCR entry).
(cd "$WORK/clone" && .github/workflows/release_prep.sh "v$VERSION" "$WORK" >/dev/null)
cmp -s "$archive" "$WORK/rules_scratch-$VERSION.tar.gz" || fail "two archives of one tag differ"
pass "rules_scratch-$VERSION.tar.gz ($(stat -c %s "$archive") bytes), reproducible, with notes"

log "extracted at another path"
mkdir -p "$WORK/elsewhere"
tar -xzf "$archive" -C "$WORK/elsewhere"
SRC="$WORK/elsewhere/rules_scratch-$VERSION"
grep -q "^    version = \"$VERSION\"," "$SRC/MODULE.bazel" || fail "the archive's MODULE.bazel lacks version $VERSION"
pass "the archive's MODULE.bazel says version = \"$VERSION\""

log "the .bcr files"
python3 - "$SRC" <<'PY' || fail ".bcr files are not valid"
import json, os, sys, yaml
src = sys.argv[1]
def need(doc, keys, name):
    missing = [k for k in keys if k not in doc]
    if missing:
        sys.exit("%s lacks %s" % (name, ", ".join(missing)))
meta = json.load(open(os.path.join(src, ".bcr/metadata.template.json")))
need(meta, ["homepage", "maintainers", "repository", "versions", "yanked_versions"], "metadata.template.json")
for m in meta["maintainers"]:
    need(m, ["name", "email", "github"], "a maintainer")
source = json.load(open(os.path.join(src, ".bcr/source.template.json")))
need(source, ["integrity", "strip_prefix", "url"], "source.template.json")
for placeholder in ["{REPO}", "{VERSION}", "{TAG}"]:
    if placeholder not in source["url"] + source["strip_prefix"]:
        sys.exit("source.template.json does not use %s" % placeholder)
presubmit = yaml.safe_load(open(os.path.join(src, ".bcr/presubmit.yml")))
test_module = presubmit["bcr_test_module"]
need(test_module, ["module_path", "matrix", "tasks"], "bcr_test_module")
path = os.path.join(src, test_module["module_path"], "MODULE.bazel")
if not os.path.exists(path):
    sys.exit("the test module %s has no MODULE.bazel in the archive" % test_module["module_path"])
bazels = test_module["matrix"]["bazel"]
for want in ["7.x", "8.x", "9.*"]:
    if want not in bazels:
        sys.exit("the presubmit does not run Bazel %s" % want)
for name, task in test_module["tasks"].items():
    need(task, ["platform", "bazel", "build_targets"], "task " + name)
module = open(os.path.join(src, "MODULE.bazel")).read()
if 'name = "rules_scratch"' not in module:
    sys.exit("MODULE.bazel does not name rules_scratch")
print("metadata, source and presubmit: the keys the BCR needs; test module %s; Bazel %s" % (test_module["module_path"], ", ".join(bazels)))
PY
pass "the .bcr files parse and have what the BCR needs"

log "the BCR test module, built and tested against the extracted archive"
cd "$SRC/e2e/smoke"
bazel build ${RULES_SCRATCH_DISK_CACHE:+--disk_cache="$RULES_SCRATCH_DISK_CACHE"} //... 2>"$WORK/build.log" || { tail -30 "$WORK/build.log"; fail "bazel build //... failed"; }
bazel test ${RULES_SCRATCH_DISK_CACHE:+--disk_cache="$RULES_SCRATCH_DISK_CACHE"} //... 2>"$WORK/test.log" || { tail -30 "$WORK/test.log"; fail "bazel test //... failed"; }
# local_path_override's repository links the entries of its path.
where=$(readlink -f "$(bazel info output_base 2>/dev/null)/external/rules_scratch~/rules/defs.bzl")
case "$where" in
"$SRC"/*) ;;
*) fail "rules_scratch came from $where, not the extracted archive" ;;
esac
pass "e2e/smoke builds and tests from the archive (rules_scratch read from $where)"
bazel shutdown
summary
