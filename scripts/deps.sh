#!/usr/bin/env bash
# Builds the dependencies that Debian does not package for our needs, from Debian's own source
# packages, into build/deps (cached: a second run does nothing).
#   catch2-v3   Catch2 3.7.1 (trixie), to prove the tests build with what vcpkg users get
set -euo pipefail
source "$(dirname "$0")/lib.sh"

build_catch2_v3() {
  local prefix="$NAMEDSHM_ROOT/build/deps/catch2-v3"
  [ -f "$prefix/lib/cmake/Catch2/Catch2Config.cmake" ] && return 0
  install_missing cmake ninja-build g++
  local source
  source=$(fetch_source catch2 trixie)
  log "building Catch2 v3 from $source"
  cmake -S "$source" -B "$NAMEDSHM_ROOT/build/deps/catch2-v3-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$prefix" -DBUILD_TESTING=OFF -DCATCH_INSTALL_DOCS=OFF -DCATCH_INSTALL_EXTRAS=ON >/dev/null
  cmake --build "$NAMEDSHM_ROOT/build/deps/catch2-v3-build" -j2 >/dev/null
  cmake --install "$NAMEDSHM_ROOT/build/deps/catch2-v3-build" >/dev/null
}

for dependency in "$@"; do
  case "$dependency" in
    catch2-v3) build_catch2_v3 ;;
    *) echo "deps.sh: unknown dependency $dependency" >&2; exit 2 ;;
  esac
done
