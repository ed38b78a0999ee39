#!/usr/bin/env bash
# release_prep.sh TAG [OUT_DIR]: writes rules_scratch-VERSION.tar.gz (git
# archive of TAG, its MODULE.bazel's version set to VERSION, TAG without its
# "v") and prints the release notes with the bazel_dep snippet. Run by
# .github/workflows/release.yml, and by e2e/release_archive.sh in CI.
set -euo pipefail
tag=${1:?usage: release_prep.sh TAG [OUT_DIR]}
out=${2:-.}
version=${tag#v}
prefix="rules_scratch-$version"
archive="$out/$prefix.tar.gz"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# git archive is reproducible for a commit; the one file that changes is
# MODULE.bazel, whose version = "0.0.0" becomes the release's.
git archive --format=tar --prefix="$prefix/" "$tag" >"$work/archive.tar"
mkdir -p "$work/$prefix"
git show "$tag:MODULE.bazel" | sed "0,/^    version = \"0.0.0\",/s//    version = \"$version\",/" >"$work/$prefix/MODULE.bazel"
grep -q "^    version = \"$version\"," "$work/$prefix/MODULE.bazel" || { echo "MODULE.bazel has no version = \"0.0.0\" to set" >&2; exit 1; }
tar --delete -f "$work/archive.tar" "$prefix/MODULE.bazel"
commit_time=$(git log -1 --format=%ct "$tag")
tar --append -f "$work/archive.tar" -C "$work" --owner=0 --group=0 --numeric-owner --mode=0664 \
  --mtime="@$commit_time" "$prefix/MODULE.bazel"
gzip -n -9 <"$work/archive.tar" >"$archive"
sha=$(openssl dgst -sha256 -binary "$archive" | openssl base64 -A)

cat <<NOTES
## Using rules_scratch $version

\`\`\`starlark
bazel_dep(name = "rules_scratch", version = "$version")
bazel_dep(name = "rules_go", version = "0.59.0")
\`\`\`

Until it is in the Bazel Central Registry:

\`\`\`starlark
archive_override(
    module_name = "rules_scratch",
    integrity = "sha256-$sha",
    strip_prefix = "$prefix",
    urls = ["https://github.com/rules-scratch/rules_scratch/releases/download/$tag/$prefix.tar.gz"],
)
\`\`\`
NOTES
