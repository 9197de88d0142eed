#!/usr/bin/env bash
# Builds the dependencies that Debian does not package for our needs, from Debian's own source
# packages, into build/deps (cached: a second run does nothing).
#   catch2-v3         Catch2 3.7.1 (trixie), to prove the tests build with what vcpkg users get
#   benchmark-mingw   Google Benchmark 1.7.1 (bookworm) for MinGW-w64, for bench/ under Wine
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

# Google Benchmark for Windows: Debian packages it only for Linux. Cross-compiling, its feature
# checks (std::regex, steady_clock) only compile, which is enough for MinGW. Git is kept out
# of its configure: it would read (and refresh the index of) the repository around build/.
build_benchmark_mingw() {
  local prefix="$NAMEDSHM_ROOT/build/deps/benchmark-mingw"
  [ -f "$prefix/lib/cmake/benchmark/benchmarkConfig.cmake" ] && return 0
  install_missing cmake ninja-build g++-mingw-w64-x86-64-posix wine wine64
  local source
  source=$(fetch_source benchmark bookworm)
  log "building Google Benchmark for MinGW from $source"
  local build="$NAMEDSHM_ROOT/build/deps/benchmark-mingw-build"
  cmake -S "$source" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_TOOLCHAIN_FILE="$NAMEDSHM_ROOT/cmake/mingw-wine.cmake" -DCMAKE_INSTALL_PREFIX="$prefix" \
    -DCMAKE_DISABLE_FIND_PACKAGE_Git=ON -DBENCHMARK_ENABLE_TESTING=OFF -DBENCHMARK_ENABLE_GTEST_TESTS=OFF \
    -DBENCHMARK_ENABLE_WERROR=OFF -DBENCHMARK_INSTALL_DOCS=OFF -DBUILD_SHARED_LIBS=OFF >/dev/null
  cmake --build "$build" -j2 >/dev/null
  cmake --install "$build" >/dev/null
}

for dependency in "$@"; do
  case "$dependency" in
    catch2-v3) build_catch2_v3 ;;
    benchmark-mingw) build_benchmark_mingw ;;
    *) echo "deps.sh: unknown dependency $dependency" >&2; exit 2 ;;
  esac
done
