#!/bin/bash
# The emulator of the mingw-wine preset: `wine-run.sh WINE PROGRAM ARGS...` runs a Windows
# program under Wine and passes its output and exit status through.
#
# About once in a thousand or two runs under load, Wine 8.0 loses a program's verdict: it fails
# to start the program at all, exiting non-zero within milliseconds before the program prints
# its first line (seen in a fresh-clone CI run: 0.03 s, no output; and "wine client error:0:
# recvmsg: Connection reset by peer" when wineserver was exiting), or its loader dies on glibc's
# "Inconsistency detected by ld.so: dl-fini.c" assertion after the program has finished (seen
# once: "All tests passed", then that line and a failure). Neither is a verdict on the program,
# so such a run is made once more, saying so in the output (scripts/test.sh counts these lines).
# A program that printed anything else, or fails the same way twice, fails as it is. Standard
# output tells whether the program printed (every program run here writes there first); standard
# error stays standard error, as Wine writes its own messages there and catch_discover_tests
# must not read them as test names.
set -u
wine=$1
shift
output=$(mktemp)
errors=$(mktemp)
trap 'rm -f "$output" "$errors"' EXIT
for attempt in 1 2; do
  # Standard error is kept whole and shown after the run, to be read here; standard output
  # streams as it comes.
  "$wine" "$@" 2>"$errors" | tee "$output"
  status=${PIPESTATUS[0]}
  cat "$errors" >&2
  [ "$status" -eq 0 ] && exit 0
  if [ ! -s "$output" ]; then
    why="Wine exited $status before the program printed anything"
  elif grep -q "Inconsistency detected by ld.so" "$errors"; then
    why="Wine's loader failed a glibc ld.so assertion as the program exited (status $status): its verdict is lost"
  else
    exit "$status"
  fi
  [ "$attempt" -eq 1 ] && echo "wine-run: $why; starting it again"
done
exit "$status"
