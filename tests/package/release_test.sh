#!/usr/bin/env bash
# CTest's "package: release.sh": runs scripts/release.sh in a clone, with a tag made there.
#   tests/package/release_test.sh SOURCE_DIR WORK_DIR
# The clone (WORK_DIR/repo) has SOURCE_DIR's committed history: release.sh archives a tag and
# refuses uncommitted changes, so it needs a repository whose state the test controls, and the
# test must never tag or touch the developer's own. Into that clone the test copies the work
# tree's versions of the files a release reads or writes (scripts/release.sh and lib.sh, the
# header with the version, both vcpkg.json files, the port) and commits them there: the test
# checks the script and the versions as they are now, committed or not.
# Checks: a malformed VERSION, a missing tag, a version the files do not carry (each of the four
# version strings on its own) and a dirty tree (a modified file, an untracked file) are each
# refused with a one-line reason, leaving no tarball and the portfile as it was; then
# a release writes build/dist/namedshm-VERSION.tar.gz, whose entries all start with
# namedshm-VERSION/, whose bytes are git archive's for the tag, and whose SHA512 (sha512sum) is
# the one written into the clone's portfile and printed on the last line; the port still runs
# (run_portfile.cmake) with that hash.
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
[ $# -eq 2 ] || fail "usage: release_test.sh SOURCE_DIR WORK_DIR"
source_dir=$1
work_dir=$2
for tool in git sha512sum tar cmake; do
  command -v "$tool" >/dev/null || fail "this test needs $tool (Debian packages git, coreutils, tar, cmake)"
done

rm -rf "$work_dir"
mkdir -p "$work_dir"
repo=$work_dir/repo
git clone -q "$source_dir" "$repo"
cd "$source_dir"
release_files=(scripts/release.sh scripts/lib.sh include/namedshm/detail/config.hpp vcpkg.json ports/namedshm/*)
for file in "${release_files[@]}"; do
  mkdir -p "$repo/$(dirname "$file")"
  cp "$file" "$repo/$file"
done
cd "$repo"
export GIT_AUTHOR_NAME=release-test GIT_AUTHOR_EMAIL=release-test@invalid
export GIT_COMMITTER_NAME=release-test GIT_COMMITTER_EMAIL=release-test@invalid
git add -- "${release_files[@]}"
git diff --cached --quiet || git -c commit.gpgsign=false commit -q -m "release test: the work tree's release files"

version=$(for part in MAJOR MINOR PATCH; do
  sed -nE "s/^#define NAMEDSHM_VERSION_$part ([0-9]+)\$/\\1/p" include/namedshm/detail/config.hpp
done | paste -sd.)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "no version in include/namedshm/detail/config.hpp: '$version'"
portfile=ports/namedshm/portfile.cmake
original_portfile=$(cat "$portfile")

# refused WHAT PATTERN VERSION: release.sh VERSION must fail with one line matching PATTERN, and
# leave no tarball and the portfile unchanged.
refused() {
  local what=$1 pattern=$2 version=$3 output status=0
  output=$(bash scripts/release.sh "$version" 2>&1) || status=$?
  [ "$status" -ne 0 ] || fail "$what: release.sh $version succeeded: $output"
  [ "$(wc -l <<<"$output")" -eq 1 ] || fail "$what: not a one-line reason: $output"
  grep -qE "$pattern" <<<"$output" || fail "$what: the reason does not match '$pattern': $output"
  [ ! -e "build/dist/namedshm-$version.tar.gz" ] || fail "$what: a tarball was written"
  [ "$(cat "$portfile")" = "$original_portfile" ] || fail "$what: the portfile changed"
  echo "ok: $what refused: $output"
}

refused "a malformed VERSION" "MAJOR\.MINOR\.PATCH" "${version%.*}"
refused "a missing tag" "no tag v$version" "$version"
git tag v9.9.9
refused "a version the files do not carry" "says version '$version', not 9\.9\.9" 9.9.9

# Each version string on its own: a commit where all the others say 9.9.<n>, tagged v9.9.<n>
# (the last probe keeps the tag's files and changes the work tree's port after the tag).
base=$(git rev-parse HEAD)
set_version() { # set_version FILE VERSION
  if [[ $1 == *.hpp ]]; then
    local part value parts
    IFS=. read -ra parts <<<"$2"
    for part in MAJOR MINOR PATCH; do
      value=${parts[0]}
      parts=("${parts[@]:1}")
      sed -i -E "s/^(#define NAMEDSHM_VERSION_$part )[0-9]+\$/\\1$value/" "$1"
    done
  else
    sed -i -E "0,/\"version\": \"[^\"]*\"/s//\"version\": \"$2\"/" "$1"
  fi
}
version_files=(include/namedshm/detail/config.hpp vcpkg.json ports/namedshm/vcpkg.json)
n=0
for kept in "${version_files[@]}"; do
  n=$((n + 1))
  for file in "${version_files[@]}"; do
    [ "$file" = "$kept" ] || set_version "$file" "9.9.$n"
  done
  git -c commit.gpgsign=false commit -q -am "release test: all versions but $kept say 9.9.$n"
  git tag "v9.9.$n"
  refused "$kept alone disagreeing" "^release\.sh: $kept at v9\.9\.$n says version '$version', not 9\.9\.$n\$" "9.9.$n"
  git reset -q --hard "$base"
done
git tag "v$version"
set_version ports/namedshm/vcpkg.json 9.9.9
git -c commit.gpgsign=false commit -q -am "release test: the port moves on after the tag"
refused "the work tree's port disagreeing" "^release\.sh: ports/namedshm/vcpkg\.json says version '9\.9\.9', not $version\$" "$version"
git reset -q --hard "$base"
echo "a change" >>README.md
refused "a modified file" "uncommitted changes" "$version"
git checkout -q -- README.md
touch untracked-file
refused "an untracked file" "uncommitted changes" "$version"
rm untracked-file

output=$(bash scripts/release.sh "$version") || fail "release.sh $version failed: $output"
echo "$output"
tarball=build/dist/namedshm-$version.tar.gz
[ -f "$tarball" ] || fail "no $tarball"
printed=$(tail -n 1 <<<"$output")
[[ $printed =~ ^SHA512\ [0-9a-f]{128}$ ]] || fail "the last line is not 'SHA512 <hex>': $printed"
actual=$(sha512sum "$tarball")
actual=${actual%% *}
[ "$printed" = "SHA512 $actual" ] || fail "printed $printed, but sha512sum says $actual"
[ "$(grep -cE "^[[:space:]]*SHA512 $actual\$" "$portfile")" = 1 ] || fail "$portfile does not hold SHA512 $actual"
[ "$(diff <(echo "$original_portfile") "$portfile" | grep -c '^[<>]')" = 2 ] ||
  fail "release.sh changed more than the SHA512 line of $portfile"
entries=$(tar -tzf "$tarball") || fail "tar cannot list $tarball as a gzip'd tar"
bad=$(grep -v "^namedshm-$version/" <<<"$entries" || true)
[ -z "$bad" ] || fail "entries outside namedshm-$version/: $bad"
grep -qx "namedshm-$version/include/namedshm/namedshm.hpp" <<<"$entries" || fail "the tarball has no header"
git archive --format=tar.gz --prefix="namedshm-$version/" "v$version" | cmp -s - "$tarball" ||
  fail "the tarball's bytes are not git archive's for v$version"
# The port, with the hash written, still runs (the stand-in of vcpkg_from_github checks its form).
cmake -DSOURCE_DIR="$repo" -DWORK_DIR="$work_dir/vcpkg" -P "$source_dir/tests/package/run_portfile.cmake" >/dev/null ||
  fail "ports/namedshm/portfile.cmake no longer runs with SHA512 $actual"
echo "release test passed: $tarball, SHA512 $actual"
