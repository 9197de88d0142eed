#!/usr/bin/env bash
# The benchmarks of bench/, end to end: installs what is missing (as root on Debian), builds in
# Release, runs every suite with repetitions, and writes bench/results/ (JSON with every
# repetition, a Markdown table of ratios, natively also the plot) and the tables in
# bench/README.md. Timing never fails this script; a build error, a benchmark that could not
# run, or a shared-memory object left behind does.
#   scripts/bench.sh             native: POSIX backend vs raw calls and Boost.Interprocess
#   scripts/bench.sh --windows   MinGW build under Wine: Win32 backend vs raw Win32 calls
# The report shows the lifecycle ratios of the results it replaces beside the new ones (each
# against its own run's baselines); natively also the system calls per operation (strace).
# Both also run the IPC suite (bench/ipc.cpp): Event and channel between two processes vs raw
# atomics, futex or Win32 events, pipes and sockets (named pipes under Wine), and memcpy; and
# the mutex suite (bench/mutex.cpp): Mutex vs raw robust pthread mutexes and Boost.Interprocess
# (natively) or raw kernel mutexes (under Wine), uncontended and handed between two processes;
# and the broadcast suite (bench/broadcast.cpp): a broadcast to 1, 2 and 4 receiver processes
# vs the same stream through as many SPSC channels, and round trips vs the channel; and the
# mailbox suite (bench/mailbox.cpp): one sender vs the channel, two sender processes vs
# Boost.Interprocess's message_queue (natively), a service with two clients; and natively the
# ring-layout experiment behind the mailbox's round trip (bench/ring_lines.cpp, no library
# code; bench/results/ring-lines-native.md).
#   scripts/bench.sh [--windows] --only broadcast   that suite alone (bench/results/broadcast-*)
#   scripts/bench.sh [--windows] --only mailbox     that suite alone (bench/results/mailbox-*)
# The broadcast and mailbox suites' results have files and README tables of their own
# (bench/results/broadcast-native.*, mailbox-windows.*, ...), so that each can be run alone
# without replacing the other suites' published results.
# Natively the lifecycle suite also times namedshm as an earlier commit made it, in the same
# binary ("namedshm-before": bench/lifecycle_before.cpp), and counts its system calls:
# NAMEDSHM_BENCH_BEFORE names the commit (default fed0ec1, the commit before issue 18's
# lifetime rule), whose include folder is extracted once into build/bench-before/COMMIT; empty,
# or a commit this clone does not have, leaves that baseline out.
# NAMEDSHM_BENCH_REPETITIONS and NAMEDSHM_BENCH_MIN_TIME (seconds) override the defaults;
# NAMEDSHM_BENCH_IPC_MIN_TIME the IPC and mutex suites' alone (0.2 s); NAMEDSHM_BENCH_PIN=0 turns off its pinning.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$NAMEDSHM_ROOT"

windows=0
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --windows) windows=1 ;;
    --only)
      case "${2:-}" in broadcast | mailbox) ;; *) echo "scripts/bench.sh: --only takes: broadcast, mailbox" >&2; exit 2 ;; esac
      only=$2
      shift
      ;;
    *) echo "usage: scripts/bench.sh [--windows] [--only broadcast|mailbox]" >&2; exit 2 ;;
  esac
  shift
done

started=$SECONDS
read -r -a load_before < <(cut -d' ' -f1-3 /proc/loadavg)
results=bench/results
mkdir -p "$results" build
commit=$(git describe --always --dirty 2>/dev/null || echo unknown)

# run_suite BINARY NAME MIN_TIME [RUNNER...]: runs one Google Benchmark binary with repetitions
# of at least MIN_TIME seconds into $work/NAME.json; the console shows the medians only.
run_suite() {
  local binary=$1 name=$2 suite_min_time=$3
  shift 3
  log "running $name ($repetitions repetitions of at least $suite_min_time s, randomly interleaved)"
  "$@" "$binary" --benchmark_repetitions="$repetitions" --benchmark_min_time="$suite_min_time" \
    --benchmark_enable_random_interleaving=true --benchmark_display_aggregates_only=true \
    --benchmark_out="$work/$name.json" --benchmark_out_format=json 2>&1 |
    tee "$work/$name.log" | grep -E '_median|ERROR|error' || true
  if grep -q '"error_occurred": true' "$work/$name.json"; then
    echo "bench.sh: a benchmark of $name could not run:" >&2
    grep -A1 '"error_occurred": true' "$work/$name.json" | grep error_message | sort -u >&2
    return 1
  fi
}

# check_before_separate BUILD: the two namedshm versions in the lifecycle binary share no
# symbol. The earlier one's object must define names in namedshm_before and none in namedshm;
# the only defined symbols both objects have may be the benchmarks' own helpers (bench::),
# Google Benchmark's and the standard library's.
check_before_separate() {
  local objects=$1/bench/CMakeFiles
  local before=$objects/namedshm_bench_lifecycle_before.dir/lifecycle_before.cpp.o
  local now=$objects/namedshm_bench_lifecycle.dir/lifecycle_posix.cpp.o
  local shared symbols
  shared=$(comm -12 <(nm --defined-only --extern-only "$before" | awk '{ print $3 }' | sort -u) \
    <(nm --defined-only --extern-only "$now" | awk '{ print $3 }' | sort -u) | c++filt | grep namedshm || true)
  symbols=$(nm -C --defined-only "$before")  # grep -q on a pipe would end nm early: pipefail
  if ! grep -q 'namedshm_before::' <<<"$symbols" || grep -q '[( ]namedshm::' <<<"$symbols" || [ -n "$shared" ]; then
    echo "bench.sh: the earlier namedshm is not separate from this tree's in the lifecycle binary:" >&2
    printf '%s\n' "$shared" >&2
    exit 1
  fi
}

# leftovers: names of ours still in /dev/shm (every benchmark name starts with namedshm-bench-).
leftovers() { find /dev/shm -maxdepth 1 -name 'namedshm-bench-*' -printf '%f\n' 2>/dev/null || true; }

# suite_report SUITE PLATFORM COMMAND: a suite's own results and README tables (broadcast, mailbox).
suite_report() {
  python3 bench/report.py "$2" --suite "$1" --work "$work" --results "$results" --readme bench/README.md \
    --commit "$commit" --command "$3" --compiler "$compiler" --repetitions "$repetitions" \
    --ipc-min-time "$ipc_min_time" --load-before "${load_before[@]}" >"$work/$1-report.md"
  echo "wrote $results/$1-$2.json, $results/$1-$2.md and bench/README.md"
}

# ring_lines COMMAND: the layout experiment behind the mailbox's round trip
# (bench/ring_lines.cpp), native only: bench/results/ring-lines-native.md and its table in
# bench/README.md.
ring_lines() {
  log "ring layouts: round trips (bench/ring_lines.cpp)"
  local load output
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  output=$("$build/bench/namedshm_ring_lines")
  echo "$output"
  {
    echo "### Ring layouts (\`bench/ring_lines.cpp\`), native"
    echo
    echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') with \`$1\` on commit $commit, load average $load before."
    echo
    echo '```text'
    echo "$output"
    echo '```'
  } >"$results/ring-lines-native.md"
  python3 -c 'import sys; sys.path.insert(0, "bench"); import report
report.update_readme("bench/README.md", "ring-lines-native", open(sys.argv[1], encoding="utf-8").read().rstrip())' \
    "$results/ring-lines-native.md"
  echo "wrote $results/ring-lines-native.md and bench/README.md"
}

if [ "$windows" = 0 ]; then
  install_missing cmake ninja-build g++ libbenchmark-dev libboost-dev gnuplot-nox valgrind python3 strace
  repetitions=${NAMEDSHM_BENCH_REPETITIONS:-15}
  min_time=${NAMEDSHM_BENCH_MIN_TIME:-0.05}
  typed_min_time=${NAMEDSHM_BENCH_MIN_TIME:-0.2}
  ipc_min_time=${NAMEDSHM_BENCH_IPC_MIN_TIME:-${NAMEDSHM_BENCH_MIN_TIME:-0.2}}
  build=build/release
  work=$build/bench/results
  before_commit=${NAMEDSHM_BENCH_BEFORE-fed0ec1}
  before_include=""
  if [ -n "$before_commit" ] && git cat-file -e "$before_commit^{commit}" 2>/dev/null; then
    before_include=$NAMEDSHM_ROOT/build/bench-before/$before_commit/include
    if [ ! -d "$before_include" ]; then
      log "extracting the headers of $before_commit into build/bench-before/$before_commit"
      rm -rf "build/bench-before/$before_commit.tmp" && mkdir -p "build/bench-before/$before_commit.tmp"
      git archive "$before_commit" include | tar -x -C "build/bench-before/$before_commit.tmp"
      mv "build/bench-before/$before_commit.tmp" "build/bench-before/$before_commit"
    fi
  elif [ -n "$before_commit" ]; then
    echo "bench.sh: commit $before_commit is not in this clone: no namedshm-before baseline" >&2
    before_commit=""
  fi
  log "configure and build (preset release, $build)"
  cmake --preset release -DNAMEDSHM_BUILD_BENCHMARKS=ON -DNAMEDSHM_BENCH_BEFORE_INCLUDE="$before_include" \
    -DNAMEDSHM_BENCH_BEFORE_COMMIT="$before_commit" >build/bench-release.configure.log 2>&1 ||
    { cat build/bench-release.configure.log; exit 1; }
  compiler="$(c++ --version | head -1) -O3 (CMake Release)"
  if [ -n "$only" ]; then
    extra_targets=()
    [ "$only" != mailbox ] || extra_targets=(namedshm_ring_lines)
    cmake --build "$build" -j2 --target "namedshm_bench_$only" "${extra_targets[@]}"
    rm -rf "$work" && mkdir -p "$work"
    before=$(leftovers)
    run_suite "$build/bench/namedshm_bench_$only" "$only" "$ipc_min_time"
    [ "$only" != mailbox ] || ring_lines "scripts/bench.sh --only mailbox"
    log "report"
    suite_report "$only" native "scripts/bench.sh --only $only"
    after=$(leftovers)
    [ "$after" = "$before" ] || { echo "bench.sh: shared-memory objects left behind in /dev/shm" >&2; exit 1; }
    log "done in $((SECONDS - started)) s"
    exit 0
  fi
  cmake --build "$build" -j2 --target namedshm_bench_lifecycle namedshm_bench_typed namedshm_bench_ipc \
    namedshm_bench_mutex namedshm_bench_broadcast namedshm_bench_mailbox namedshm_typed_access_callgrind \
    namedshm_ring_lines
  [ -z "$before_commit" ] || check_before_separate "$build"
  rm -rf "$work" && mkdir -p "$work"
  before=$(leftovers)

  run_suite "$build/bench/namedshm_bench_lifecycle" lifecycle "$min_time"
  run_suite "$build/bench/namedshm_bench_typed" typed "$typed_min_time"
  run_suite "$build/bench/namedshm_bench_ipc" ipc "$ipc_min_time"
  run_suite "$build/bench/namedshm_bench_mutex" mutex "$ipc_min_time"
  run_suite "$build/bench/namedshm_bench_broadcast" broadcast "$ipc_min_time"
  run_suite "$build/bench/namedshm_bench_mailbox" mailbox "$ipc_min_time"
  ring_lines "scripts/bench.sh"

  passes=1000
  log "callgrind: instructions of the typed and the raw loops ($passes calls each)"
  for function in typed_sum_indexed raw_sum_indexed typed_sum_range raw_sum_range typed_increment_indexed \
    raw_increment_indexed typed_increment_range raw_increment_range typed_make_view raw_make_pointer; do
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.$function.out" \
      --toggle-collect="$function*" "$build/bench/namedshm_typed_access_callgrind" "$passes" \
      >"$work/callgrind.$function.log" 2>&1
    printf '%-22s %s\n' "$function" "$(grep -E '^(totals|summary):' "$work/callgrind.$function.out" | head -1)"
  done

  log "system calls per operation (strace -f -c)"
  bench/count_syscalls.sh ${before_commit:+--before "$before_include"} | tee "$work/syscalls.md"

  log "report"
  [ -f "$results/native.json" ] && cp "$results/native.json" "$work/previous.json"
  python3 bench/report.py native --work "$work" --results "$results" --readme bench/README.md \
    --commit "$commit" --previous "$work/previous.json" \
    --command "scripts/bench.sh" --compiler "$(c++ --version | head -1) -O3 (CMake Release)" \
    --tools "Google Benchmark $(dpkg-query -W -f='${Version}' libbenchmark-dev) (Debian), Boost $(dpkg-query -W -f='${Version}' libboost-dev) (Debian), $(valgrind --version)" \
    --repetitions "$repetitions" --min-time "$min_time" --typed-min-time "$typed_min_time" \
    --ipc-min-time "$ipc_min_time" --load-before "${load_before[@]}" \
    --callgrind-passes "$passes" --before-commit "$before_commit" >"$work/report.md"
  gnuplot -e "data='$results/scaling.dat'; output='$results/lifecycle.png'" bench/lifecycle.gp
  echo "wrote $results/native.json, $results/native.md, $results/lifecycle.png and bench/README.md"
  suite_report broadcast native "scripts/bench.sh"
  suite_report mailbox native "scripts/bench.sh"
else
  install_missing cmake ninja-build g++-mingw-w64-x86-64-posix wine wine64 python3
  repetitions=${NAMEDSHM_BENCH_REPETITIONS:-20}
  min_time=${NAMEDSHM_BENCH_MIN_TIME:-0.05}
  typed_min_time=${NAMEDSHM_BENCH_MIN_TIME:-0.2}
  ipc_min_time=${NAMEDSHM_BENCH_IPC_MIN_TIME:-${NAMEDSHM_BENCH_MIN_TIME:-0.2}}
  scripts/deps.sh benchmark-mingw
  build=build/mingw-wine-release
  work=$build/bench/results
  log "configure and build (preset mingw-wine-release, $build)"
  cmake --preset mingw-wine-release -DNAMEDSHM_BUILD_BENCHMARKS=ON \
    -DCMAKE_PREFIX_PATH="$NAMEDSHM_ROOT/build/deps/benchmark-mingw" >build/bench-mingw-wine-release.configure.log 2>&1 ||
    { cat build/bench-mingw-wine-release.configure.log; exit 1; }
  compiler="$(x86_64-w64-mingw32-g++-posix --version | head -1) -O3 (CMake Release)"
  # As the toolchain's CMAKE_CROSSCOMPILING_EMULATOR runs tests: the prefix in the build folder.
  wine_run=(env WINEDEBUG=-all WINEDLLOVERRIDES=winedbg.exe=d "WINEPREFIX=$NAMEDSHM_ROOT/$build/wineprefix" wine)
  if [ -n "$only" ]; then
    cmake --build "$build" -j2 --target "namedshm_bench_$only"
    rm -rf "$work" && mkdir -p "$work"
    run_suite "$build/bench/namedshm_bench_$only.exe" "$only" "$ipc_min_time" "${wine_run[@]}"
    log "report"
    suite_report "$only" windows "scripts/bench.sh --windows --only $only"
    log "done in $((SECONDS - started)) s"
    exit 0
  fi
  cmake --build "$build" -j2 --target namedshm_bench_lifecycle namedshm_bench_typed namedshm_bench_ipc \
    namedshm_bench_mutex namedshm_bench_broadcast namedshm_bench_mailbox namedshm_win32_server_calls
  rm -rf "$work" && mkdir -p "$work"
  before=$(leftovers)
  run_suite "$build/bench/namedshm_bench_lifecycle.exe" lifecycle "$min_time" "${wine_run[@]}"
  run_suite "$build/bench/namedshm_bench_typed.exe" typed "$typed_min_time" "${wine_run[@]}"
  run_suite "$build/bench/namedshm_bench_ipc.exe" ipc "$ipc_min_time" "${wine_run[@]}"
  run_suite "$build/bench/namedshm_bench_mutex.exe" mutex "$ipc_min_time" "${wine_run[@]}"
  run_suite "$build/bench/namedshm_bench_broadcast.exe" broadcast "$ipc_min_time" "${wine_run[@]}"
  run_suite "$build/bench/namedshm_bench_mailbox.exe" mailbox "$ipc_min_time" "${wine_run[@]}"

  cycles=100
  log "wineserver requests per cycle (a wineserver with -d1 traces them, $cycles cycles each)"
  # Tracing is the server's: wait for the wineserver of the runs above to exit, start one of
  # our own that traces, and stop it (by its pid) when done.
  wine_env=("${wine_run[@]:0:4}")
  "${wine_env[@]}" wineserver -w
  "${wine_env[@]}" wineserver -f -p -d1 2>"$work/server.trace" &
  server_pid=$!
  sleep 1  # let it open its socket, so that the first client does not start a server of its own
  for cycle in create-raw create-namedshm open-raw open-raw-known-size open-raw+query open-namedshm \
    open_or_create-raw open_or_create-raw+query open_or_create-namedshm create_open-raw create_open-namedshm; do
    if ! "${wine_run[@]}" "$build/bench/namedshm_win32_server_calls.exe" "$cycle" "$cycles" >"$work/server.log" 2>&1; then
      cat "$work/server.log" >&2
      echo "bench.sh: the $cycle cycles failed" >&2
      kill "$server_pid"
      exit 1
    fi
  done
  kill "$server_pid"
  wait "$server_pid" || true

  log "report"
  [ -f "$results/windows.json" ] && cp "$results/windows.json" "$work/previous.json"
  python3 bench/report.py windows --work "$work" --results "$results" --readme bench/README.md \
    --commit "$commit" --previous "$work/previous.json" \
    --command "scripts/bench.sh --windows" \
    --compiler "$(x86_64-w64-mingw32-g++-posix --version | head -1) -O3 (CMake Release)" \
    --tools "Google Benchmark 1.7.1 built from Debian's source package, $(wine --version)" \
    --repetitions "$repetitions" --min-time "$min_time" --typed-min-time "$typed_min_time" \
    --ipc-min-time "$ipc_min_time" --load-before "${load_before[@]}" \
    --server-cycles "$cycles" >"$work/report.md"
  echo "wrote $results/windows.json, $results/windows.md and bench/README.md"
  suite_report broadcast windows "scripts/bench.sh --windows"
  suite_report mailbox windows "scripts/bench.sh --windows"
fi

after=$(leftovers)
if [ "$after" != "$before" ]; then
  echo "bench.sh: shared-memory objects left behind in /dev/shm:" >&2
  comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after") >&2
  exit 1
fi
log "done in $((SECONDS - started)) s"
