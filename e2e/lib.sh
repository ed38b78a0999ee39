# Helpers shared by the e2e scripts. Source it; it sets `set -euo pipefail`.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=$(mktemp -d /tmp/rules_scratch_e2e.XXXXXX)
cleanup_dirs=("$WORK")
# cleanup removes $WORK, and the output bases of the Bazel workspaces made
# below it: Bazel keys an output base by the workspace's path, which no
# later run has again, so they would pile up on the disk run after run.
cleanup() {
  local module ws base
  while IFS= read -r module; do
    ws=$(dirname "$module")
    base="$HOME/.cache/bazel/_bazel_root/$(printf '%s' "$ws" | md5sum | cut -d' ' -f1)"
    [ -d "$base" ] || continue
    (cd "$ws" && bazel shutdown >/dev/null 2>&1) || true
    chmod -R u+w "$base" 2>/dev/null || true
    rm -rf "$base"
  done < <(find "$WORK" -name MODULE.bazel -not -path '*/bazel-*' -not -path '*/external/*' 2>/dev/null)
  rm -rf "${cleanup_dirs[@]}"
}
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

# run_loaded IMAGE: runs under runc an image that podman has loaded, from
# podman's copy of its file system (for layers umoci 0.4.7 cannot unpack,
# such as zstd ones); prints what the container printed. The runtime config
# comes from the image config as umoci would make it: args, env, numeric
# user, working directory.
run_loaded() {
  local image=$1 dir cid
  dir=$(mktemp -d "$WORK/run.XXXXXX")
  mkdir -p "$dir/bundle/rootfs"
  cid=$(podman create "$image")
  podman export "$cid" | tar -x -C "$dir/bundle/rootfs"
  podman rm "$cid" >/dev/null
  podman image inspect --format '{{json .Config}}' "$image" >"$dir/image.json"
  (cd "$dir/bundle" && runc spec)
  python3 - "$dir/bundle/config.json" "$dir/image.json" <<'PY'
import json, sys
path, image = sys.argv[1], json.load(open(sys.argv[2]))
config = json.load(open(path))
process = config["process"]
process.pop("rlimits", None)
process["terminal"] = False
process["args"] = (image.get("Entrypoint") or []) + (image.get("Cmd") or [])
process["env"] = image.get("Env") or []
process["cwd"] = image.get("WorkingDir") or "/"
uid, _, gid = (image.get("User") or "0:0").partition(":")
process["user"] = {"uid": int(uid), "gid": int(gid or uid)}
json.dump(config, open(path, "w"))
PY
  (cd "$dir/bundle" && runc run "rules-scratch-e2e-$$-$RANDOM" </dev/null)
}

# spawns LOG REGEX: one line per spawn of Bazel's --execution_log_json_file
# LOG whose mnemonic matches REGEX: mnemonic, runner (spaces as "-", such as
# "remote-cache-hit"), cache hit (True/False), target, and each output as
# path=digest/size.
spawns() {
  python3 - "$1" "$2" <<'PY'
import json, re, sys
text, decoder, pos = open(sys.argv[1]).read(), json.JSONDecoder(), 0
while True:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos == len(text):
        break
    spawn, pos = decoder.raw_decode(text, pos)
    if re.search(sys.argv[2], spawn.get("mnemonic", "")):
        outputs = " ".join("%s=%s/%s" % (o["path"], o["digest"]["hash"], o["digest"].get("sizeBytes", 0))
                           for o in spawn.get("actualOutputs", []) if "digest" in o)
        print(spawn["mnemonic"], spawn.get("runner", "?").replace(" ", "-"), spawn.get("cacheHit", False),
              spawn.get("targetLabel", "?"), outputs)
PY
}
