#!/usr/bin/env bash
# The SBOM and provenance of a user's image holding a real third-party Go
# program (gojq and its modules, from the Go module proxy through go_deps):
#   1. the image runs;
#   2. its SBOM lists exactly the modules, versions and h1 hashes that
#      `go version -m` prints for gojq built by `go build` from the same
#      go.mod, plus the standard library and the essentials' sources;
#   3. the SBOMs are valid SPDX 2.3 for the SPDX project's own validator
#      (pyspdxtools of spdx-tools: the command in $PYSPDXTOOLS, default
#      `pyspdxtools`) and match the SPDX 2.3 JSON schema, the CycloneDX one valid CycloneDX 1.6 for the
#      CycloneDX project's JavaScript library (its strict JSON schema
#      validator; from npm, pinned) and lists the same modules; the
#      provenances are in-toto
#      Statements v1 with SLSA provenance v1 predicates for in-toto's Go
#      bindings, with the built digests as subjects (the examples' too);
#   4. a stamped build's provenance names the commit, the builder given by
#      flag and its start; an unstamped one has no timestamp;
#   5. after a module bump, the module's lock test fails naming the module
#      with its old and new version.
source "$(dirname "$0")/lib.sh"
# The SPDX validator, a command (word-split): Debian sid's python3-spdx-tools.
PYSPDXTOOLS=${PYSPDXTOOLS:-pyspdxtools}
CACHE=${RULES_SCRATCH_DISK_CACHE:+--disk_cache="$RULES_SCRATCH_DISK_CACHE"}

log "build the in-toto checker (e2e/attestcheck, its own module)"
(cd "$REPO/e2e/attestcheck" && GOFLAGS=-mod=mod go build -o "$WORK/attestcheck" .)

cd "$REPO/e2e/sbom"
log "build @rules_scratch_e2e_sbom//:image (gojq)"
bazel build $CACHE //:image
out=$(run_layout "$PWD/bazel-bin/image" image)
[ "$out" = "gojq in scratch" ] || fail "the gojq image printed '$out'"
pass "the gojq image runs: $out"

log "compare the SBOM's modules with go version -m of go build"
CGO_ENABLED=0 GOFLAGS=-mod=mod go build -o "$WORK/gojq" github.com/itchyny/gojq/cmd/gojq
go version -m "$WORK/gojq" | awk '$1 == "mod" || $1 == "dep" {print $2, $3, $4}' | sort >"$WORK/go-version-m"
[ "$(wc -l <"$WORK/go-version-m")" -ge 5 ] || fail "gojq links fewer than five modules: $(cat "$WORK/go-version-m")"
python3 - bazel-bin/image.spdx.json "$(go env GOVERSION)" >"$WORK/sbom-modules" <<'PY'
import base64, json, sys
doc = json.load(open(sys.argv[1]))
packages = {p["SPDXID"]: p for p in doc["packages"]}
binary = [p for p in doc["packages"] if p.get("primaryPackagePurpose") == "APPLICATION"]
assert len(binary) == 1 and binary[0]["packageFileName"] == "/app/gojq", binary
linked = {r["relatedSpdxElement"] for r in doc["relationships"] if r["spdxElementId"] == binary[0]["SPDXID"] and r["relationshipType"] == "DEPENDS_ON"}
names = {packages[i]["name"]: packages[i] for i in linked}
stdlib = names.pop("stdlib")
assert stdlib["versionInfo"] == sys.argv[2], (stdlib, sys.argv[2])
generated = {packages[r["relatedSpdxElement"]]["name"] for r in doc["relationships"] if r["relationshipType"] == "GENERATED_FROM"}
assert {"golang.org/x/crypto/x509roots/fallback", "stdlib"} <= generated, generated
for name, p in sorted(names.items()):
    sha256 = [c["checksumValue"] for c in p.get("checksums", []) if c["algorithm"] == "SHA256"]
    h1 = "h1:" + base64.b64encode(bytes.fromhex(sha256[0])).decode() if sha256 else "-"
    print(name, p["versionInfo"], h1)
PY
diff -u "$WORK/go-version-m" "$WORK/sbom-modules" || fail "the SBOM's modules differ from go version -m's"
pass "the SBOM lists exactly go version -m's $(wc -l <"$WORK/sbom-modules") modules (path, version, h1), the standard library $(go env GOVERSION) and the essentials' sources"

log "the CycloneDX SBOM: valid CycloneDX 1.6, the same modules"
bazel build $CACHE //:image_cyclonedx
python3 - bazel-bin/image_cyclonedx.cdx.json "$(go env GOVERSION)" >"$WORK/cdx-modules" <<'PY'
import base64, json, sys
doc = json.load(open(sys.argv[1]))
components = {c["bom-ref"]: c for c in doc["components"]}
binary = [c for c in doc["components"] if c["type"] == "application"]
assert len(binary) == 1 and binary[0]["evidence"]["occurrences"] == [{"location": "/app/gojq"}], binary
linked = [components[r] for d in doc["dependencies"] if d["ref"] == binary[0]["bom-ref"] for r in d["dependsOn"]]
names = {c["name"]: c for c in linked}
assert names.pop("stdlib")["version"] == sys.argv[2]
certs = [c for c in doc["components"] if c["name"] == "ca-certificates"]
assert certs[0]["pedigree"]["ancestors"][0]["name"] == "golang.org/x/crypto/x509roots/fallback", certs
for name, c in sorted(names.items()):
    sha256 = [h["content"] for h in c.get("hashes", []) if h["alg"] == "SHA-256"]
    print(name, c["version"], "h1:" + base64.b64encode(bytes.fromhex(sha256[0])).decode() if sha256 else "-")
PY
diff -u "$WORK/go-version-m" "$WORK/cdx-modules" || fail "the CycloneDX SBOM's modules differ from go version -m's"
mkdir -p "$WORK/cyclonedx"
(cd "$WORK/cyclonedx" && npm install --silent --no-audit --no-fund --no-save \
  @cyclonedx/cyclonedx-library@10.3.0 ajv@8.20.0 ajv-formats@3.0.1 ajv-formats-draft2019@1.6.1 >/dev/null)
for f in "$PWD/bazel-bin/image_cyclonedx.cdx.json" "$REPO/bazel-bin/examples/hello/image_zstd.cdx.json"; do
  [ -f "$f" ] || fail "$f is missing: build //examples/... first"
  NODE_PATH=$WORK/cyclonedx/node_modules node - "$f" <<'JS' || fail "$f is not valid CycloneDX 1.6"
const fs = require("fs");
const CDX = require("@cyclonedx/cyclonedx-library");
new CDX.Validation.JsonStrictValidator(CDX.Spec.Version.v1dot6)
  .validate(fs.readFileSync(process.argv[2], "utf8"))
  .then((errors) => {
    if (errors !== null) {
      console.error(JSON.stringify(errors, null, 1));
      process.exit(1);
    }
  });
JS
done
pass "the CycloneDX SBOM lists the same $(wc -l <"$WORK/cdx-modules") modules; it and hello's image_zstd.cdx.json are valid for CycloneDX's strict 1.6 JSON schema (cyclonedx-library 10.3.0)"

log "validate the SBOMs (pyspdxtools) and the provenances (in-toto's Go bindings)"
sboms=("$PWD/bazel-bin/image.spdx.json")
provenances=("$PWD/bazel-bin/image.provenance.json" "$REPO/bazel-bin/examples/hello/image_zstd.provenance.json")
for image in hello/image cekit_scratch/image rootfs/image https_client/image multiarch/index; do
  sboms+=("$REPO/bazel-bin/examples/$image.spdx.json")
  provenances+=("$REPO/bazel-bin/examples/$image.provenance.json")
done
for f in "${sboms[@]}"; do
  [ -f "$f" ] || fail "$f is missing: build //examples/... first"
  $PYSPDXTOOLS --infile "$f" >"$WORK/pyspdxtools.log" 2>&1 ||
    { head -20 "$WORK/pyspdxtools.log"; fail "pyspdxtools finds $f invalid"; }
done
pass "${#sboms[@]} SPDX SBOMs are valid SPDX 2.3 for pyspdxtools"
# The SPDX 2.3 JSON schema, as syft's module (pinned) carries it.
schema=$(GOFLAGS=-mod=mod go mod download -json github.com/anchore/syft@v1.57.2 | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')/schema/spdx-json/spdx-schema-2.3.json
NODE_PATH=$WORK/cyclonedx/node_modules node - "$schema" "${sboms[@]}" <<'JS' || fail "an SBOM does not match the SPDX 2.3 JSON schema"
const fs = require("fs");
const Ajv = require("ajv");
const validate = require("ajv-formats")(new Ajv({ strict: false, allErrors: true }))
  .compile(JSON.parse(fs.readFileSync(process.argv[2], "utf8")));
for (const file of process.argv.slice(3)) {
  if (!validate(JSON.parse(fs.readFileSync(file, "utf8")))) {
    console.error(file, JSON.stringify(validate.errors.slice(0, 5), null, 1));
    process.exitCode = 1;
  }
}
JS
pass "and match the SPDX 2.3 JSON schema (spdx-schema-2.3.json, from syft v1.57.2's module; ajv)"
for f in "${provenances[@]}"; do
  "$WORK/attestcheck" "$f" >"$WORK/subjects" || fail "$f is not a valid SLSA provenance v1 statement"
  digest=$(cat "${f%.provenance.json}.digest")
  grep -q " $digest\$" "$WORK/subjects" || fail "$f: no subject has the built digest $digest: $(cat "$WORK/subjects")"
done
index_subjects=$("$WORK/attestcheck" "$REPO/bazel-bin/examples/multiarch/index.provenance.json" | wc -l)
[ "$index_subjects" = 7 ] || fail "the index's provenance has $index_subjects subjects, want the index and its 6 platforms"
pass "${#provenances[@]} provenances are valid in-toto Statement v1 / SLSA provenance v1, their subjects the built digests (the index's: the index and its 6 platforms)"

log "a stamped build's provenance"
grep -q startedOn bazel-bin/image.provenance.json && fail "an unstamped provenance has a timestamp"
cat >"$WORK/status.sh" <<'SH'
#!/bin/sh
echo STABLE_GIT_COMMIT 0123456789abcdef0123456789abcdef01234567
echo STABLE_GIT_URL git+https://git.example.com/team/app
SH
chmod +x "$WORK/status.sh"
bazel build $CACHE --stamp --workspace_status_command="$WORK/status.sh" \
  --@rules_scratch//rules:builder_id=https://ci.example.com/runners/linux //:image
"$WORK/attestcheck" bazel-bin/image.provenance.json >/dev/null || fail "the stamped provenance is invalid"
python3 - bazel-bin/image.provenance.json <<'PY' || fail "the stamped provenance lacks the commit, builder or start"
import json, sys
p = json.load(open(sys.argv[1]))["predicate"]
assert {"name": "source", "uri": "git+https://git.example.com/team/app", "digest": {"gitCommit": "0123456789abcdef0123456789abcdef01234567"}} in p["buildDefinition"]["resolvedDependencies"], p
assert p["runDetails"]["builder"]["id"] == "https://ci.example.com/runners/linux", p["runDetails"]
assert p["runDetails"]["metadata"]["startedOn"].startswith("20"), p["runDetails"]
PY
pass "a stamped provenance names the commit (STABLE_GIT_COMMIT), the builder (--@rules_scratch//rules:builder_id) and its start; an unstamped one no time"

log "the lock test passes, then fails naming a bumped module"
bazel test $CACHE //:digests_test
bump="$WORK/bump/rules_scratch"
mkdir -p "$bump"
git -C "$REPO" ls-files -z --cached --others --exclude-standard | (cd "$REPO" && xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$bump"
(
  cd "$bump/e2e/sbom"
  GOFLAGS=-mod=mod go get github.com/mattn/go-isatty@v0.0.21 2>&1 | tail -1
  if bazel --output_base="$WORK/bump/output_base" test $CACHE --test_output=errors //:digests_test >"$WORK/bump.log" 2>&1; then
    fail "the lock test passed after a module bump"
  fi
  bazel --output_base="$WORK/bump/output_base" shutdown
)
cleanup_dirs=("$WORK/bump/output_base" "${cleanup_dirs[@]}")
grep -q "Go module github.com/mattn/go-isatty: v0.0.20 -> v0.0.21" "$WORK/bump.log" ||
  { tail -30 "$WORK/bump.log"; fail "the lock test's failure does not name the bumped module"; }
pass "after go get github.com/mattn/go-isatty@v0.0.21 the lock test fails: $(grep -m1 'Go module github.com/mattn/go-isatty' "$WORK/bump.log" | sed 's/^ *//')"

bazel shutdown
summary
