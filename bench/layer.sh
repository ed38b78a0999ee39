#!/usr/bin/env bash
# Measures the layer verb against `crane append` and rules_pkg's pkg_tar
# (its build_tar, the program a pkg_tar action runs) on the same files, in
# the same run, and prints the ratios. The goals: at least 2x crane append
# and 5x pkg_tar. It also checks that the layer's bytes are the same with 1
# and with every core.
#
#   RULES_PKG=/path/to/rules_pkg bash bench/layer.sh [MEGABYTES]   # default 128
#
# RULES_PKG is a rules_pkg source tree (the folder holding pkg/private/tar).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
MB=${1:-128}
[ -f "${RULES_PKG:-}/pkg/private/tar/build_tar.py" ] || { echo "set RULES_PKG to a rules_pkg source tree" >&2; exit 2; }
WORK=$(mktemp -d /tmp/rules_scratch_bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
CRANE_VERSION=$(cd "$REPO" && go list -m -f '{{.Version}}' github.com/google/go-containerregistry)

echo "building the scratch tool and crane $CRANE_VERSION"
(cd "$REPO" && go build -trimpath -o "$WORK/scratch" ./tools/cmd/scratch)
GOBIN=$WORK go install "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"

echo "making $MB MiB of input: half text-like, half random, in 1 MiB to 4 MiB files"
python3 - "$WORK/data" "$MB" <<'PY'
import os, random, sys
root, total = sys.argv[1], int(sys.argv[2]) << 20
rng = random.Random(1)
words = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(5000)]
written, i = 0, 0
while written < total:
    size = min(rng.randint(1, 4) << 20, total - written)
    d = os.path.join(root, "d%02d" % (i % 8))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%03d" % i), "wb") as f:
        if i % 2:
            f.write(rng.randbytes(size))
        else:
            out = bytearray()
            while len(out) < size:
                out += b" ".join(rng.choice(words) for _ in range(12)) + b"\n"
            f.write(out[:size])
    written, i = written + size, i + 1
PY
( cd "$WORK/data" && find . -type f | sort | sed 's#^\./##' ) >"$WORK/files"
python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
files = open(work + "/files").read().split()
with open(work + "/params", "w") as p:
    p.write("layer\n")
    for f in files:
        p.write("--entry\n" + json.dumps({"kind": "file", "path": "/data/" + f, "src": work + "/data/" + f}) + "\n")
    p.write("--output\n%s/out.tar.gz\n--descriptor\n%s/out.json\n" % (work, work))
json.dump([{"type": "file", "dest": "data/" + f, "src": work + "/data/" + f, "mode": "0644", "user": "", "group": ""} for f in files],
          open(work + "/manifest.json", "w"))
PY
tar -cf "$WORK/input.tar" -C "$WORK/data" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 .

# best_of N CMD...: the fastest of N runs, in seconds.
best_of() {
  local n=$1 best="" start end t
  shift
  for _ in $(seq "$n"); do
    start=$(date +%s%N)
    "$@" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr" >&2; echo "FAIL: $*" >&2; exit 1; }
    end=$(date +%s%N)
    t=$(( (end - start) / 1000000 ))
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
  done
  awk -v ms="$best" 'BEGIN { printf "%.3f", ms / 1000 }'
}

layer=$(best_of 3 "$WORK/scratch" "@$WORK/params")
crane=$(best_of 3 "$WORK/crane" append -f "$WORK/input.tar" -t bench:latest -o "$WORK/crane.tar")
pkg_tar=$(best_of 3 env PYTHONPATH="$RULES_PKG" python3 -m pkg.private.tar.build_tar \
  --output "$WORK/pkg_tar.tar.gz" --manifest "$WORK/manifest.json" --directory / --compression gz --mtime portable)

GOMAXPROCS=1 "$WORK/scratch" "@$WORK/params" && cp "$WORK/out.tar.gz" "$WORK/one-core.tar.gz"
"$WORK/scratch" "@$WORK/params"
cmp -s "$WORK/one-core.tar.gz" "$WORK/out.tar.gz" || { echo "FAIL: the layer differs between 1 and $(nproc) cores"; exit 1; }

awk -v l="$layer" -v c="$crane" -v p="$pkg_tar" -v mb="$MB" -v cores="$(nproc)" -v size="$(stat -c %s "$WORK/out.tar.gz")" 'BEGIN {
  printf "input: %d MiB, %d cores; layer %.1f MiB compressed, the same bytes with 1 and %d cores\n", mb, cores, size / 1048576, cores
  printf "%-28s %8.3f s  %7.1f MiB/s\n", "scratch layer", l, mb / l
  printf "%-28s %8.3f s  %7.1f MiB/s  ratio %.2fx (goal >= 2)\n", "crane append", c, mb / c, c / l
  printf "%-28s %8.3f s  %7.1f MiB/s  ratio %.2fx (goal >= 5)\n", "pkg_tar (build_tar, gz)", p, mb / p, p / l
}'
