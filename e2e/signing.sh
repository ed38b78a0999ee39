#!/usr/bin/env bash
# Signed images, as a user proves what CI built, against the TLS + htpasswd
# registry of e2e/registry_lib.sh:
#   1. keys: cosign's own (cosign generate-key-pair, encrypted, cosign built
#      pinned from the Go module proxy) and an Ed25519 PKCS#8 PEM (openssl);
#   2. `bazel run //examples/hello:push -- --sign_key ...` signs before the
#      tags; a second push uploads nothing, signatures included; the
#      signing requests are counted; a wrong password fails naming the key
#      file, never printing the password; a key others can read warns;
#   3. containers/image verifies: Debian sid's skopeo (bookworm's is built
#      without sigstore) copies under a policy requiring sigstoreSigned by
#      our key; another key's policy and an unsigned tag are refused; the
#      index's platform image too;
#   4. cosign verify --key accepts the image and every manifest of the
#      index, refuses another key; verify-attestation accepts the SBOM
#      (spdxjson) and the provenance (slsaprovenance1);
#   5. scratch verify (and //examples/hello:verify) exits 0 for the pushed
#      image against the local build, 1 with another key, 1 naming the file
#      after hello changes in a rebuild;
#   6. no byte of the private keys nor the password is in any output, log,
#      the output base or the disk cache.
# skopeo and podman must verify sigstore signatures: $SID is a command that
# runs them as `$SID --install PKG PROGRAM ARGS...` (the
# default: none, they run from PATH). With $SID_ROOT, the root file
# system they run in (podman takes registries.d only from its /etc), podman
# pulls under the policy too.
source "$(dirname "$0")/lib.sh"
cd "$REPO"
source "$(dirname "$0")/registry_lib.sh"
# sid_run PKG PROGRAM ARGS...: the program, through $SID when it is set.
sid_run() {
  local package=$1
  shift
  if [ -n "${SID:-}" ]; then "$SID" --install "$package" "$@"; else "$@"; fi
}
CACHE_FLAGS=()
[ -z "${RULES_SCRATCH_DISK_CACHE:-}" ] || CACHE_FLAGS=(--disk_cache="$RULES_SCRATCH_DISK_CACHE")
# The cosign to check with (another major version: COSIGN_MODULE=github.com/sigstore/cosign/v2 COSIGN_VERSION=v2.6.5).
COSIGN_MODULE=${COSIGN_MODULE:-github.com/sigstore/cosign/v3}
COSIGN_VERSION=${COSIGN_VERSION:-v3.1.3}
KEY_PASSWORD="key-pw-$RANDOM-$RANDOM"

log "build cosign $COSIGN_VERSION (pinned) from the Go module proxy"
GOBIN=$WORK/bin go install "$COSIGN_MODULE/cmd/cosign@$COSIGN_VERSION"
COSIGN=("$WORK/bin/cosign")
pass "built cosign $COSIGN_VERSION"

log "1. keys"
mkdir -p "$WORK/keys" "$WORK/other"
(cd "$WORK/keys" && COSIGN_PASSWORD=$KEY_PASSWORD "${COSIGN[@]}" generate-key-pair >/dev/null 2>&1)
(cd "$WORK/other" && COSIGN_PASSWORD=other "${COSIGN[@]}" generate-key-pair >/dev/null 2>&1)
openssl genpkey -algorithm ed25519 -out "$WORK/keys/ed25519.key" 2>/dev/null
openssl pkey -in "$WORK/keys/ed25519.key" -pubout -out "$WORK/keys/ed25519.pub"
chmod 600 "$WORK/keys/cosign.key" "$WORK/keys/ed25519.key"
head -1 "$WORK/keys/cosign.key" | grep -q 'ENCRYPTED SIGSTORE PRIVATE KEY' || fail "cosign wrote $(head -1 "$WORK/keys/cosign.key")"
pass "cosign.key ($(head -1 "$WORK/keys/cosign.key")) and an Ed25519 PKCS#8 key"

# signed_push TARGET REPOSITORY TAG ARGS...: bazel run TARGET with our two
# keys; stdout in $WORK/push.out, stderr in $WORK/push.err.
signed_push() {
  local target=$1 repository=$2 tag=$3
  shift 3
  COSIGN_PASSWORD=$KEY_PASSWORD bazel run "${CACHE_FLAGS[@]}" "$target" -- --repository "$repository" --tag "$tag" \
    --sign_key "$WORK/keys/cosign.key" --sign_key "$WORK/keys/ed25519.key" "$@" >"$WORK/push.out" 2>"$WORK/push.err"
}

log "2. push hello, signed"
signed_push //examples/hello:push "$REGISTRY/e2e/signed" v1 || { cat "$WORK/push.err" >&2; fail "the signed push failed"; }
digest=$(cat bazel-bin/examples/hello/image.digest)
[ "$(cat "$WORK/push.out")" = "$REGISTRY/e2e/signed@$digest" ] || fail "push printed $(cat "$WORK/push.out")"
grep -E '^(sha256-|signed:|tagged)' "$WORK/push.err" | sed 's/^/  /' >&2
[ "$(awk '/^sha256-.*\.(sig|att): /{n=NR} END{print n+0}' "$WORK/push.err")" -lt "$(awk '/^tagged /{print NR; exit}' "$WORK/push.err")" ] ||
  fail "the push tagged before it signed"
requests=$(sed -n 's/^signed: \([0-9]*\) requests.*/\1/p' "$WORK/push.err")
pass "signed with both keys before the tag: $(grep -c '^sha256-' "$WORK/push.err") signature and attestation images in $requests requests"
signed_push //examples/hello:push "$REGISTRY/e2e/signed" v1 || { cat "$WORK/push.err" >&2; fail "the second signed push failed"; }
! grep -q ': uploaded$' "$WORK/push.err" || fail "the second push uploaded: $(grep ': uploaded$' "$WORK/push.err")"
[ "$(grep -c 'has every signature already' "$WORK/push.err")" = 2 ] || fail "the second push signed again: $(cat "$WORK/push.err")"
pass "pushing again uploads nothing: the signatures are byte-identical ($(sed -n 's/^signed: //p' "$WORK/push.err"))"

log "   a wrong password, a key others can read"
if COSIGN_PASSWORD="wrong-$KEY_PASSWORD" bazel run //examples/hello:push -- --repository "$REGISTRY/e2e/signed" \
  --sign_key "$WORK/keys/cosign.key" >"$WORK/wrong.out" 2>"$WORK/wrong.err"; then
  fail "a wrong password signed"
fi
grep -qF "signing key $WORK/keys/cosign.key: the password does not open it (check COSIGN_PASSWORD)" "$WORK/wrong.err" ||
  { cat "$WORK/wrong.err" >&2; fail "the wrong password's message does not name the key"; }
! grep -qF "$KEY_PASSWORD" "$WORK/wrong.out" "$WORK/wrong.err" || fail "the password was printed"
pass "a wrong password fails: $(grep -o 'signing key .*' "$WORK/wrong.err")"
cp "$WORK/keys/ed25519.key" "$WORK/readable.key" && chmod 644 "$WORK/readable.key"
bazel run //examples/hello:push -- --repository "$REGISTRY/e2e/readable" --sign_key "$WORK/readable.key" >"$WORK/readable.out" 2>"$WORK/readable.err" ||
  { cat "$WORK/readable.err" >&2; fail "the push with a readable key failed"; }
grep -q "warning: the signing key $WORK/readable.key can be read by others (mode 0644); chmod 600 it" "$WORK/readable.err" ||
  fail "no warning for a key others can read"
pass "a key others can read warns: $(grep -o 'warning: .*' "$WORK/readable.err")"

log "   an unsigned tag and the index, signed"
# An unsigned tag in the same repository: the zstd image, another digest.
bazel build //examples/hello:image_zstd
skopeo copy -q --dest-cert-dir "$WORK/trust" --dest-creds "$USER_NAME:$PASSWORD" \
  "oci:$REPO/bazel-bin/examples/hello/image_zstd:image_zstd" "docker://$REGISTRY/e2e/signed:unsigned"
signed_push //examples/multiarch:push "$REGISTRY/e2e/multi" all || { cat "$WORK/push.err" >&2; fail "the signed index push failed"; }
index_digest=$(cat bazel-bin/examples/multiarch/index.digest)
pass "the index and its 6 images signed: $(sed -n 's/^signed: //p' "$WORK/push.err")"

log "3. containers/image (Debian sid's skopeo) verifies under a sigstoreSigned policy"
policy() { # KEY: a policy accepting images of $REGISTRY/e2e signed by KEY
  cat >"$WORK/policy.json" <<EOF
{
  "default": [{"type": "reject"}],
  "transports": {
    "docker": {"$REGISTRY/e2e": [{"type": "sigstoreSigned", "keyPath": "$1", "signedIdentity": {"type": "matchRepoDigestOrExact"}}]},
    "oci": {"": [{"type": "insecureAcceptAnything"}]}
  }
}
EOF
}
mkdir -p "$WORK/registries.d"
printf 'docker:\n  %s:\n    use-sigstore-attachments: true\n' "$REGISTRY" >"$WORK/registries.d/e2e.yaml"
sid_copy() { # SOURCE: sid's skopeo copies docker://SOURCE under the policy
  sid_run skopeo skopeo --policy "$WORK/policy.json" --registries.d "$WORK/registries.d" copy -q --remove-signatures \
    --src-cert-dir "$WORK/trust" --src-creds "$USER_NAME:$PASSWORD" "docker://$1" "oci:$WORK/copied:x" >"$WORK/skopeo.log" 2>&1
}
skopeo_version=$(sid_run skopeo skopeo --version)
for key in cosign.pub ed25519.pub; do
  policy "$WORK/keys/$key"
  for ref in "$REGISTRY/e2e/signed:v1" "$REGISTRY/e2e/signed@$digest" "$REGISTRY/e2e/multi:all"; do
    sid_copy "$ref" || { cat "$WORK/skopeo.log" >&2; fail "$skopeo_version refused $ref signed by $key"; }
  done
done
pass "$skopeo_version accepts hello by tag and by digest, and the index (its amd64 image), each key's policy"
policy "$WORK/other/cosign.pub"
if sid_copy "$REGISTRY/e2e/signed:v1"; then fail "skopeo accepted an image under another key's policy"; fi
pass "another key's policy refuses it: $(tail -1 "$WORK/skopeo.log" | cut -c1-150)"
policy "$WORK/keys/cosign.pub"
if sid_copy "$REGISTRY/e2e/signed:unsigned"; then fail "skopeo accepted an unsigned tag"; fi
pass "an unsigned tag of the repository is refused: $(tail -1 "$WORK/skopeo.log" | cut -c1-150)"

if [ -n "${SID_ROOT:-}" ]; then
  log "   Debian sid's podman pulls under the policy"
  attachments=$SID_ROOT/etc/containers/registries.d/rules-scratch-e2e-$$.yaml
  mkdir -p "$(dirname "$attachments")"
  cp "$WORK/registries.d/e2e.yaml" "$attachments"
  trap 'rm -f "$attachments"; stop_registry; cleanup' EXIT
  podman_pull() { # REF
    sid_run podman podman --root "$WORK/podman/root" --runroot "$WORK/podman/run" --storage-driver vfs \
      pull --signature-policy "$WORK/policy.json" --authfile "$DOCKER_CONFIG/config.json" --cert-dir "$WORK/trust" "$1" >"$WORK/podman.log" 2>&1
  }
  podman_pull "$REGISTRY/e2e/signed:v1" || { cat "$WORK/podman.log" >&2; fail "sid's podman refused the signed image"; }
  if podman_pull "$REGISTRY/e2e/signed:unsigned"; then fail "sid's podman pulled an unsigned tag"; fi
  rm -f "$attachments"
  pass "$(sid_run podman podman --version) pulls the signed image by tag, refuses the unsigned tag: $(grep -o 'Source image rejected.*' "$WORK/podman.log")"
fi

log "4. cosign verify, verify-attestation"
cosign_verify() { "${COSIGN[@]}" "$@" --insecure-ignore-tlog >"$WORK/cosign.out" 2>"$WORK/cosign.err"; }
for key in cosign.pub ed25519.pub; do
  cosign_verify verify --key "$WORK/keys/$key" "$REGISTRY/e2e/signed:v1" || { cat "$WORK/cosign.err" >&2; fail "cosign verify refused the image with $key"; }
done
if cosign_verify verify --key "$WORK/other/cosign.pub" "$REGISTRY/e2e/signed:v1"; then fail "cosign verify accepted another key"; fi
grep -q 'no matching signatures' "$WORK/cosign.err" || { cat "$WORK/cosign.err" >&2; fail "cosign refused another key, but not for its signatures"; }
pass "cosign $COSIGN_VERSION verify --key accepts hello with both keys, refuses another: $(grep -m1 -o 'no matching signatures.*' "$WORK/cosign.err" | cut -c1-100)"
for type in spdxjson slsaprovenance1; do
  cosign_verify verify-attestation --key "$WORK/keys/cosign.pub" --type "$type" "$REGISTRY/e2e/signed:v1" ||
    { cat "$WORK/cosign.err" >&2; fail "cosign verify-attestation --type $type refused"; }
done
pass "cosign verify-attestation accepts the SBOM (--type spdxjson) and the provenance (--type slsaprovenance1)"
manifests=("$index_digest" $(python3 -c 'import json,sys; [print(m["digest"]) for m in json.load(open(sys.argv[1]))["manifests"]]' \
  "$(ls -d "$REPO"/bazel-bin/examples/multiarch/index/blobs/sha256/"${index_digest#sha256:}")"))
for m in "${manifests[@]}"; do
  cosign_verify verify --key "$WORK/keys/cosign.pub" "$REGISTRY/e2e/multi@$m" || { cat "$WORK/cosign.err" >&2; fail "cosign verify refused $m of the index"; }
  cosign_verify verify-attestation --key "$WORK/keys/cosign.pub" --type spdxjson "$REGISTRY/e2e/multi@$m" ||
    { cat "$WORK/cosign.err" >&2; fail "cosign verify-attestation refused the SBOM of $m"; }
done
pass "cosign verifies the index and each of its $((${#manifests[@]} - 1)) images, signature and SBOM attestation"

log "5. scratch verify"
verify() { bazel run "${CACHE_FLAGS[@]}" //examples/hello:verify -- "$@" >"$WORK/verify.out" 2>"$WORK/verify.err"; }
verify "$REGISTRY/e2e/signed:v1" --key "$WORK/keys/cosign.pub" || { cat "$WORK/verify.out" "$WORK/verify.err" >&2; fail "scratch verify refused the pushed image"; }
sed 's/^/  /' "$WORK/verify.out" >&2
grep -q "^the local build .* has the same digest$" "$WORK/verify.out" && grep -q "attested https://spdx.dev/Document" "$WORK/verify.out" ||
  fail "scratch verify does not say what it checked"
pass "bazel run //examples/hello:verify -- REF --key cosign.pub: verified, the same digest as the local build"
set +e
verify "$REGISTRY/e2e/signed:v1" --key "$WORK/other/cosign.pub"
code=$?
set -e
[ "$code" = 1 ] && grep -q "not verified" "$WORK/verify.out" || { cat "$WORK/verify.out" "$WORK/verify.err" >&2; fail "another key: exit $code"; }
pass "with another key: exit 1, $(grep -m1 'not by the key' "$WORK/verify.out" | cut -c1-100)"
copy=$WORK/copy/rules_scratch
mkdir -p "$copy"
git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - --no-recursion | tar -xf - -C "$copy"
cleanup_dirs=("$WORK/copy/output_base" "${cleanup_dirs[@]}")
sed -i 's/Hello from a scratch image!/Hello from a changed image!/' "$copy/examples/hello/main.go"
set +e
(cd "$copy" && bazel --output_base="$WORK/copy/output_base" run "${CACHE_FLAGS[@]}" //examples/hello:verify -- \
  "$REGISTRY/e2e/signed:v1" --key "$WORK/keys/cosign.pub" >"$WORK/verify.out" 2>"$WORK/verify.err")
code=$?
(cd "$copy" && bazel --output_base="$WORK/copy/output_base" shutdown)
set -e
[ "$code" = 1 ] && grep -qE '^layer 1 /app/hello: content: ' "$WORK/verify.out" ||
  { cat "$WORK/verify.out" "$WORK/verify.err" >&2; fail "a changed rebuild: exit $code"; }
pass "a rebuild with hello changed: exit 1, $(grep -m1 '^layer 1 /app/hello' "$WORK/verify.out" | cut -c1-80)..."

log "6. no secret anywhere"
secrets=("$KEY_PASSWORD")
for key in "$WORK/keys/cosign.key" "$WORK/keys/ed25519.key"; do
  while read -r line; do secrets+=("$line"); done < <(grep -v '^-----' "$key")
done
places=("$(bazel info output_base)" "$WORK/push.out" "$WORK/push.err" "$WORK/wrong.out" "$WORK/wrong.err" "$WORK/verify.out" "$WORK/verify.err")
[ -z "${RULES_SCRATCH_DISK_CACHE:-}" ] || places+=("$RULES_SCRATCH_DISK_CACHE")
for secret in "${secrets[@]}"; do
  if grep -rqsF -- "$secret" "${places[@]}"; then
    fail "a secret is in $(grep -rlsF -- "$secret" "${places[@]}" | head -3)"
  fi
done
pass "neither the password nor any of the ${#secrets[@]} lines of the keys is in the output base, the disk cache or any output"

summary
