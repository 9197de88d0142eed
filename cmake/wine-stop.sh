#!/bin/bash
# The last test of a Wine run (the cleanup of the fixture in cmake/wine_tests.cmake):
#   wine-stop.sh WINESERVER
# fails if a test program still runs in this prefix ($WINEPREFIX) after the last test ended,
# and stops the server either way. On Windows a name lives only as long as a handle to it, and
# a handle only as long as its process, so a test program that outlives its test is what could
# leave a name, a handle or a busy server behind; Wine keeps names inside wineserver, where no
# script can list them as /dev/shm lists POSIX ones. Wine's own programs (services, winedevice,
# plugplay, ..., started by the fixture's first program, all from C:\windows\) are not tests.
set -u
wineserver=$1
leftovers=()
for dir in /proc/[0-9]*; do
  { tr '\0' '\n' <"$dir/environ"; } 2>/dev/null | grep -qxF "WINEPREFIX=$WINEPREFIX" || continue
  case "$(readlink "$dir/exe" 2>/dev/null)" in
    */wine*-preloader | */wine64 | */wine) ;;  # a Windows program (not wineserver, not this script)
    *) continue ;;
  esac
  command=$({ tr '\0' ' ' <"$dir/cmdline"; } 2>/dev/null)
  case "${command,,}" in
    'c:\windows\'*) continue ;;
  esac
  leftovers+=("${dir#/proc/} $command")
done
"$wineserver" -k
if [ ${#leftovers[@]} -gt 0 ]; then
  echo "wine-stop: FAILED: these test programs still ran after the last test (pid, command line):"
  printf '  %s\n' "${leftovers[@]}"
  exit 1
fi
echo "wine-stop: no test program outlived its test; wineserver stopped"
