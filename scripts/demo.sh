#!/usr/bin/env bash
# The README's first command: builds the writer/reader example pair in Release and runs it the
# way the Win32 sample "Creating Named Shared Memory" is run: the writer in the background,
# then the reader. Both run with their defaults, which are the sample's: 256 bytes named
# Global\MyFileMappingObject (/MyFileMappingObject on POSIX) holding "Message from first
# process.". It shows what each printed and exits 0 only if the reader printed exactly that
# message and the writer saw it read.
#   scripts/demo.sh             natively, with g++ (build/release)
#   scripts/demo.sh --windows   the MinGW-w64 build, under Wine (build/mingw-wine-release)
# As root on Debian it first installs whatever of cmake, ninja-build, g++ (and for --windows
# g++-mingw-w64-x86-64-posix, wine, wine64) is missing.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"
cd "$NAMEDSHM_ROOT"

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
windows=0
case "${1:-}" in
  "") ;;
  --windows) windows=1 ;;
  -h | --help) usage && exit 0 ;;
  *) usage >&2 && exit 1 ;;
esac
[ $# -le 1 ] || { usage >&2; exit 1; }

# The message the writer stores by default (the sample's), which the reader must print.
expected="Message from first process."

tools=(cmake ninja g++)
packages=(cmake ninja-build g++)
if [ "$windows" = 1 ]; then
  tools+=(x86_64-w64-mingw32-g++-posix wine)
  packages+=(g++-mingw-w64-x86-64-posix wine wine64)
fi
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || { install_missing "${packages[@]}"; break; }
done

preset=release
[ "$windows" = 1 ] && preset=mingw-wine-release
build="build/$preset"
mkdir -p "$build"
log "building namedshm-writer and namedshm-reader ($preset, in $build)"
if ! cmake --preset "$preset" >"$build/demo-configure.log" 2>&1; then
  cat "$build/demo-configure.log" >&2
  exit 1
fi
if ! cmake --build "$build" -j2 --target namedshm-writer namedshm-reader >"$build/demo-build.log" 2>&1; then
  cat "$build/demo-build.log" >&2
  exit 1
fi

run=()
suffix=""
if [ "$windows" = 1 ]; then
  # As in the CTest runs: a private prefix in the build folder, no debugger, no Wine chatter.
  export WINEPREFIX="$NAMEDSHM_ROOT/$build/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES=winedbg.exe=d
  wine=$(command -v wine64 || true)
  [ -z "$wine" ] && [ -x /usr/lib/wine/wine64 ] && wine=/usr/lib/wine/wine64
  [ -z "$wine" ] && wine=$(command -v wine)
  run=("$wine")
  suffix=.exe
  [ -d "$WINEPREFIX" ] || log "starting Wine for the first time (it sets up $build/wineprefix: a few seconds)"
  "$wine" "$build/examples/namedshm-reader.exe" --help >/dev/null 2>"$build/demo-wine.log"
fi
writer=("${run[@]}" "$build/examples/namedshm-writer$suffix")
reader=("${run[@]}" "$build/examples/namedshm-reader$suffix")

output=$(mktemp -d)
writer_pid=""
# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
  if [ -n "$writer_pid" ] && kill -0 "$writer_pid" 2>/dev/null; then
    kill -TERM "$writer_pid" 2>/dev/null || true  # the writer ends cleanly and removes its region
    wait "$writer_pid" 2>/dev/null || true
  fi
  rm -rf "$output"
}
trap cleanup EXIT

log "running the pair: the writer in the background, then the reader"
"${writer[@]}" </dev/null >"$output/writer.out" 2>"$output/writer.err" &
writer_pid=$!
# Like the sample, start the reader once the writer has stored its message. (Started first,
# the reader would wait for the region just as well.)
ready=0
for _ in $(seq 600); do
  grep -q "waiting up to" "$output/writer.out" && ready=1 && break
  kill -0 "$writer_pid" 2>/dev/null || break
  sleep 0.1
done
reader_status="not run, as the writer failed"
: >"$output/reader.out"
: >"$output/reader.err"
if [ "$ready" = 1 ]; then
  reader_status=0
  "${reader[@]}" </dev/null >"$output/reader.out" 2>"$output/reader.err" || reader_status=$?
fi
[ "$reader_status" = 0 ] || kill -TERM "$writer_pid" 2>/dev/null || true
writer_status=0
wait "$writer_pid" || writer_status=$?
writer_pid=""

show() {
  local program=$1 status=$2
  printf -- '--- %s (exit status: %s)\n' "$program" "$status"
  cat "$output/${program#namedshm-}.out"
  if [ -s "$output/${program#namedshm-}.err" ]; then
    printf -- '--- %s, stderr:\n' "$program"
    cat "$output/${program#namedshm-}.err"
  fi
}
echo
show namedshm-writer "$writer_status"
show namedshm-reader "$reader_status"
echo
if [ "$reader_status" = 0 ] && [ "$writer_status" = 0 ] && printf '%s\n' "$expected" | cmp -s - "$output/reader.out"; then
  echo "OK: the reader printed exactly the writer's message, and the writer saw it read."
  exit 0
fi
echo "FAILED: the reader should print \"$expected\" and both programs exit with 0." >&2
exit 1
