#!/usr/bin/env bash
# Builds the examples with an HTTP remote cache (nginx WebDAV on 127.0.0.1),
# as monorepo CI does:
#   1. from one checkout and output base: prints the distinct content the
#      rule set's actions write per distinct layer byte (at most 1.1);
#   2. from a copy at another path, in another output base: every action of
#      the rule set is a remote cache hit and every digest is the same;
#   3. the same again after `bazel clean`, with --remote_download_minimal:
#      no layer byte is downloaded.
source "$(dirname "$0")/lib.sh"
cd "$REPO"

TARGETS=(//examples/...)
RULE_SET_MNEMONICS='^Scratch'

log "start nginx (WebDAV) on 127.0.0.1"
mkdir -p "$WORK/nginx" "$WORK/cache"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$WORK/nginx/nginx.conf" <<EOF
user root;
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events {}
http {
  access_log $WORK/nginx/access.log;
  client_body_temp_path $WORK/nginx/body;
  server {
    listen 127.0.0.1:$port;
    root $WORK/cache;
    client_max_body_size 0;
    location / {
      dav_methods PUT;
      create_full_put_path on;
    }
  }
}
EOF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx"
cleanup_dirs+=("$WORK/nginx")
trap 'kill "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null || true; cleanup' EXIT
CACHE=(--remote_cache="http://127.0.0.1:$port")

# checkout NAME: a copy of the tracked files (as a fresh clone has them).
checkout() {
  local dir="$WORK/$1/rules_scratch"
  mkdir -p "$dir"
  git -C "$REPO" ls-files -z --cached --others --exclude-standard | (cd "$REPO" && xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$dir"
  echo "$dir"
}

# build DIR OUTPUT_BASE LOG FLAGS...: builds the targets with the cache,
# writing Bazel's execution log to LOG and its output to LOG.out.
build() {
  local dir=$1 output_base=$2 exec_log=$3
  shift 3
  (cd "$dir" && bazel --output_base="$output_base" build "${CACHE[@]}" --execution_log_json_file="$exec_log" "$@" "${TARGETS[@]}" 2>&1) | tee "$exec_log.out"
}

digests() { # DIR: every image's digest
  (cd "$1" && find -L bazel-bin/examples -name '*.digest' | sort | xargs -I{} sh -c 'echo "{} $(cat {})"')
}


log "build 1: $REPO's copy at one path, fresh output base, empty cache"
first=$(checkout first)
build "$first" "$WORK/first/output_base" "$WORK/first.log"
cleanup_dirs=("$WORK/first/output_base" "${cleanup_dirs[@]}")
! grep -A3 'reported incorrect imports' "$WORK/first.log.out" || fail "MODULE.bazel's use_repo and go.mod disagree"
pass "a fresh output base resolves the module with no go_deps warning"
spawns "$WORK/first.log" "$RULE_SET_MNEMONICS" >"$WORK/first.spawns"
[ -s "$WORK/first.spawns" ] || fail "the execution log has no action of the rule set"
python3 - "$WORK/first.spawns" <<'PY'
import sys
content, layers = {}, {}
for line in open(sys.argv[1]):
    mnemonic, _, _, _, *outputs = line.split()
    for o in outputs:
        path, digest = o.rsplit("=", 1)
        hash_, size = digest.split("/")
        content[hash_] = int(size)
        if mnemonic == "ScratchLayer" and (path.endswith(".tar.gz") or path.endswith(".tar.zst")):
            layers[hash_] = int(size)
ratio = sum(content.values()) / sum(layers.values())
print("the rule set's actions wrote %d bytes of distinct content for %d bytes of distinct layers: %.3f bytes per layer byte"
      % (sum(content.values()), sum(layers.values()), ratio))
sys.exit(0 if ratio <= 1.1 else 1)
PY
pass "cache bytes per layer byte at most 1.1"
digests "$first" >"$WORK/first.digests"

log "build 2: another copy at another path, another output base"
second=$(checkout "second/other path")
build "$second" "$WORK/second/output_base" "$WORK/second.log"
cleanup_dirs=("$WORK/second/output_base" "${cleanup_dirs[@]}")
spawns "$WORK/second.log" "$RULE_SET_MNEMONICS" >"$WORK/second.spawns"
total=$(wc -l <"$WORK/second.spawns")
misses=$(awk '$3 != "True" { print $1, $4 }' "$WORK/second.spawns")
[ "$total" -gt 0 ] && [ -z "$misses" ] || fail "actions of the rule set ran again instead of hitting the cache: $misses"
pass "all $total actions of the rule set are remote cache hits"
digests "$second" >"$WORK/second.digests"
diff -u "$WORK/first.digests" "$WORK/second.digests" || fail "the digests differ between the two builds"
pass "every digest is the same: $(wc -l <"$WORK/second.digests") images"

log "build 3: after bazel clean, with --remote_download_minimal"
(cd "$second" && bazel --output_base="$WORK/second/output_base" clean)
lines_before=$(wc -l <"$WORK/nginx/access.log")
build "$second" "$WORK/second/output_base" "$WORK/third.log" --remote_download_minimal
layer_digests=$(awk '{ for (i = 5; i <= NF; i++) if ($i ~ /\.tar\.(gz|zst)=/) { split($i, a, "="); split(a[2], b, "/"); print b[1] } }' "$WORK/first.spawns" | sort -u)
downloads=$(tail -n +"$((lines_before + 1))" "$WORK/nginx/access.log" | awk '$6 == "\"GET" { print $7 }' | sed 's#.*/##' | sort -u)
got=$(comm -12 <(echo "$layer_digests") <(echo "$downloads"))
[ -z "$got" ] || fail "--remote_download_minimal downloaded layers: $got"
pass "--remote_download_minimal downloads none of the $(wc -l <<<"$layer_digests") layers ($(wc -l <<<"$downloads") blobs fetched in all)"
(cd "$second" && bazel --output_base="$WORK/second/output_base" shutdown)
(cd "$first" && bazel --output_base="$WORK/first/output_base" shutdown)

summary
