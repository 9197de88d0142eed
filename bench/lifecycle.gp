# The plot of bench/README.md: create + map + unmap + close against the region's size, from
# the medians that bench/report.py writes to scaling.dat. scripts/bench.sh runs it as
#   gnuplot -e "data='bench/results/scaling.dat'; output='bench/results/lifecycle.png'" bench/lifecycle.gp
if (!exists("data")) data = 'bench/results/scaling.dat'
if (!exists("output")) output = 'bench/results/lifecycle.png'

set terminal pngcairo noenhanced size 960,600 font "sans,10"
set output output
set datafile missing "?"
set title "Create + map + unmap + close of a named shared-memory region (Linux, pages never touched)"
set logscale x 2
set logscale y 10
set xlabel "region size"
set ylabel "µs per cycle (median CPU time)"
set xtics ("4 KiB" 4096, "64 KiB" 65536, "1 MiB" 1048576, "16 MiB" 16777216, "256 MiB" 268435456, \
           "4 GiB" 4294967296., "64 GiB" 68719476736.)
set grid xtics ytics mytics
set key top left Left reverse box opaque
set xrange [2048:137438953472.]
set yrange [5:*]
set format y "%g"

plot data using 1:2 with linespoints lw 2 pt 7 title "raw: shm_open + ftruncate + mmap", \
     '' using 1:3 with linespoints lw 2 pt 5 title "namedshm (default, Backing::checked)", \
     '' using 1:4 with linespoints lw 2 pt 9 title "namedshm, Backing::sparse", \
     '' using 1:6 with linespoints lw 2 pt 13 title "Boost.Interprocess 1.74 (ftruncate)", \
     '' using 1:5 with linespoints lw 2 pt 11 dt 2 title "namedshm, Backing::reserved (posix_fallocate, as newer Boost does)"
