#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing (as root on Debian), then
# builds and runs every test preset and ends with one line "N passed, N failed, N skipped".
#   scripts/test.sh                 every stage
#   scripts/test.sh gcc mingw-wine  only the stages named
set -uo pipefail
source "$(dirname "$0")/lib.sh"
cd "$NAMEDSHM_ROOT"

all_stages=(style docs gcc clang mingw-wine clang-mingw-wine gcc-catch2-v3 asan tsan valgrind fuzz)
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=("${all_stages[@]}")

# What a fresh Debian machine lacks is installed with apt-get (install_missing, in lib.sh).
# libclang-rt-14-dev holds the ASan, UBSan, TSan and libFuzzer runtimes; clang only recommends
# it, and install_missing installs no recommends. lld links clang's MinGW builds; the package
# tests read namedshm.pc with pkgconf and clone the repository with git; python3 and
# libboost-dev are the peers that the example pair must interoperate with.
install_missing cmake ninja-build g++ clang lld libclang-rt-14-dev catch2 g++-mingw-w64-x86-64-posix wine wine64 \
  valgrind pkgconf git python3 libboost-dev || exit 1

passed=0
failed=0
skipped=0  # tests that could not run here and said why (NAMEDSHM_SKIP): neither passed nor failed
started=$SECONDS

# Each stage's tests run under a run id of their own, NAMEDSHM_TEST_RUN (support/test_run.hpp),
# which every name they make carries: nshm-test-RUN-..., namedshm-pair-RUN-... So this script
# looks at, reports and removes only what the stage it runs left, never the names of another
# run going on beside it. The id: this script's start (hex seconds) and pid, and the stage's
# number.
run_base="t$(printf '%x' "$(date +%s)")p$$"

# What is checked for what a stage's tests leave behind, and where:
# - natively (gcc, clang, gcc-catch2-v3, asan, tsan, valgrind): no name of the stage's run is
#   left in /dev/shm (check_names_left); every test also checks its own descriptors and views.
# - under Wine (mingw-wine, clang-mingw-wine): Wine keeps names inside wineserver, not in
#   /dev/shm, and on Windows a name lives only as long as a handle to it, so a name can outlive
#   its test only in a process that outlives its test. The Wine fixture's last test (wine: stop
#   the wineserver, cmake/wine-stop.sh) fails if any test program still runs after the last
#   test; check_wine_left then fails the stage if a Wine process or a wineserver of the stage's
#   prefix is still there after CTest. Each test checks its own handles and views.

# stage_names: the shared-memory names of the running stage's tests (NAMEDSHM_TEST_RUN) in
# /dev/shm, one a line, sorted. Names may hold spaces (a pair test's name does).
stage_names() {
  ls /dev/shm 2>/dev/null | grep -E "^(nshm-test|namedshm-pair)-${NAMEDSHM_TEST_RUN}-" | sort
}

# check_names_left STAGE: fails the stage (one failure) if its tests left names in /dev/shm:
# every test must clean up after itself, also after a crash it caused on purpose. Lists and
# removes them, so that they do not pile up.
check_names_left() {
  local stage=$1 name
  local left=()
  mapfile -t left < <(stage_names)
  [ ${#left[@]} -eq 0 ] && return 0
  echo "$stage: FAILED: the tests left these names in /dev/shm:"
  printf '  %s\n' "${left[@]}"
  for name in "${left[@]}"; do rm -f -- "/dev/shm/$name"; done
  failed=$((failed + 1))
}

# wine_processes PREFIX: the pids and command lines of the processes that run in the Wine
# prefix PREFIX (wineserver included), one a line.
wine_processes() {
  local prefix=$1 dir
  for dir in /proc/[0-9]*; do
    { tr '\0' '\n' <"$dir/environ"; } 2>/dev/null | grep -qxF "WINEPREFIX=$prefix" || continue
    case "$(readlink "$dir/exe" 2>/dev/null)" in
      */wine*) echo "${dir#/proc/} $({ tr '\0' ' ' <"$dir/cmdline"; } 2>/dev/null)" ;;
    esac
  done
}

# check_wine_left PRESET: fails the stage (one failure) if a Wine process or wineserver of the
# preset's prefix outlived its CTest run, whose fixture stops the server; lists and ends them.
check_wine_left() {
  local preset=$1 line
  local left=()
  mapfile -t left < <(wine_processes "$NAMEDSHM_ROOT/build/$preset/wineprefix")
  [ ${#left[@]} -eq 0 ] && return 0
  echo "$preset: FAILED: these Wine processes outlived the tests (pid, command line):"
  printf '  %s\n' "${left[@]}"
  for line in "${left[@]}"; do kill -KILL "${line%% *}" 2>/dev/null; done
  failed=$((failed + 1))
}

# count_ctest PRESET OUTPUT: adds what one CTest run says to the totals, and prints the
# stage's own line. A skipped test is one that exited with its SKIP_RETURN_CODE (a Catch2 test
# case that called NAMEDSHM_SKIP); CTest lists it under "did not run", counts it as neither
# passed nor failed, and so does this script.
count_ctest() {
  local preset=$1 output=$2 summary total bad skips
  summary=$(printf '%s\n' "$output" | grep -E '[0-9]+ tests failed out of [0-9]+' | tail -1)
  if [ -z "$summary" ]; then
    echo "$preset: ctest printed no summary"
    failed=$((failed + 1))
    return
  fi
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")
  bad=$(sed -E 's/.* ([0-9]+) tests failed.*/\1/' <<<"$summary")
  skips=$(printf '%s\n' "$output" | grep -cE '^[[:space:]]+[0-9]+ - .* \(Skipped\)$')
  echo "$preset: $((total - bad - skips)) passed, $bad failed, $skips skipped"
  passed=$((passed + total - bad - skips))
  failed=$((failed + bad))
  skipped=$((skipped + skips))
}

# build_preset PRESET: configure and build one preset. A preset that does not configure or
# build counts as one failure, and the function fails.
build_preset() {
  local preset=$1
  log "$preset: configure and build"
  if ! cmake --preset "$preset" >"build/$preset.configure.log" 2>&1; then
    cat "build/$preset.configure.log"
    echo "$preset: configure FAILED"
    failed=$((failed + 1))
    return 1
  fi
  if ! cmake --build --preset "$preset" -j2 >"build/$preset.build.log" 2>&1; then
    grep -E -A5 'error|FAILED' "build/$preset.build.log" | head -60
    echo "$preset: build FAILED (build/$preset.build.log)"
    failed=$((failed + 1))
    return 1
  fi
}

# run_preset PRESET: configure, build and test one preset, adding its counts to the totals.
run_preset() {
  local preset=$1
  build_preset "$preset" || return
  log "$preset: test (run id $NAMEDSHM_TEST_RUN)"
  local output
  output=$(ctest --preset "$preset" 2>&1)
  case "$preset" in
    *wine*) check_wine_left "$preset" ;;
    *) check_names_left "$preset" ;;
  esac
  printf '%s\n' "$output" | grep -v -E '^ +Start |Test +#[0-9]+: .* Passed'
  # A crash of Wine's own server is logged where the CTest fixture of cmake/wine_tests.cmake
  # sends its output: say so, since every test that was running then fails with it.
  if grep -q "crashed" "build/$preset/wineserver.log" 2>/dev/null; then
    echo "$preset: wineserver crashed during this run; its log:"
    cat "build/$preset/wineserver.log"
  fi
  # Runs whose verdict Wine lost and that cmake/wine-run.sh made again: said, not hidden.
  local restarts
  restarts=$(grep -c "^wine-run: " "build/$preset/Testing/Temporary/LastTest.log" 2>/dev/null)
  if [ "${restarts:-0}" -gt 0 ]; then
    echo "$preset: Wine lost the verdict of $restarts run(s), made again:"
    grep -B12 "^wine-run: " "build/$preset/Testing/Temporary/LastTest.log" | grep -E "^Command:|^wine"
  fi
  count_ctest "$preset" "$output"
}

# The one test binary that valgrind runs: all Catch2 test cases in one process, since valgrind
# takes seconds to start. The C++20 twin runs the same test cases (it adds only the std::span
# conversions), so it would double the time for nothing that memcheck can see.
valgrind_build=build/gcc
valgrind_binary=namedshm_tests_cxx17
# Catch2 test specs for test cases that cannot run under valgrind, each with its reason. None
# so far: valgrind 3.19 maps the 5 GiB region (it warns about the large range, which is no error).
valgrind_test_spec=()

# run_valgrind: memcheck over the gcc preset's native tests, counted as the other stages are:
# each Catch2 test case passed, failed or skipped (Catch2 v2 counts a skipped one as passed;
# each prints the marker "namedshm: skipped: " once), plus one failure if memcheck found an
# error or a definite leak (--error-exitcode) or the run did not end with Catch2's summary. The
# children that tests start are not traced (no --trace-children), so they run natively; that
# needs tests/support/process.cpp to start the path readlink("/proc/self/exe") gives (valgrind
# answers with the test binary), since an exec of /proc/self/exe itself would start valgrind's
# own tool binary, which refuses to run.
run_valgrind() {
  log "valgrind: build $valgrind_binary in $valgrind_build"
  if ! { cmake --preset gcc -B "$valgrind_build" && cmake --build "$valgrind_build" -j2 --target "$valgrind_binary"; } \
    >build/valgrind.build.log 2>&1; then
    grep -E -A5 'error|FAILED' build/valgrind.build.log | head -60
    echo "valgrind: build FAILED (build/valgrind.build.log)"
    failed=$((failed + 1))
    return
  fi
  log "valgrind: memcheck (run id $NAMEDSHM_TEST_RUN)"
  # From the tests' folder, where ctest runs them too. The timeout keeps a hang from using up
  # CI's time; a clean run takes 2 to 4 minutes.
  local status=0
  (cd "$valgrind_build/tests" && timeout 1800 valgrind --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite "./$valgrind_binary" "${valgrind_test_spec[@]}") >build/valgrind.log 2>&1 ||
    status=$?
  check_names_left valgrind
  # Catch2 v2's summary: "All tests passed (A assertions in N test cases)", or
  # "test cases: N | P passed | F failed".
  local cases bad skips summary
  summary=$(grep -E '^(All tests passed \(|test cases: )' build/valgrind.log | tail -1)
  cases=$(sed -n -E 's/^All tests passed \([0-9]+ assertions? in ([0-9]+) test cases?\).*/\1/p; s/^test cases: *([0-9]+) .*/\1/p' <<<"$summary")
  bad=$(sed -n -E 's/^test cases: .*\| *([0-9]+) failed.*/\1/p' <<<"$summary")
  skips=$(grep -c 'namedshm: skipped: ' build/valgrind.log)
  grep -E '^(All tests passed|test cases:|==[0-9]+== ERROR SUMMARY)' build/valgrind.log
  if [ -z "$cases" ]; then
    tail -60 build/valgrind.log
    echo "valgrind: FAILED: the run ended without Catch2's summary (exit status $status; build/valgrind.log)"
    failed=$((failed + 1))
    return
  fi
  bad=${bad:-0}
  echo "valgrind: $((cases - bad - skips)) passed, $bad failed, $skips skipped (test cases under memcheck)"
  passed=$((passed + cases - bad - skips))
  failed=$((failed + bad))
  skipped=$((skipped + skips))
  if [ "$bad" -gt 0 ]; then
    grep -E -B8 -A8 ': FAILED:$' build/valgrind.log | head -80
    echo "valgrind: test cases FAILED (build/valgrind.log)"
  fi
  if [ "$status" -eq 99 ]; then
    grep -E '^==[0-9]+== ' build/valgrind.log | tail -60
    echo "valgrind: memcheck FAILED: errors or definite leaks (build/valgrind.log)"
    failed=$((failed + 1))
  elif [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; then
    tail -60 build/valgrind.log
    echo "valgrind: FAILED: exit status $status with no failed test case (build/valgrind.log)"
    failed=$((failed + 1))
  fi
}

# Seconds each fuzzer runs; CI uses the default.
fuzz_seconds=${NAMEDSHM_FUZZ_SECONDS:-30}
# Longest input per fuzzer. Names: the last length rule is at 7 + 256 bytes, and wide text has
# no length rule, so longer inputs only cost time. Views: the fuzzer reads 43 bytes.
declare -A fuzz_max_len=([names]=512 [views]=64)

# run_fuzzers: builds the libFuzzer targets and runs each for fuzz_seconds, one pass or one
# failure per fuzzer. Any finding (a broken invariant, a sanitizer report, a crash, a leak, more
# than 2 GiB of memory) fails it, and libFuzzer writes the input that caused it to
# build/fuzz/artifacts/.
run_fuzzers() {
  build_preset fuzz || return
  local fuzzer
  for fuzzer in names views; do
    log "fuzz: $fuzzer for $fuzz_seconds s"
    local work=build/fuzz/corpus/$fuzzer artifacts=build/fuzz/artifacts/$fuzzer
    local output=build/fuzz/$fuzzer.log
    rm -rf "$artifacts" && mkdir -p "$work" "$artifacts"
    # libFuzzer writes the inputs it finds to the first folder only: the checked-in corpus,
    # second, stays a read-only seed.
    if build/fuzz/tests/fuzz/namedshm_fuzz_$fuzzer -max_total_time="$fuzz_seconds" -max_len="${fuzz_max_len[$fuzzer]}" \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "tests/fuzz/corpus/$fuzzer" >"$output" 2>&1; then
      echo "fuzz $fuzzer: $(sed -n -E 's/^stat::number_of_executed_units: *//p' "$output") executions, no finding"
      passed=$((passed + 1))
    else
      grep -v -E '^#[0-9]+' "$output" | tail -60
      echo "fuzz $fuzzer: FAILED, reproducer in $artifacts/ (build/fuzz/tests/fuzz/namedshm_fuzz_$fuzzer FILE replays it)"
      failed=$((failed + 1))
    fi
  done
}

# run_check NAME COMMAND...: one pass or one failure for a command that is a check in itself.
run_check() {
  local name=$1
  shift
  log "$name"
  if "$@" >"build/$name.log" 2>&1; then
    passed=$((passed + 1))
  else
    tail -40 "build/$name.log"
    echo "$name: FAILED (build/$name.log)"
    failed=$((failed + 1))
  fi
}

# build_docs: the Doxygen API reference, which fails on any warning (an undocumented public
# entity, a broken reference).
build_docs() {
  install_missing doxygen &&
    cmake -S . -B build/docs -G Ninja -DNAMEDSHM_BUILD_DOCS=ON -DNAMEDSHM_BUILD_TESTS=OFF -DNAMEDSHM_BUILD_EXAMPLES=OFF &&
    cmake --build build/docs --target namedshm_docs
}

mkdir -p build
stage_number=0
for stage in "${stages[@]}"; do
  stage_started=$SECONDS
  stage_number=$((stage_number + 1))
  export NAMEDSHM_TEST_RUN="${run_base}s${stage_number}"
  case "$stage" in
    gcc-catch2-v3)
      if ! scripts/deps.sh catch2-v3; then
        echo "Catch2 v3 could not be built"
        failed=$((failed + 1))
        continue
      fi
      run_preset "$stage"
      ;;
    gcc)
      # The package tests of older consumers run CMake 3.18 (Debian 11's), unpacked.
      if ! scripts/deps.sh cmake-3.18; then
        echo "CMake 3.18 could not be fetched: the package tests of older consumers cannot run"
        failed=$((failed + 1))
      fi
      run_preset "$stage"
      ;;
    clang | mingw-wine | clang-mingw-wine | asan | tsan) run_preset "$stage" ;;
    valgrind) run_valgrind ;;
    style) run_check style scripts/check-style.sh ;;
    docs) run_check docs build_docs ;;
    fuzz) run_fuzzers ;;
    *) echo "unknown stage $stage (stages: ${all_stages[*]})"; failed=$((failed + 1)) ;;
  esac
  # Each stage's time, to keep the whole run inside CI's budget.
  log "$stage: $((SECONDS - stage_started)) s"
done

log "stages: ${stages[*]} in $((SECONDS - started)) s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
