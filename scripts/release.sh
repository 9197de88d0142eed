#!/usr/bin/env bash
# Makes the release tarball of tag vVERSION and points the vcpkg port at it:
#   scripts/release.sh VERSION        e.g. scripts/release.sh 0.2.0, after git tag v0.2.0
# It refuses a VERSION that is not MAJOR.MINOR.PATCH, a missing tag, a work tree with
# uncommitted changes, and any version string that disagrees with VERSION: the header
# (include/namedshm/detail/config.hpp, the source of the version), vcpkg.json and
# ports/namedshm/vcpkg.json as the tag holds them, and the port's vcpkg.json in the work tree
# (the port whose hash this script writes). Then it
#   1. writes build/dist/namedshm-VERSION.tar.gz, made as GitHub makes a tag's source tarball:
#      git archive --format=tar.gz --prefix=namedshm-VERSION/ vVERSION
#   2. replaces the SHA512 line of ports/namedshm/portfile.cmake with that file's SHA512,
# says what it did, and prints `SHA512 <hex>` as its last line. Any failure exits 1 with a
# one-line reason on standard error.
# The hash is that of our git's archive. GitHub serves the tarball of a published tag with its
# own git, which has produced different gzip bytes before: once the tag is on GitHub, confirm
# the hash (vcpkg install prints the actual hash when the SHA512 does not match).
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$NAMEDSHM_ROOT"

die() {
  echo "release.sh: $*" >&2
  exit 1
}

[ $# -eq 1 ] || die "usage: scripts/release.sh VERSION (MAJOR.MINOR.PATCH, tagged vVERSION)"
version=$1
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "VERSION must be MAJOR.MINOR.PATCH, not '$version'"
tag=v$version
portfile=ports/namedshm/portfile.cmake
tarball=build/dist/namedshm-$version.tar.gz

command -v git >/dev/null || die "git is missing"
command -v sha512sum >/dev/null || die "sha512sum (coreutils) is missing"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || die "$NAMEDSHM_ROOT is not a git work tree"
commit=$(git rev-parse -q --verify "refs/tags/$tag^{commit}") || die "there is no tag $tag (git tag $tag first)"
[ -z "$(git status --porcelain)" ] || die "the work tree has uncommitted changes (git status): commit them first"

# header_version: MAJOR.MINOR.PATCH from the header text on standard input.
header_version() {
  local text part parts=()
  text=$(cat)
  for part in MAJOR MINOR PATCH; do
    parts+=("$(sed -nE "s/^#define NAMEDSHM_VERSION_$part ([0-9]+)\$/\\1/p" <<<"$text")")
  done
  local IFS=.
  echo "${parts[*]}"
}
# json_version: the first "version" value of the vcpkg.json on standard input.
json_version() {
  sed -nE 's/^[[:space:]]*"version"[[:space:]]*:[[:space:]]*"([^"]*)".*/\1/p' | head -n 1
}
# agrees WHERE FOUND: dies unless FOUND is VERSION.
agrees() {
  [ "$2" = "$version" ] || die "$1 says version '$2', not $version"
}
agrees "include/namedshm/detail/config.hpp at $tag" \
  "$(git show "$tag:include/namedshm/detail/config.hpp" 2>/dev/null | header_version)"
agrees "vcpkg.json at $tag" "$(git show "$tag:vcpkg.json" 2>/dev/null | json_version)"
agrees "ports/namedshm/vcpkg.json at $tag" "$(git show "$tag:ports/namedshm/vcpkg.json" 2>/dev/null | json_version)"
agrees "ports/namedshm/vcpkg.json" "$(json_version <ports/namedshm/vcpkg.json)"
# shellcheck disable=SC2016 # the portfile's own ${VERSION}, literally
grep -qE '^[[:space:]]*REF "v\$\{VERSION\}"[[:space:]]*$' "$portfile" ||
  die "$portfile does not fetch REF \"v\${VERSION}\", the tag this script archives"
[ "$(grep -cE '^[[:space:]]*SHA512 [0-9a-fA-F]+[[:space:]]*$' "$portfile")" = 1 ] ||
  die "$portfile has not exactly one 'SHA512 <hex>' line to replace"
echo "release.sh: $tag is commit $commit; the header, both vcpkg.json files and the port agree: $version"

mkdir -p build/dist
git archive --format=tar.gz --prefix="namedshm-$version/" "$tag" >"$tarball.part" ||
  { rm -f "$tarball.part"; die "git archive of $tag failed"; }
mv "$tarball.part" "$tarball"
sha512=$(sha512sum "$tarball") || die "sha512sum $tarball failed"
sha512=${sha512%% *}
echo "release.sh: wrote $tarball ($(wc -c <"$tarball") bytes, prefix namedshm-$version/)"

sed -i -E "s/^([[:space:]]*SHA512 )[0-9a-fA-F]+([[:space:]]*)\$/\\1$sha512\\2/" "$portfile"
grep -qE "^[[:space:]]*SHA512 ${sha512}[[:space:]]*\$" "$portfile" || die "could not write the SHA512 into $portfile"
echo "release.sh: wrote its SHA512 into $portfile (commit that change)"
echo "SHA512 $sha512"
