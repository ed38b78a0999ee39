#!/usr/bin/env bash
# Builds //examples/multiarch:index (six platforms), runs every platform's
# image under runc (foreign ones through qemu-user-static's binfmt_misc
# handlers), and checks the index's tarball with skopeo and podman.
source "$(dirname "$0")/lib.sh"
cd "$REPO"

log "binfmt_misc handlers for foreign binaries"
[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
for cpu in aarch64 arm ppc64le s390x riscv64; do
  # Debian's handlers carry the F flag: the interpreter is opened now, so it
  # works inside a container's root file system too.
  [ -e "/proc/sys/fs/binfmt_misc/qemu-$cpu" ] || cat "/usr/lib/binfmt.d/qemu-$cpu.conf" >/proc/sys/fs/binfmt_misc/register
done
pass "qemu handlers registered: $(cd /proc/sys/fs/binfmt_misc && echo qemu-*)"

log "build //examples/multiarch:index and its tarball"
bazel build //examples/multiarch:index --output_groups=+tarball
layout=$REPO/bazel-bin/examples/multiarch/index
digest=$(cat "$layout.digest")

# platforms: "os/arch[/variant] manifest-digest" for each image of the index,
# after checking its shape: six platforms, the CA layer shared and stored once.
python3 - "$layout" "$digest" >"$WORK/platforms" <<'PY'
import json, os, sys
layout, digest = sys.argv[1], sys.argv[2]
blob = lambda d: json.load(open(os.path.join(layout, "blobs/sha256", d.split(":")[1])))
top = json.load(open(os.path.join(layout, "index.json")))["manifests"]
assert len(top) == 1 and top[0]["digest"] == digest, "index.json must name the index %s: %s" % (digest, top)
index = blob(digest)
platforms = ["/".join(filter(None, (m["platform"]["os"], m["platform"]["architecture"], m["platform"].get("variant")))) for m in index["manifests"]]
want = ["linux/amd64", "linux/arm64/v8", "linux/arm/v7", "linux/ppc64le", "linux/s390x", "linux/riscv64"]
assert platforms == want, "platforms %s, want %s" % (platforms, want)
layers = [[l["digest"] for l in blob(m["digest"])["layers"]] for m in index["manifests"]]
assert len({ls[0] for ls in layers}) == 1, "the CA layer differs between platforms: %s" % layers
assert len({ls[1] for ls in layers}) == 6, "the binary layers should differ: %s" % layers
files = os.listdir(os.path.join(layout, "blobs/sha256"))
assert len(files) == 1 + 6 * 2 + 1 + 6, "want 20 blobs (the index, 6 manifests and configs, 1 shared CA layer, 6 binaries), got %d" % len(files)
for p, m in zip(platforms, index["manifests"]):
    print(p, m["digest"])
PY
pass "the index has six platforms, the CA layer once: $(cut -d' ' -f1 "$WORK/platforms" | tr '\n' ' ')"

log "run every platform's image"
while read -r platform _; do
  IFS=/ read -r _ arch variant <<<"$platform"
  dir=$WORK/image-$arch
  skopeo copy -q --override-os linux --override-arch "$arch" ${variant:+--override-variant "$variant"} "oci:$layout:index" "oci:$dir:image"
  out=$(run_layout "$dir" image) || fail "$platform: the container failed: $out"
  [ "$out" = "Hello from linux/$arch" ] || fail "$platform printed '$out'"
  pass "$platform runs under runc$([ "$arch" = "$(go env GOARCH)" ] || echo ' (qemu)'): $out"
done <"$WORK/platforms"

log "the index's tarball"
python3 - "$layout.tar" "$(go env GOARCH)" <<'PY'
import json, sys, tarfile
tar = tarfile.open(sys.argv[1])
manifest = json.load(tar.extractfile("manifest.json"))
config = json.load(tar.extractfile(manifest[0]["Config"]))
assert config["architecture"] == sys.argv[2], "manifest.json names a %s image, want this machine's %s" % (config["architecture"], sys.argv[2])
PY
pass "manifest.json names the image of the platform Bazel builds on, for docker load"
skopeo copy -q --all "oci-archive:$layout.tar" "oci:$WORK/all:all"
copied=$(skopeo inspect --raw "oci:$WORK/all:all" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["manifests"]))')
[ "$copied" = 6 ] || fail "skopeo copy --all carried $copied platforms"
pass "skopeo copy --all oci-archive: carries all 6 platforms"
podman rmi -f localhost/bazel/examples/multiarch:index >/dev/null 2>&1 || true
podman load -q -i "$layout.tar" >/dev/null
arch=$(podman image inspect --format '{{.Architecture}}' localhost/bazel/examples/multiarch:index)
[ "$arch" = "$(go env GOARCH)" ] || fail "podman loaded the $arch image"
podman rmi -f localhost/bazel/examples/multiarch:index >/dev/null
pass "podman load takes the tarball: the $arch image"

summary
