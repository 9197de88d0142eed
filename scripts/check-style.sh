#!/usr/bin/env bash
# Style gates: every C++ file formatted by the pinned clang-format (Debian's clang-format-14, so
# that a newer version's different opinion cannot fail or pass a file), and the headers clean
# under .clang-tidy for Linux (C++17 and C++20) and for Windows (MinGW headers).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$NAMEDSHM_ROOT"
install_missing clang-format-14 clang-tidy-14 g++-mingw-w64-x86-64-posix

failed=0
mapfile -t sources < <(git ls-files '*.hpp' '*.cpp')
log "clang-format-14 on ${#sources[@]} files"
if ! clang-format-14 --dry-run --Werror "${sources[@]}"; then
  echo "unformatted files: run clang-format-14 -i on them"
  failed=1
fi

# One translation unit that includes every public header pulls in every header of its backend.
tu=$(mktemp --suffix=.cpp)
trap 'rm -f "$tu"' EXIT
for header in include/namedshm/*.hpp; do printf '#include <namedshm/%s>\n' "${header##*/}"; done >"$tu"
printf 'int main() { return 0; }\n' >>"$tu"
mingw_gcc=$(x86_64-w64-mingw32-g++-posix -print-libgcc-file-name | xargs dirname)
windows_flags=(--target=x86_64-w64-mingw32 -isystem "$mingw_gcc/include/c++"
  -isystem "$mingw_gcc/include/c++/x86_64-w64-mingw32" -isystem /usr/x86_64-w64-mingw32/include)
for flags in "-std=c++17" "-std=c++20" "-std=c++17 ${windows_flags[*]}"; do
  log "clang-tidy-14 on the headers: $flags"
  # shellcheck disable=SC2086 # the flags are words on purpose
  if ! clang-tidy-14 --quiet --config-file=.clang-tidy "$tu" -- -Iinclude $flags 2>/dev/null; then
    failed=1
  fi
done
exit "$failed"
