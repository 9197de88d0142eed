#!/usr/bin/env bash
# System calls per operation (POSIX), counted with strace -f -c on bench/syscall_count.cpp, for
# 4 KiB regions: create (+ map, unmap, close, remove), open (+ map, unmap, close) of an object
# that raw calls made, open-or-create of one, an open while a creator holds the name, and create
# + open + close both; for namedshm, Boost.Interprocess (when its headers are there) and raw
# calls. Prints a Markdown table: per operation, the calls and how many of each.
#   bench/count_syscalls.sh [--before DIR] [INCLUDE_DIR]
# INCLUDE_DIR: the namedshm headers to count (default: this tree's). --before DIR: also count
# namedshm with the headers in DIR (an earlier commit's, e.g. extracted with `git archive COMMIT
# include | tar -x -C DIR/..`), as the rows "namedshm-before".
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$NAMEDSHM_ROOT"
install_missing g++ strace libboost-dev >&2

before=""
if [ "${1:-}" = --before ]; then
  before=$2
  shift 2
fi
include=${1:-$NAMEDSHM_ROOT/include}
work=build/syscalls
mkdir -p "$work"

# build NAME INCLUDE_DIR: the counting program against those headers.
build() {
  g++ -std=c++17 -O2 -DNAMEDSHM_BENCH_HAVE_BOOST=1 -I "$2" bench/syscall_count.cpp -o "$work/$1" -lrt -pthread
}
build namedshm_syscall_count "$include"
libraries=(namedshm)
if [ -n "$before" ]; then
  build namedshm_syscall_count_before "$before"
  libraries+=(namedshm-before)
fi
libraries+=(boost raw)

cycles=1000
# calls LIBRARY OPERATION N: "name count" lines, the calls of a run of N cycles.
calls() {
  local program=$work/namedshm_syscall_count library=$1
  if [ "$library" = namedshm-before ]; then
    program=$work/namedshm_syscall_count_before
    library=namedshm
  fi
  strace -f -c -o "$work/strace.txt" "$program" "$library" "$2" "$3"
  awk '/^-+/ { table = !table; next } table && NF >= 5 && $NF != "total" { print $NF, $4 }' "$work/strace.txt"
}

echo "| operation | calls | which |"
echo "| --- | ---: | --- |"
for operation in create open open_or_create held_open create_open; do
  for library in "${libraries[@]}"; do
    calls "$library" "$operation" 0 | sort >"$work/base.txt"
    calls "$library" "$operation" "$cycles" | sort >"$work/run.txt"
    join -a 2 -e 0 -o 0,1.2,2.2 "$work/base.txt" "$work/run.txt" |
      awk -v cycles="$cycles" -v what="$operation, $library" '
        { per = ($3 - $2) / cycles; if (per >= 0.5) { total += per; which = which sprintf("%s%s %g", sep, $1, per); sep = ", " } }
        END { printf "| %s | %g | %s |\n", what, total, which }'
  done
done
