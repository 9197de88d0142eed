#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing (as root on Debian), then
# builds and runs every test preset and ends with one line "N passed, N failed".
#   scripts/test.sh                 every stage
#   scripts/test.sh gcc mingw-wine  only the stages named
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$NAMEDSHM_ROOT"

all_stages=(gcc clang mingw-wine gcc-catch2-v3)
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=("${all_stages[@]}")

install_missing cmake ninja-build g++ clang catch2 g++-mingw-w64-x86-64-posix wine wine64 || exit 1

passed=0
failed=0
started=$SECONDS

# run_preset PRESET: configure, build and test one preset, adding its counts to the totals. A
# preset that does not configure or build counts as one failure.
run_preset() {
  local preset=$1
  log "$preset: configure and build"
  if ! cmake --preset "$preset" >"build/$preset.configure.log" 2>&1; then
    cat "build/$preset.configure.log"
    echo "$preset: configure FAILED"
    failed=$((failed + 1))
    return
  fi
  if ! cmake --build --preset "$preset" -j2 >"build/$preset.build.log" 2>&1; then
    grep -E -A5 'error|FAILED' "build/$preset.build.log" | head -60
    echo "$preset: build FAILED (build/$preset.build.log)"
    failed=$((failed + 1))
    return
  fi
  log "$preset: test"
  local output
  output=$(ctest --preset "$preset" 2>&1)
  printf '%s\n' "$output" | grep -v -E '^ +Start |Test +#[0-9]+: .* Passed'
  local summary
  summary=$(printf '%s\n' "$output" | grep -E '[0-9]+ tests failed out of [0-9]+' | tail -1)
  if [ -z "$summary" ]; then
    echo "$preset: ctest printed no summary"
    failed=$((failed + 1))
    return
  fi
  local total bad
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
  bad=$(sed -E 's/.* ([0-9]+) tests failed.*/\1/' <<<"$summary")
  passed=$((passed + total - bad))
  failed=$((failed + bad))
}

mkdir -p build
for stage in "${stages[@]}"; do
  case "$stage" in
    gcc-catch2-v3)
      if ! scripts/deps.sh catch2-v3; then
        echo "Catch2 v3 could not be built"
        failed=$((failed + 1))
        continue
      fi
      run_preset "$stage"
      ;;
    gcc | clang | mingw-wine) run_preset "$stage" ;;
    *) echo "unknown stage $stage (stages: ${all_stages[*]})"; failed=$((failed + 1)) ;;
  esac
done

log "stages: ${stages[*]} in $((SECONDS - started)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
