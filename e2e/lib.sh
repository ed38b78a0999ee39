# Helpers shared by the e2e scripts. Source it; it sets `set -euo pipefail`.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d /tmp/rules_scratch_e2e.XXXXXX)
cleanup_dirs=("$WORK")
cleanup() { rm -rf "${cleanup_dirs[@]}"; }
trap cleanup EXIT

log() { printf '\n=== %s\n' "$*" >&2; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

passed=0
pass() { passed=$((passed + 1)); printf 'ok: %s\n' "$*" >&2; }
summary() { printf '%d passed, 0 failed\n' "$passed"; }

# run_layout LAYOUT TAG: unpacks an OCI layout with umoci and runs it with
# runc; prints what the container printed. runc here cannot set rlimits, so
# they are removed from the generated config.json.
run_layout() {
  local layout=$1 tag=$2 dir
  dir=$(mktemp -d "$WORK/run.XXXXXX")
  cp -r "$layout" "$dir/layout"
  chmod -R u+w "$dir/layout"
  umoci unpack --image "$dir/layout:$tag" "$dir/bundle" >/dev/null
  python3 - "$dir/bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
config["process"].pop("rlimits", None)
config["process"]["terminal"] = False
json.dump(config, open(path, "w"))
PY
  (cd "$dir/bundle" && runc run "rules-scratch-e2e-$$-$RANDOM" </dev/null)
}
