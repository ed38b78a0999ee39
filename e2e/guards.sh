#!/usr/bin/env bash
# Builds inputs that must be refused at execution (a dynamically linked cgo
# binary, tars that escape the root or carry devices) and checks that each
# build fails with a message naming the problem and leaves no output behind.
source "$(dirname "$0")/lib.sh"
cd "$REPO"

expect_refusal() { # TARGET OUTPUT MESSAGE...
  local target=$1 output=$2 message
  shift 2
  log "$target must be refused"
  if bazel build "$target" >"$WORK/build.log" 2>&1; then
    fail "$target built, but it must be refused"
  fi
  for message in "$@"; do
    grep -qF -- "$message" "$WORK/build.log" || { tail -20 "$WORK/build.log" >&2; fail "$target: no '$message' in the build's output"; }
  done
  [ ! -e "$REPO/bazel-bin/$output" ] || fail "$target left $output behind"
  pass "$target is refused: $(grep -m1 -o 'scratch: .*' "$WORK/build.log" | cut -c1-160)..."
}

expect_refusal //rules/tests/guards:cgo_image rules/tests/guards/cgo_image_layer.tar.gz \
  'file entry "/app/cgo"' 'is dynamically linked (program interpreter /lib64/ld-linux' 'pure = "on"' 'CGO_ENABLED=0'
expect_refusal //rules/tests/guards:dotdot_layer rules/tests/guards/dotdot_layer.tar.gz \
  'entry "../../etc/passwd": has a ".." component'
expect_refusal //rules/tests/guards:device_layer rules/tests/guards/device_layer.tar.gz \
  'entry "dev/sda" is a device node' 'allow_devices = True'
expect_refusal //rules/tests/guards:missing_entrypoint_image rules/tests/guards/missing_entrypoint_image.digest \
  'the image'"'"'s command "/app/missing" cannot start: no layer of the image has an executable file there' 'check_entrypoint = False'
expect_refusal //rules/tests/guards:foreign_entrypoint_image rules/tests/guards/foreign_entrypoint_image.digest \
  'the image'"'"'s command "/app/foreign", from scratch_layer //rules/tests/guards:foreign_layer, is an ELF binary for arm64, but the image is amd64'

summary
