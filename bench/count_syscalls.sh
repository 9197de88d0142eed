#!/usr/bin/env bash
# System calls per operation (POSIX), counted with strace -f -c on bench/syscall_count.cpp:
# one create (create + map, unmap, close, remove) and one open (open + map, unmap, close) of a
# 4 KiB region, for namedshm, Boost.Interprocess (when its headers are there) and raw calls.
# Prints a Markdown table: per operation, the calls and how many of each.
#   bench/count_syscalls.sh [INCLUDE_DIR]
# INCLUDE_DIR: the namedshm headers to count (default: this tree's), e.g. an older commit's,
# checked out with `git worktree add`, to count what a change saved.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$NAMEDSHM_ROOT"
install_missing g++ strace libboost-dev >&2

include=${1:-$NAMEDSHM_ROOT/include}
work=build/syscalls
mkdir -p "$work"
program=$work/namedshm_syscall_count
g++ -std=c++17 -O2 -DNAMEDSHM_BENCH_HAVE_BOOST=1 -I "$include" bench/syscall_count.cpp -o "$program" -lrt -pthread

cycles=1000
# calls LIBRARY OPERATION N: "name count" lines, the calls of a run of N cycles.
calls() {
  strace -f -c -o "$work/strace.txt" "$program" "$1" "$2" "$3"
  awk '/^-+/ { table = !table; next } table && NF >= 5 && $NF != "total" { print $NF, $4 }' "$work/strace.txt"
}

echo "| operation | calls | which |"
echo "| --- | ---: | --- |"
for operation in create open; do
  for library in namedshm boost raw; do
    calls "$library" "$operation" 0 | sort >"$work/base.txt"
    calls "$library" "$operation" "$cycles" | sort >"$work/run.txt"
    join -a 2 -e 0 -o 0,1.2,2.2 "$work/base.txt" "$work/run.txt" |
      awk -v cycles="$cycles" -v what="$operation, $library" '
        { per = ($3 - $2) / cycles; if (per >= 0.5) { total += per; which = which sprintf("%s%s %g", sep, $1, per); sep = ", " } }
        END { printf "| %s | %g | %s |\n", what, total, which }'
  done
done
