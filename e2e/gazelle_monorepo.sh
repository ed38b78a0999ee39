#!/usr/bin/env bash
# A monorepo of 50 Go services, each a main package using a module from the
# Go module proxy, with rules_scratch's gazelle extension: one
# `# gazelle:scratch_image on` and a repository directive at the root.
# `bazel run //:gazelle` writes every BUILD file (go_library, go_binary,
# image, push, load) and the lock; `bazel build //...` builds 50 images;
# three sampled run under runc; a service whose main package goes loses its
# targets on the next gazelle run. Prints the gazelle run's time and the
# build's.
#
#   bash e2e/gazelle_monorepo.sh [SERVICES]
source "$(dirname "$0")/lib.sh"
SERVICES=${1:-50}
MONO="$WORK/monorepo"
mkdir -p "$MONO"
cd "$MONO"

log "a module of $SERVICES services"
cat >MODULE.bazel <<EOF
module(name = "monorepo")

bazel_dep(name = "rules_scratch", version = "0.0.0")
local_path_override(
    module_name = "rules_scratch",
    path = "$REPO",
)

bazel_dep(name = "rules_go", version = "0.59.0")
bazel_dep(name = "gazelle", version = "0.47.0")

go_sdk = use_extension("@rules_go//go:extensions.bzl", "go_sdk")
go_sdk.download(version = "$(go env GOVERSION | sed 's/^go//')")

go_deps = use_extension("@gazelle//:extensions.bzl", "go_deps")
go_deps.from_file(go_mod = "//:go.mod")
use_repo(go_deps, "com_github_google_uuid")
EOF
cat >BUILD.bazel <<'EOF'
load("@gazelle//:def.bzl", "gazelle", "gazelle_binary")

# gazelle:prefix example.com/monorepo
# gazelle:scratch_image on
# gazelle:scratch_repository localhost:5000/monorepo/{name}
# gazelle:scratch_lock //:digests
gazelle(
    name = "gazelle",
    gazelle = ":gazelle_binary",
)

gazelle_binary(
    name = "gazelle_binary",
    languages = [
        "@gazelle//language/go",
        "@rules_scratch//gazelle",
    ],
)
EOF
: >digests.lock.json
# Bzlmod only: no WORKSPACE suffix.
: >WORKSPACE.bzlmod
for i in $(seq -w 1 "$SERVICES"); do
  mkdir -p "services/svc$i"
  cat >"services/svc$i/main.go" <<EOF
package main

import (
	"fmt"

	"github.com/google/uuid"
)

func main() {
	fmt.Println("svc$i", uuid.NewSHA1(uuid.NameSpaceURL, []byte("svc$i")))
}
EOF
done
cat >go.mod <<'EOF'
module example.com/monorepo

go 1.26

require github.com/google/uuid v1.6.0
EOF
go mod tidy >/dev/null 2>&1 || go mod tidy
echo "${RULES_SCRATCH_DISK_CACHE:+build --disk_cache=$RULES_SCRATCH_DISK_CACHE}" >.bazelrc
pass "$SERVICES main packages importing github.com/google/uuid v1.6.0"

log "bazel run //:gazelle"
# Building gazelle (rules_go's SDK, gazelle's Go modules) is timed apart.
start=$(date +%s%N)
bazel build //:gazelle 2>"$WORK/gazelle.log" || { cat "$WORK/gazelle.log"; fail "building gazelle failed"; }
echo "building the gazelle binary took $((($(date +%s%N) - start) / 1000000)) ms"
start=$(date +%s%N)
bazel run //:gazelle 2>"$WORK/gazelle.log" || { cat "$WORK/gazelle.log"; fail "gazelle failed"; }
gazelle_ms=$((($(date +%s%N) - start) / 1000000))
images=$(grep -l "^go_scratch_image(" services/*/BUILD.bazel | wc -l)
pushes=$(grep -l 'repository = "localhost:5000/monorepo/svc' services/*/BUILD.bazel | wc -l)
loads=$(grep -l "^scratch_load(" services/*/BUILD.bazel | wc -l)
[ "$images" = "$SERVICES" ] && [ "$pushes" = "$SERVICES" ] && [ "$loads" = "$SERVICES" ] ||
  fail "gazelle wrote $images images, $pushes pushes, $loads loads for $SERVICES services"
locked=$(grep -c '"//services/svc.*:image"' BUILD.bazel)
[ "$locked" = "$SERVICES" ] || fail "the lock lists $locked images, not $SERVICES"
pass "bazel run //:gazelle wrote $SERVICES images, pushes and loads, and a lock of $locked images, in $gazelle_ms ms"
bazel run //:gazelle 2>/dev/null
git init -q . && git add -A && git -c user.email=e2e@example.com -c user.name=e2e commit -qm generated
bazel run //:gazelle 2>/dev/null
git diff --quiet || { git diff | head -40; fail "a second gazelle run changed BUILD files"; }
pass "a second gazelle run changes nothing"

log "bazel build //..."
start=$(date +%s%N)
bazel build //... 2>"$WORK/build.log" || { tail -40 "$WORK/build.log"; fail "bazel build //... failed"; }
build_ms=$((($(date +%s%N) - start) / 1000000))
built=$(ls -d bazel-bin/services/*/image/index.json | wc -l)
[ "$built" = "$SERVICES" ] || fail "$built images built, not $SERVICES"
for layout in bazel-bin/services/*/image; do
  skopeo inspect --raw "oci:$layout:image" >/dev/null || fail "skopeo cannot read $layout"
done
pass "bazel build //... built $built images, each an OCI layout skopeo reads, in $build_ms ms"

log "three services, sampled, run under runc"
for i in $(printf '%s\n' $(seq -w 1 "$SERVICES") | shuf -n 3 --random-source=<(yes)); do
  out=$(run_layout "$MONO/bazel-bin/services/svc$i/image" image)
  want="svc$i $(python3 -c "import uuid; print(uuid.uuid5(uuid.NAMESPACE_URL, 'svc$i'))")"
  [ "$out" = "$want" ] || fail "svc$i printed '$out', want '$want'"
  pass "svc$i runs: $out"
done

log "the lock: bazel run //:digests_update, then bazel test //:digests_test"
bazel run //:digests_update >/dev/null 2>&1 || fail "digests_update failed"
bazel test //:digests_test >/dev/null 2>&1 || fail "digests_test failed"
pass "the lock of $SERVICES images is written and holds"

log "a service's main package goes"
gone=svc$(printf '%s\n' $(seq -w 1 "$SERVICES") | tail -1)
cat >"services/$gone/main.go" <<EOF
package $gone

// Now a library: no binary, so no image.
EOF
bazel run //:gazelle 2>/dev/null
for kind in go_binary go_scratch_image scratch_push scratch_load; do
  ! grep -q "^$kind(" "services/$gone/BUILD.bazel" || fail "$gone still has a $kind"
done
! grep -q "//services/$gone:image" BUILD.bazel || fail "the lock still lists $gone"
[ "$(grep -l "^go_scratch_image(" services/*/BUILD.bazel | wc -l)" = $((10#$SERVICES - 1)) ] || fail "other services lost their images"
pass "$gone's go_binary, image, push and load are removed, and the lock no longer lists it"
bazel shutdown
summary
