#!/usr/bin/env bash
# bazel run //docs:update: copies the generated reference pages into docs/.
set -euo pipefail
dest="${BUILD_WORKSPACE_DIRECTORY:?run me with bazel run //docs:update}/docs"
for page in "$@"; do
  install -m 0644 "$page" "$dest/$(basename "$page")"
  echo "wrote docs/$(basename "$page")"
done
