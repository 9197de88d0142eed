#!/usr/bin/env bash
# Builds the dependencies that Debian does not package for our needs, from Debian's own source
# packages, into build/deps (cached: a second run does nothing).
#   catch2-v3         Catch2 3.7.1 (trixie), to prove the tests build with what vcpkg users get
#   benchmark-mingw   Google Benchmark 1.7.1 (bookworm) for MinGW-w64, for bench/ under Wine
#   cmake-3.18        CMake 3.18.4 (bullseye), unpacked, for the package tests of older consumers
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

# CMake 3.18.4, Debian 11's, for the package tests that prove namedshm's lists work for
# consumers on an older CMake. Fetched with an apt configuration of its own (bullseye's lists
# and the downloads stay in the build folder; the system's apt sources are untouched) and
# unpacked with dpkg -x: nothing is installed. Debian 12 lacks only its libjsoncpp24.
fetch_cmake_3_18() {
  local root="$NAMEDSHM_ROOT/build/deps/cmake-3.18"
  [ -x "$root/cmake" ] && return 0
  local apt="$NAMEDSHM_ROOT/build/deps/cmake-3.18-apt"
  rm -rf "$root" "$apt"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d" "$apt/debs" "$root"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bullseye main\n' \
    >"$apt/sources.list"
  local options=(-o "Dir::Etc::SourceList=$apt/sources.list" -o "Dir::Etc::SourceParts=$apt/sources.list.d"
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "APT::Get::List-Cleanup=0"
    -o "APT::Sandbox::User=root")
  log "fetching CMake 3.18 (Debian 11) into $root"
  apt-get "${options[@]}" update -qq
  (cd "$apt/debs" && apt-get "${options[@]}" download -qq cmake/bullseye cmake-data/bullseye libjsoncpp24/bullseye)
  local deb
  for deb in "$apt"/debs/*.deb; do dpkg -x "$deb" "$root"; done
  # What the package tests run: the unpacked cmake, with its libjsoncpp.
  printf '#!/bin/sh\nLD_LIBRARY_PATH="%s/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "%s/usr/bin/cmake" "$@"\n' \
    "$root" "$root" >"$root/cmake"
  chmod +x "$root/cmake"
  "$root/cmake" --version | head -1
}

for dependency in "$@"; do
  case "$dependency" in
    catch2-v3) build_catch2_v3 ;;
    benchmark-mingw) build_benchmark_mingw ;;
    cmake-3.18) fetch_cmake_3_18 ;;
    *) echo "deps.sh: unknown dependency $dependency" >&2; exit 2 ;;
  esac
done
