#!/bin/bash
# The emulator of the mingw-wine preset: `wine-run.sh WINE PROGRAM ARGS...` runs a Windows
# program under Wine and passes its output and exit status through.
#
# Once in a few thousand starts under load, Wine 8.0 fails to start a program at all: it exits
# non-zero within milliseconds and the program prints nothing, not even the first line that
# every test program prints at once (seen in a fresh-clone CI run: 0.03 s, no output; and
# "wine client error:0: recvmsg: Connection reset by peer" when wineserver was exiting). That
# is no verdict on the program, so such a start is made once more, saying so in the output
# (scripts/test.sh counts these lines). A program that printed anything, or fails the same way
# twice, fails as it is. Only standard output is watched (every program run here writes there
# first); standard error passes through untouched, as Wine writes its own messages there and
# catch_discover_tests must not read them as test names.
set -u
wine=$1
shift
output=$(mktemp)
trap 'rm -f "$output"' EXIT
for attempt in 1 2; do
  "$wine" "$@" | tee "$output"
  status=${PIPESTATUS[0]}
  if [ "$status" -eq 0 ] || [ -s "$output" ]; then
    exit "$status"
  fi
  [ "$attempt" -eq 1 ] && echo "wine-run: Wine exited $status before the program printed anything; starting it again"
done
exit "$status"
