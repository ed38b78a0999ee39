#!/usr/bin/env bash
# Measures the layer verb on real inputs every machine with Go has, against
# `crane append`, rules_pkg's build_tar (the program a pkg_tar action runs)
# and `tar | gzip -6`, in paired runs of the same session, and prints medians
# and ratios:
#
#   binaries  one file made of the Go toolchain's binaries
#             ($(go env GOROOT)/pkg/tool/*/* and $(go env GOROOT)/bin/*)
#   src       the tree $(go env GOROOT)/src
#
# The goals, checked at the end (sizes and byte identity fail the run; speed
# is reported, as timing on a shared machine is noisy):
#   - the gzip layer at most 3% larger than gzip -6, at least 2.5x as fast
#     as crane append;
#   - the zstd layer smaller than gzip -6 and faster than the gzip layer;
#   - the same layer bytes on one core and on all;
#   - the layer verb's peak memory under 64 MiB, on one core, on all and with
#     GOMAXPROCS=8, for a 500 MiB input (the two real inputs repeated) and a
#     tar.gz that expands a thousandfold (1 GiB of zeros).
#
#   RULES_PKG=/path/to/rules_pkg bash bench/layer.sh [RUNS]   # default 5
#
# RULES_PKG is a rules_pkg source tree (the folder holding pkg/private/tar).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${1:-5}
[ -f "${RULES_PKG:-}/pkg/private/tar/build_tar.py" ] || { echo "set RULES_PKG to a rules_pkg source tree" >&2; exit 2; }
WORK=$(mktemp -d /tmp/rules_scratch_bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
GOROOT=$(go env GOROOT)
CRANE_VERSION=$(cd "$REPO" && go list -m -f '{{.Version}}' github.com/google/go-containerregistry)

echo "building the scratch tool and crane $CRANE_VERSION"
(cd "$REPO" && go build -trimpath -o "$WORK/scratch" ./tools/cmd/scratch)
GOBIN=$WORK go install "github.com/google/go-containerregistry/cmd/crane@$CRANE_VERSION"

echo "making the inputs"
mkdir -p "$WORK/binaries"
cat "$GOROOT"/pkg/tool/*/* "$GOROOT"/bin/* >"$WORK/binaries/go-toolchain"
ln -s "$GOROOT/src" "$WORK/src"
# The layer verb's params (gzip and zstd) and build_tar's manifest for the
# files below WORK/NAME, put below /NAME; and the params of the peak memory
# runs: WORK/big as one file, WORK/bomb merged as a tar at /.
python3 - "$WORK" <<'PY'
import json, os, sys
work = sys.argv[1]

def write_params(name, entries):
    for compression in ("gzip", "zstd"):
        with open("%s/%s.%s.params" % (work, name, compression), "w") as p:
            p.write("layer\n--compression\n%s\n" % compression)
            for entry in entries:
                p.write("--entry\n%s\n" % json.dumps(entry))
            p.write("--output\n%s/%s.%s.layer\n--descriptor\n%s/%s.%s.json\n" % (work, name, compression, work, name, compression))

write_params("big", [{"kind": "file", "path": "/big", "src": os.path.join(work, "big")}])
write_params("bomb", [{"kind": "tar", "path": "/", "src": os.path.join(work, "bomb")}])
for name in ("binaries", "src"):
    root = os.path.realpath(os.path.join(work, name))
    files = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)
    if name == "src":
        write_params(name, [{"kind": "tree", "path": "/" + name, "src": root}])
    else:
        write_params(name, [{"kind": "file", "path": "/%s/%s" % (name, f), "src": os.path.join(root, f)} for f in files])
    json.dump([{"type": "file", "dest": "%s/%s" % (name, f), "src": os.path.join(root, f), "mode": "0644", "user": "", "group": ""} for f in files],
              open("%s/%s.manifest" % (work, name), "w"))
PY
for name in binaries src; do
  tar -chf "$WORK/$name.tar" -C "$WORK" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 "$name"
done

# time_ms CMD...: runs CMD, prints its wall time in milliseconds.
time_ms() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>"$WORK/stderr" || { cat "$WORK/stderr" >&2; echo "FAIL: $*" >&2; exit 1; }
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

gzip6() { tar -chf - -C "$WORK" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 "$1" | gzip -6 -n >"$WORK/$1.gzip6"; }
build_tar() {
  PYTHONPATH="$RULES_PKG" python3 -m pkg.private.tar.build_tar --output "$WORK/$1.pkg_tar.tar.gz" \
    --manifest "$WORK/$1.manifest" --directory / --compression gz --mtime portable
}
crane() { "$WORK/crane" append -f "$WORK/$1.tar" -t bench:latest -o "$WORK/$1.crane.tar"; }

TOOLS=(gzip zstd crane pkg_tar gzip6)
: >"$WORK/times"
for name in binaries src; do
  echo "measuring $name: $RUNS paired runs of ${TOOLS[*]}"
  for run in $(seq "$RUNS"); do
    printf '%s %s gzip %s\n' "$name" "$run" "$(time_ms "$WORK/scratch" "@$WORK/$name.gzip.params")" >>"$WORK/times"
    printf '%s %s zstd %s\n' "$name" "$run" "$(time_ms "$WORK/scratch" "@$WORK/$name.zstd.params")" >>"$WORK/times"
    printf '%s %s crane %s\n' "$name" "$run" "$(time_ms crane "$name")" >>"$WORK/times"
    printf '%s %s pkg_tar %s\n' "$name" "$run" "$(time_ms build_tar "$name")" >>"$WORK/times"
    printf '%s %s gzip6 %s\n' "$name" "$run" "$(time_ms gzip6 "$name")" >>"$WORK/times"
  done
  for compression in gzip zstd; do
    cp "$WORK/$name.$compression.layer" "$WORK/all-cores"
    GOMAXPROCS=1 "$WORK/scratch" "@$WORK/$name.$compression.params"
    cmp -s "$WORK/all-cores" "$WORK/$name.$compression.layer" ||
      { echo "FAIL: the $compression layer of $name differs between 1 and $(nproc) cores"; exit 1; }
  done
  {
    echo "$name size gzip $(stat -c %s "$WORK/$name.gzip.layer")"
    echo "$name size zstd $(stat -c %s "$WORK/$name.zstd.layer")"
    echo "$name size gzip6 $(stat -c %s "$WORK/$name.gzip6")"
    echo "$name size pkg_tar $(stat -c %s "$WORK/$name.pkg_tar.tar.gz")"
    echo "$name size crane $(tar -xOf "$WORK/$name.crane.tar" --wildcards '*.tar.gz' | wc -c)"
    echo "$name input $(stat -c %s "$WORK/$name.tar")"
  } >>"$WORK/times"
done

echo "measuring peak memory"
for _ in 1 2 3; do cat "$WORK/binaries/go-toolchain" "$WORK/src.tar"; done >"$WORK/big"
truncate -s 500M "$WORK/big"
truncate -s 1G "$WORK/zeros"
tar -cf - -C "$WORK" --owner=0 --group=0 --mtime=@0 zeros | gzip -9 -n >"$WORK/bomb"
rm "$WORK/zeros"
for input in big bomb; do
  for compression in gzip zstd; do
    for procs in 1 "$(nproc)" 8; do
      GOMAXPROCS=$procs /usr/bin/time -f "%M" -o "$WORK/rss" "$WORK/scratch" "@$WORK/$input.$compression.params"
      echo "$input memory $compression-$procs $(cat "$WORK/rss")" >>"$WORK/times"
    done
  done
  echo "$input input $(stat -c %s "$WORK/$input")" >>"$WORK/times"
done
echo "bomb expanded $(gzip -dc "$WORK/bomb" | wc -c)" >>"$WORK/times"

python3 - "$WORK/times" "$(nproc)" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
cores = sys.argv[2]
times, sizes, inputs, memory = {}, {}, {}, {}
for r in rows:
    if r[1] == "memory":
        memory[r[0], r[2]] = int(r[3])
    elif r[1] == "expanded":
        expanded = int(r[2])
    elif r[1] == "size":
        sizes[r[0], r[2]] = int(r[3])
    elif r[1] == "input":
        inputs[r[0]] = int(r[2])
    else:
        times.setdefault((r[0], r[2]), {})[r[1]] = int(r[3])
failed = False
for name in ("binaries", "src"):
    t = lambda tool: times[name, tool]
    med = lambda tool: statistics.median(t(tool).values()) / 1000
    # A ratio of paired runs: both measured in the same run, one after the other.
    ratio = lambda slow, fast: statistics.median(t(slow)[k] / t(fast)[k] for k in t(fast))
    mb = inputs[name] / 1e6
    print("\n%s: %.0f MB of tar, %s cores, medians of %d paired runs" % (name, mb, cores, len(t("gzip"))))
    print("  %-26s %8s %10s %12s %12s" % ("", "seconds", "MB/s", "size", "vs gzip -6"))
    for tool, label in (("gzip", "scratch layer (gzip)"), ("zstd", "scratch layer (zstd)"), ("crane", "crane append"),
                        ("pkg_tar", "pkg_tar (build_tar, gz)"), ("gzip6", "tar | gzip -6")):
        print("  %-26s %8.3f %10.1f %12d %+11.2f%%" % (label, med(tool), mb / med(tool), sizes[name, tool],
                                                      100 * (sizes[name, tool] / sizes[name, "gzip6"] - 1)))
    checks = [
        ("gzip layer at most 3%% larger than gzip -6 (%+.2f%%)" % (100 * (sizes[name, "gzip"] / sizes[name, "gzip6"] - 1)),
         sizes[name, "gzip"] <= 1.03 * sizes[name, "gzip6"], True),
        ("zstd layer smaller than gzip -6", sizes[name, "zstd"] < sizes[name, "gzip6"], True),
        ("gzip layer at least 2.5x as fast as crane append (%.2fx)" % ratio("crane", "gzip"), ratio("crane", "gzip") >= 2.5, False),
        ("zstd layer faster than the gzip layer (%.2fx)" % ratio("gzip", "zstd"), ratio("gzip", "zstd") > 1, False),
        ("gzip layer faster than pkg_tar (%.2fx) and tar | gzip -6 (%.2fx)" % (ratio("pkg_tar", "gzip"), ratio("gzip6", "gzip")),
         ratio("pkg_tar", "gzip") > 1 and ratio("gzip6", "gzip") > 1, False),
    ]
    for text, ok, enforced in checks:
        print("  %s %s" % ("ok:  " if ok else ("FAIL:" if enforced else "slow:"), text))
        failed |= enforced and not ok
    print("  ok:   the gzip and zstd layers are the same bytes on 1 and %s cores" % cores)
limit = 64 << 10  # KiB
print("\npeak memory of the layer verb (KiB; goal under 64 MiB):")
for name, label in (("big", "%.0f MiB input" % (inputs["big"] / (1 << 20))),
                    ("bomb", "tar.gz of %.0f KiB expanding %.0fx" % (inputs["bomb"] / 1024, expanded / inputs["bomb"]))):
    for (n, run), kib in sorted(memory.items()):
        if n == name:
            compression, procs = run.split("-")
            ok = kib < limit
            failed |= not ok
            print("  %s %-40s %-5s GOMAXPROCS=%-2s %7d" % ("ok:  " if ok else "FAIL:", label, compression, procs, kib))
sys.exit(1 if failed else 0)
PY
