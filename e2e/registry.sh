#!/usr/bin/env bash
# Delivers images for real: the CNCF distribution registry (Debian's
# docker-registry) on 127.0.0.1 with TLS (a CA made here, trusted through
# SSL_CERT_FILE) and htpasswd (bcrypt) authentication, and a fault-injecting
# proxy in front of it. Checks `bazel run //examples/hello:push` with tags,
# a second push, retries through faults, a stopped registry, a wrong
# password (never printed), a credential helper, the SBOM and provenance
# attached to each image (read back with oras, pinned, from the Go module
# proxy; the SBOM read by syft), and `bazel run //examples/hello:load` into
# podman.
source "$(dirname "$0")/lib.sh"
cd "$REPO"

source "$(dirname "$0")/registry_lib.sh"
trap 'stop_registry; [ -f "$WORK/proxy.pid" ] && kill "$(cat "$WORK/proxy.pid")" 2>/dev/null; cleanup' EXIT
ORAS=(--ca-file "$WORK/certs/ca.crt" --registry-config "$DOCKER_CONFIG/config.json")

log "build oras and syft, pinned, from the Go module proxy"
ORAS_VERSION=v1.3.6
SYFT_VERSION=v1.57.2
GOBIN=$WORK/bin go install "oras.land/oras/cmd/oras@$ORAS_VERSION"
GOBIN=$WORK/bin go install "github.com/anchore/syft/cmd/syft@$SYFT_VERSION"
pass "built oras $ORAS_VERSION and syft $SYFT_VERSION"

# attached REF SBOM PROVENANCE: oras discover lists SPDX SBOMs and in-toto
# provenances referring to REF, and nothing else (with the referrers tag
# schema: distribution 2.8 has no referrers API); oras pull of one of each
# gives back the bytes of the files given. (A stamped build of the same
# image attaches a provenance of its own beside the unstamped one.)
attached() {
  local ref=$1 sbom=$2 provenance=$3 out type artifact found=()
  "$WORK/bin/oras" discover "${ORAS[@]}" --format json "$ref" >"$WORK/discover.json" ||
    fail "oras discover $ref failed"
  python3 - "$WORK/discover.json" >"$WORK/referrers" <<'PY' || fail "oras discover $ref: $(cat "$WORK/discover.json")"
import json, sys
for m in json.load(open(sys.argv[1]))["referrers"]:
    assert m["artifactType"] in ("application/spdx+json", "application/vnd.in-toto+json"), m
    print(m["artifactType"], m["digest"])
PY
  while read -r type artifact; do
    out=$(mktemp -d "$WORK/pull.XXXXXX")
    "$WORK/bin/oras" pull "${ORAS[@]}" -o "$out" "${ref%@*}@$artifact" >/dev/null || fail "oras pull ${ref%@*}@$artifact failed"
    if [ "$type" = application/spdx+json ]; then
      cmp -s "$out/$(basename "$sbom")" "$sbom" && found+=(sbom)
    else
      cmp -s "$out/$(basename "$provenance")" "$provenance" && found+=(provenance)
    fi
  done <"$WORK/referrers"
  [ "${found[*]}" = "sbom provenance" ] || [ "${found[*]}" = "provenance sbom" ] ||
    fail "oras pull of $ref's referrers gives back ${found[*]:-nothing} of the SBOM and provenance built: $(cat "$WORK/referrers")"
}

# push TARGET ARGS...: bazel run TARGET -- ARGS; stdout in $WORK/push.out,
# stderr in $WORK/push.err.
push() {
  local target=$1
  shift
  bazel run "$target" -- "$@" >"$WORK/push.out" 2>"$WORK/push.err"
}

log "1. push hello with two tags"
docker_config "$PASSWORD" "$REGISTRY"
push //examples/hello:push --repository "$REGISTRY/e2e/hello" --tag one --tag two || { cat "$WORK/push.err" >&2; fail "the push failed"; }
digest=$(cat "$REPO/bazel-bin/examples/hello/image.digest")
[ "$(cat "$WORK/push.out")" = "$REGISTRY/e2e/hello@$digest" ] || fail "push printed '$(cat "$WORK/push.out")', want exactly $REGISTRY/e2e/hello@$digest"
pass "push printed one line: $(cat "$WORK/push.out")"
grep '^blob ' "$WORK/push.err" | sed 's/^/  /' >&2
[ "$(grep -c ': uploaded$' "$WORK/push.err")" = 5 ] || fail "want 5 blobs uploaded (config, layer, SBOM, provenance, the artifacts' empty config)"
for tag in one two; do
  inspected=$(skopeo inspect "${SKOPEO[@]}" --format '{{.Digest}}' "docker://$REGISTRY/e2e/hello:$tag")
  [ "$inspected" = "$digest" ] || fail "skopeo sees $inspected under $tag, want $digest"
done
pass "skopeo inspect shows $digest under both tags"
skopeo copy -q --src-cert-dir "$WORK/trust" --src-creds "$USER_NAME:$PASSWORD" "docker://$REGISTRY/e2e/hello:one" "oci:$WORK/pulled:hello"
out=$(run_layout "$WORK/pulled" hello) || fail "the pulled image failed: $out"
[ "$out" = "Hello from a scratch image!" ] || fail "the pulled image printed '$out'"
pass "skopeo copy back into an OCI layout runs under runc: $out"

log "1a. the SBOM and provenance are attached to the image"
attached "$REGISTRY/e2e/hello@$digest" "$REPO/bazel-bin/examples/hello/image.spdx.json" "$REPO/bazel-bin/examples/hello/image.provenance.json"
pass "oras discover lists the SBOM and the provenance referring to $digest; oras pull gives back their bytes"
skopeo list-tags "${SKOPEO[@]}" "docker://$REGISTRY/e2e/hello" | grep -q "\"sha256-${digest#sha256:}\"" ||
  fail "no referrers tag sha256-${digest#sha256:}"
grep -q "^attached application/spdx+json image.spdx.json to the image: sha256:" "$WORK/push.err" || fail "the push does not say what it attached"
[ "$(awk '/^attached /{print NR}' "$WORK/push.err" | tail -1)" -lt "$(awk '/^tagged /{print NR; exit}' "$WORK/push.err")" ] ||
  fail "the push tagged before it attached: $(cat "$WORK/push.err")"
"$WORK/bin/syft" convert "$REPO/bazel-bin/examples/hello/image.spdx.json" -o syft-json >"$WORK/syft.json" 2>"$WORK/syft.err" ||
  { cat "$WORK/syft.err" >&2; fail "syft cannot read the SBOM"; }
python3 - "$WORK/syft.json" <<'PY' || fail "syft read no Go standard library from the SBOM"
import json, sys
purls = [a.get("purl", "") for a in json.load(open(sys.argv[1]))["artifacts"]]
assert any(p.startswith("pkg:golang/stdlib@") for p in purls), purls
PY
pass "the referrers tag sha256-${digest#sha256:} lists them (no referrers API here); attached before the tags; syft convert reads the SBOM (the standard library among its packages)"

log "1b. tags from the workspace status, with --stamp"
printf '#!/bin/sh\necho STABLE_GIT_COMMIT e2e0123\n' >"$WORK/status.sh"
chmod +x "$WORK/status.sh"
bazel run --stamp --workspace_status_command="$WORK/status.sh" //examples/hello:push -- \
  --repository "$REGISTRY/e2e/hello" --tag 'git-{STABLE_GIT_COMMIT}' >"$WORK/push.out" 2>"$WORK/push.err" || { cat "$WORK/push.err" >&2; fail "the stamped push failed"; }
inspected=$(skopeo inspect "${SKOPEO[@]}" --format '{{.Digest}}' "docker://$REGISTRY/e2e/hello:git-e2e0123")
[ "$inspected" = "$digest" ] || fail "skopeo sees $inspected under git-e2e0123, want $digest"
pass "with --stamp, the tag git-{STABLE_GIT_COMMIT} is git-e2e0123"
if push //examples/hello:push --repository "$REGISTRY/e2e/hello" --tag 'git-{STABLE_GIT_COMMIT}'; then fail "a {KEY} tag without --stamp was pushed"; fi
grep -q 'needs stamping: run `bazel run --stamp' "$WORK/push.err" || { cat "$WORK/push.err" >&2; fail "no clear message for {KEY} without --stamp"; }
pass "without --stamp, {STABLE_GIT_COMMIT} fails: $(grep -o '"git-.*' "$WORK/push.err")"

log "2. push again: nothing to upload"
push //examples/hello:push --repository "$REGISTRY/e2e/hello" --tag one --tag two || { cat "$WORK/push.err" >&2; fail "the second push failed"; }
! grep ': uploaded$' "$WORK/push.err" || fail "the second push uploaded blobs"
[ "$(grep -c '^attached ' "$WORK/push.err")" = 2 ] || fail "the second push attached other than the two documents: $(cat "$WORK/push.err")"
attached "$REGISTRY/e2e/hello@$digest" "$REPO/bazel-bin/examples/hello/image.spdx.json" "$REPO/bazel-bin/examples/hello/image.provenance.json"
grep -q "already present" "$WORK/push.err" || fail "the second push does not say what it found: $(cat "$WORK/push.err")"
pass "the second push uploads no blob: $(grep -m1 'already present' "$WORK/push.err")"

log "3. faults between the push and the registry"
go build -o "$WORK/bin/faultproxy" ./e2e/faultproxy
PROXY_PORT=$(free_port)
PROXY=127.0.0.1:$PROXY_PORT
"$WORK/bin/faultproxy" -listen "$PROXY" -upstream "https://$REGISTRY" -cert "$WORK/certs/registry.crt" \
  -key "$WORK/certs/registry.key" -ca "$WORK/certs/ca.crt" 2>"$WORK/proxy.log" &
echo $! >"$WORK/proxy.pid"
for _ in $(seq 50); do grep -q listening "$WORK/proxy.log" && break; sleep 0.1; done
docker_config "$PASSWORD" "$REGISTRY" "$PROXY"
push //examples/hello:push --repository "$PROXY/e2e/faults" --tag faults || { cat "$WORK/push.err" "$WORK/proxy.log" >&2; fail "the push through faults failed"; }
sed 's/^/  proxy: /' "$WORK/proxy.log" >&2
for fault in "503 GET /v2/" "503 HEAD blobs" "503 POST uploads" "429 POST uploads" "reset in the body of" "503 PUT manifests"; do
  grep -q "fault: $fault" "$WORK/proxy.log" || fail "the proxy never injected '$fault'"
done
[ "$(cat "$WORK/push.out")" = "$PROXY/e2e/faults@$digest" ] || fail "through faults, push printed '$(cat "$WORK/push.out")'"
inspected=$(skopeo inspect "${SKOPEO[@]}" --format '{{.Digest}}' "docker://$REGISTRY/e2e/faults:faults")
[ "$inspected" = "$digest" ] || fail "after the faults the registry holds $inspected"
pass "503s, a 429 with Retry-After and a reset mid-upload: the push succeeds with the same digest"

log "   the registry stopped"
stop_registry
start=$(date +%s)
if push //examples/hello:push --repository "$REGISTRY/e2e/hello"; then fail "a push to a stopped registry succeeded"; fi
elapsed=$(($(date +%s) - start))
grep -q "cannot reach the registry $REGISTRY" "$WORK/push.err" || { cat "$WORK/push.err" >&2; fail "no clear message for a stopped registry"; }
[ "$elapsed" -le 60 ] || fail "the push took $elapsed s to give up"
pass "a stopped registry fails in $elapsed s: $(grep -o 'cannot reach.*' "$WORK/push.err" | cut -c1-120)..."
start_registry

log "4. a wrong password; a credential helper"
docker_config "wrong-$PASSWORD" "$REGISTRY"
if push //examples/hello:push --repository "$REGISTRY/e2e/hello"; then fail "a push with a wrong password succeeded"; fi
for want in "the registry $REGISTRY did not accept the credentials for the repository e2e/hello (HTTP 401)" "$DOCKER_CONFIG/config.json" "podman login $REGISTRY"; do
  grep -qF "$want" "$WORK/push.err" || { cat "$WORK/push.err" >&2; fail "the 401 message does not say '$want'"; }
done
! grep -qF "$PASSWORD" "$WORK/push.out" "$WORK/push.err" || fail "the password appears in the push's output"
pass "a wrong password fails with: $(grep -o 'the registry .*(HTTP 401)' "$WORK/push.err")"
cat >"$WORK/bin/docker-credential-e2e" <<EOF
#!/bin/sh
# A credential helper as docker-credential-pass or -secretservice are: "get"
# reads a server URL on stdin and prints its credentials.
[ "\$1" = get ] || exit 1
read -r server
[ "\$server" = "$REGISTRY" ] || { echo "credentials not found in native keychain"; exit 1; }
printf '{"ServerURL": "%s", "Username": "%s", "Secret": "%s"}\n' "\$server" "$USER_NAME" "$PASSWORD"
EOF
chmod +x "$WORK/bin/docker-credential-e2e"
printf '{"credHelpers": {"%s": "e2e"}}\n' "$REGISTRY" >"$DOCKER_CONFIG/config.json"
PATH=$WORK/bin:$PATH push //examples/hello:push --repository "$REGISTRY/e2e/helper" --tag helped ||
  { cat "$WORK/push.err" >&2; fail "the push with a credential helper failed"; }
! grep -qF "$PASSWORD" "$WORK/push.out" "$WORK/push.err" || fail "the password appears in the push's output"
pass "credentials from docker-credential-e2e on PATH: $(cat "$WORK/push.out")"

log "5. bazel run //examples/hello:load"
podman rmi -f localhost/bazel/examples/hello:image >/dev/null 2>&1 || true
bazel run //examples/hello:load >"$WORK/load.out" 2>"$WORK/load.err" || { cat "$WORK/load.err" >&2; fail "load failed"; }
config_digest=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]+"/blobs/sha256/"+sys.argv[2].split(":")[1])); print(m["config"]["digest"])' "$REPO/bazel-bin/examples/hello/image" "$digest")
[ "$(cat "$WORK/load.out")" = "localhost/bazel/examples/hello:image $config_digest" ] || fail "load printed '$(cat "$WORK/load.out")'"
[ "sha256:$(podman image inspect --format '{{.Id}}' localhost/bazel/examples/hello:image)" = "$config_digest" ] || fail "podman's image id is not the config digest"
pass "load: $(cat "$WORK/load.out")"
bazel run //examples/hello:load -- --tag localhost/e2e/renamed:1 >"$WORK/load.out" 2>"$WORK/load.err" || { cat "$WORK/load.err" >&2; fail "load --tag failed"; }
[ "$(cat "$WORK/load.out")" = "localhost/e2e/renamed:1 $config_digest" ] || fail "load --tag printed '$(cat "$WORK/load.out")'"
pass "load --tag: $(cat "$WORK/load.out")"
podman rmi -f localhost/bazel/examples/hello:image localhost/e2e/renamed:1 >/dev/null

log "6. the multi-platform index: push and load"
docker_config "$PASSWORD" "$REGISTRY"
push //examples/multiarch:push --repository "$REGISTRY/e2e/multiarch" --tag all || { cat "$WORK/push.err" >&2; fail "the index push failed"; }
index_digest=$(cat "$REPO/bazel-bin/examples/multiarch/index.digest")
[ "$(cat "$WORK/push.out")" = "$REGISTRY/e2e/multiarch@$index_digest" ] || fail "the index push printed '$(cat "$WORK/push.out")'"
[ "$(grep -c ': uploaded$' "$WORK/push.err")" = 28 ] || fail "want 28 blobs uploaded (6 configs, 6 binaries, 1 shared CA layer; 7 SBOMs, 7 provenances and the empty config of their artifacts): $(cat "$WORK/push.err")"
platforms=$(skopeo inspect "${SKOPEO[@]}" --raw "docker://$REGISTRY/e2e/multiarch:all" |
  python3 -c 'import json,sys; m=json.load(sys.stdin); print(m["mediaType"], len(m["manifests"]))')
[ "$platforms" = "application/vnd.oci.image.index.v1+json 6" ] || fail "the registry holds '$platforms' under the tag"
for arch in arm64 s390x; do
  got=$(skopeo inspect "${SKOPEO[@]}" --override-arch "$arch" --format '{{.Architecture}}' "docker://$REGISTRY/e2e/multiarch:all")
  [ "$got" = "$arch" ] || fail "the registry gives a $got image for $arch"
done
pass "the index and its 6 images are in the registry, each blob uploaded once: $(cat "$WORK/push.out")"
attached "$REGISTRY/e2e/multiarch@$index_digest" "$REPO/bazel-bin/examples/multiarch/index.spdx.json" "$REPO/bazel-bin/examples/multiarch/index.provenance.json"
skopeo inspect "${SKOPEO[@]}" --raw "docker://$REGISTRY/e2e/multiarch@$index_digest" |
  python3 -c 'import json,sys; [print(m["digest"], "/".join(filter(None, [m["platform"]["os"], m["platform"]["architecture"], m["platform"].get("variant")]))) for m in json.load(sys.stdin)["manifests"]]' >"$WORK/platforms"
while read -r platform_digest platform; do
  documents=$REPO/bazel-bin/examples/multiarch/push.sh.runfiles/_main/examples/multiarch/push.attachments/${platform//\//_}
  grep -q "$platform_digest" "$documents/image.spdx.json" || fail "the $platform SBOM does not name its image $platform_digest"
  attached "$REGISTRY/e2e/multiarch@$platform_digest" "$documents/image.spdx.json" "$documents/image.provenance.json"
done <"$WORK/platforms"
pass "the index's SBOM and provenance refer to the index, and each of its $(wc -l <"$WORK/platforms") platforms' own to its image"
podman rmi -f localhost/bazel/examples/multiarch:index >/dev/null 2>&1 || true
bazel run //examples/multiarch:load >"$WORK/load.out" 2>"$WORK/load.err" || { cat "$WORK/load.err" >&2; fail "loading the index failed"; }
arch=$(podman image inspect --format '{{.Architecture}}' localhost/bazel/examples/multiarch:index)
[ "$arch" = "$(go env GOARCH)" ] || fail "load took the $arch image of the index"
podman rmi -f localhost/bazel/examples/multiarch:index >/dev/null
pass "load of the index: $(cat "$WORK/load.out"), the $arch image"

summary
