#!/usr/bin/env bash
# Runs every Go fuzz target for at least SECONDS each (default 60) and prints,
# per target, the time, the executions and the failures. It fuzzes in chunks
# of a fixed number of executions (FUZZ_CHUNK, default 20000): go test's own
# count is exact only under such a limit. The corpus found so far is kept in
# go's cache between chunks; a failing input is written below the target's
# testdata/fuzz/ and the script fails.
#
#   bash e2e/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
chunk=${FUZZ_CHUNK:-20000}
targets=(
  "tools/layer FuzzTar"
  "tools/layer FuzzStaticCheck"
  "tools/cmd/scratch FuzzParamsAndEntries"
  "tools/cmd/scratch FuzzLayerVerb"
  "tools/image FuzzDescriptorAndConfig"
  "tools/diff FuzzOpenTarball"
)
log=$(mktemp /tmp/rules_scratch_fuzz.XXXXXX)
trap 'rm -f "$log"' EXIT
status=0
for target in "${targets[@]}"; do
  read -r pkg name <<<"$target"
  start=$(date +%s)
  execs=0
  failures=0
  while [ $(($(date +%s) - start)) -lt "$seconds" ]; do
    if go test "./$pkg" -run '^$' -fuzz "^$name\$" -fuzztime "${chunk}x" >"$log" 2>&1; then
      execs=$((execs + chunk))
    else
      failures=1
      cat "$log"
      break
    fi
  done
  printf '%-22s %-20s %5d s %9d executions %d failures\n' "$name" "$pkg" $(($(date +%s) - start)) "$execs" "$failures"
  [ "$failures" -eq 0 ] || status=1
done
exit "$status"
