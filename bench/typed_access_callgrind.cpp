// namedshm benchmarks: an instruction count that noise cannot blur. Each loop of
// typed_loops.hpp runs in a function of its own that the compiler may not inline or clone, so
//   valgrind --tool=callgrind --toggle-collect='typed_sum_range*' namedshm_typed_access_callgrind
// counts exactly the instructions of the typed loop, and the same for the raw one.
// scripts/bench.sh runs it for every function below and puts the counts in the results.
// SPDX-License-Identifier: MIT
#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint64_t
#include <cstdio>   // std::printf
#include <cstdlib>  // std::atoi
#include <string>   // std::to_string

#include <namedshm/namedshm.hpp>

#include "common.hpp"       // bench::unique_name, sizes
#include "typed_loops.hpp"  // the loops

#if defined(__clang__)
#  define NAMEDSHM_BENCH_OPAQUE [[gnu::noinline]]
#else
#  define NAMEDSHM_BENCH_OPAQUE [[gnu::noipa]]  // no inlining, no clones, no use of the body by callers
#endif

namespace {

constexpr std::size_t region_bytes = 16 * bench::kib;
constexpr std::size_t count = region_bytes / sizeof(std::uint64_t);

}  // namespace

// Outside the anonymous namespace, so that callgrind shows the names as written here.
NAMEDSHM_BENCH_OPAQUE std::uint64_t typed_sum_indexed(namedshm::Span<const std::uint64_t> values) {
  return bench::loops::sum_indexed_typed(values);
}
NAMEDSHM_BENCH_OPAQUE std::uint64_t raw_sum_indexed(const std::uint64_t* values, std::size_t size) {
  return bench::loops::sum_indexed_raw(values, size);
}
NAMEDSHM_BENCH_OPAQUE std::uint64_t typed_sum_range(namedshm::Span<const std::uint64_t> values) {
  return bench::loops::sum_range_typed(values);
}
NAMEDSHM_BENCH_OPAQUE std::uint64_t raw_sum_range(const std::uint64_t* values, std::size_t size) {
  return bench::loops::sum_range_raw(values, size);
}
NAMEDSHM_BENCH_OPAQUE void typed_increment_indexed(namedshm::Span<std::uint64_t> values) {
  bench::loops::increment_indexed_typed(values);
}
NAMEDSHM_BENCH_OPAQUE void raw_increment_indexed(std::uint64_t* values, std::size_t size) {
  bench::loops::increment_indexed_raw(values, size);
}
NAMEDSHM_BENCH_OPAQUE void typed_increment_range(namedshm::Span<std::uint64_t> values) {
  bench::loops::increment_range_typed(values);
}
NAMEDSHM_BENCH_OPAQUE void raw_increment_range(std::uint64_t* values, std::size_t size) {
  bench::loops::increment_range_raw(values, size);
}
// What it costs to get there: the checked view against the cast.
NAMEDSHM_BENCH_OPAQUE namedshm::Span<std::uint64_t> typed_make_view(const namedshm::SharedRegion& region) {
  return region.array<std::uint64_t>(0, count);
}
NAMEDSHM_BENCH_OPAQUE std::uint64_t* raw_make_pointer(const namedshm::SharedRegion& region) {
  return bench::loops::raw_pointer(region);
}

int main(int argc, char** argv) {
  const int passes = argc > 1 ? std::atoi(argv[1]) : 1000;
  auto region = namedshm::SharedRegion::create(bench::unique_name(), region_bytes);
  std::uint64_t total = 0;
  for (int pass = 0; pass < passes; ++pass) {
    const namedshm::Span<std::uint64_t> view = typed_make_view(region);
    std::uint64_t* pointer = raw_make_pointer(region);
    typed_increment_indexed(view);
    raw_increment_indexed(pointer, count);
    typed_increment_range(view);
    raw_increment_range(pointer, count);
    total += typed_sum_indexed(view) + raw_sum_indexed(pointer, count);
    total += typed_sum_range(view) + raw_sum_range(pointer, count);
  }
  std::printf("%d passes over %zu values, checksum %s\n", passes, count, std::to_string(total).c_str());
  return 0;
}
