#!/usr/bin/env bash
# Builds the example images in fresh output bases, from copies of the checkout
# at other paths, with another umask, TZ, LANG, core count and touched source
# mtimes, and fails unless every digest, every tarball byte and every SBOM and
# provenance byte is the same as in the main checkout.
source "$(dirname "$0")/lib.sh"
cd "$REPO"

TARGETS=(//examples/...)
# The tarballs too: they hold every other output's bytes.
FLAGS=(--output_groups=+tarball)
IMAGES=(examples/hello/image examples/hello/image_zstd examples/cekit_scratch/image examples/rootfs/image examples/https_client/image examples/multiarch/index)

log "reference build in $REPO"
bazel build "${FLAGS[@]}" "${TARGETS[@]}"

# fingerprint DIR: the digest and the checksums of the tarball, SBOM and
# provenance of every image built in DIR.
fingerprint() {
  local image suffix
  for image in "${IMAGES[@]}"; do
    printf '%s %s' "$image" "$(cat "$1/bazel-bin/$image.digest")"
    for file in "$1/bazel-bin/$image".{tar,spdx.json,cdx.json,provenance.json}; do
      [ -f "$file" ] && printf ' %s' "$(sha256sum <"$file" | cut -d' ' -f1)"
    done
    printf '\n'
  done
}
fingerprint "$REPO" | tee "$WORK/reference"

# checkout NAME: a copy of the tracked files (as a fresh clone has them) at a
# new path, with every source mtime set to NAME's own moment.
checkout() {
  local dir="$WORK/$1/some path/rules_scratch"
  mkdir -p "$dir"
  git -C "$REPO" ls-files -z --cached --others --exclude-standard | (cd "$REPO" && xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$dir"
  echo "$dir"
}

build_elsewhere() { # NAME UMASK TZ LANG TOUCH_DATE EXTRA_BAZEL_FLAGS...
  local name=$1 mask=$2 tz=$3 lang=$4 date=$5 dir output_base
  shift 5
  dir=$(checkout "$name")
  find "$dir" -exec touch -h -d "$date" {} +
  output_base="$WORK/$name/output_base"
  log "build in $dir (umask $mask, TZ=$tz, LANG=$lang, sources dated $date, $*)"
  (
    cd "$dir"
    umask "$mask"
    # No disk or remote cache: every action runs afresh, or it proves nothing.
    TZ=$tz LANG=$lang LC_ALL=$lang bazel --output_base="$output_base" build --disk_cache= --remote_cache= \
      "${FLAGS[@]}" "$@" "${TARGETS[@]}" 2>&1 | tee "$WORK/$name.log"
    fingerprint "$dir" >"$WORK/$name.fingerprint"
    bazel --output_base="$output_base" shutdown
  )
  cleanup_dirs=("$output_base" "${cleanup_dirs[@]}")
  ! grep -E '^INFO: [0-9]+ processes: .*cache hit' "$WORK/$name.log" || fail "build '$name' took actions from a cache"
  if ! diff -u "$WORK/reference" "$WORK/$name.fingerprint"; then
    fail "build '$name' differs from the reference"
  fi
  pass "build '$name' is byte-identical to the reference"
}

build_elsewhere one-core 0077 Asia/Tokyo C "2001-02-03 04:05:06" --jobs=1 --action_env=GOMAXPROCS=1
build_elsewhere other-locale 0002 America/Los_Angeles C.UTF-8 "2030-12-31 23:59:59"

summary
