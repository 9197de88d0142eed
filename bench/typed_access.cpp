// namedshm benchmarks: reading and writing through a typed view (region.array<T>()) against a
// raw pointer to the same mapping, in tight loops over 16 KiB (L1-resident, so that any extra
// instruction would show), each loop in its indexed and its range shape. The typed side makes
// its view again on every pass, so the view's checks are included in its time.
// Portable: the same file runs natively and under Wine.
// SPDX-License-Identifier: MIT
#include <benchmark/benchmark.h>

#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint64_t, std::int64_t
#include <system_error>  // std::error_code

#include <namedshm/namedshm.hpp>

#include "common.hpp"       // bench::unique_name, bench::fail, sizes
#include "typed_loops.hpp"  // the loops

namespace {

constexpr std::size_t region_bytes = 16 * bench::kib;
constexpr std::size_t count = region_bytes / sizeof(std::uint64_t);

/// A region of `count` values 0, 1, 2, ... (pages touched before timing starts).
namedshm::SharedRegion filled_region(benchmark::State& state) {
  std::error_code ec;
  auto region = namedshm::SharedRegion::create(bench::unique_name(), region_bytes, ec);
  if (ec) {
    bench::fail(state, "namedshm create", ec);
    return region;
  }
  std::uint64_t* values = bench::loops::raw_pointer(region);
  for (std::size_t i = 0; i < count; ++i) values[i] = i;
  return region;
}

void processed(benchmark::State& state) {
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(region_bytes));
}

/// Sums through a raw pointer with `loop`.
template <std::uint64_t (*Loop)(const std::uint64_t*, std::size_t) noexcept>
void sum_raw(benchmark::State& state) {
  const auto region = filled_region(state);
  if (!region) return;
  for (auto _ : state) {
    std::uint64_t sum = Loop(bench::loops::raw_pointer(region), count);
    benchmark::DoNotOptimize(sum);
  }
  processed(state);
}

/// Sums through a view made on every pass with `loop`.
template <std::uint64_t (*Loop)(namedshm::Span<const std::uint64_t>) noexcept>
void sum_typed(benchmark::State& state) {
  const auto region = filled_region(state);
  if (!region) return;
  for (auto _ : state) {
    std::uint64_t sum = Loop(region.array<const std::uint64_t>(0, count));
    benchmark::DoNotOptimize(sum);
  }
  processed(state);
}

template <void (*Loop)(std::uint64_t*, std::size_t) noexcept>
void increment_raw(benchmark::State& state) {
  const auto region = filled_region(state);
  if (!region) return;
  for (auto _ : state) {
    Loop(bench::loops::raw_pointer(region), count);
    benchmark::ClobberMemory();
  }
  processed(state);
}

template <void (*Loop)(namedshm::Span<std::uint64_t>) noexcept>
void increment_typed(benchmark::State& state) {
  const auto region = filled_region(state);
  if (!region) return;
  for (auto _ : state) {
    Loop(region.array<std::uint64_t>(0, count));
    benchmark::ClobberMemory();
  }
  processed(state);
}

// Not a target: object<T>(offset) checks bounds and alignment on every call, so a loop that
// calls it per element pays for the checks every time. Shown so that users make the view once.
void sum_object_per_element(benchmark::State& state) {
  const auto region = filled_region(state);
  if (!region) return;
  for (auto _ : state) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < count; ++i) sum += region.object<const std::uint64_t>(i * sizeof(std::uint64_t));
    benchmark::DoNotOptimize(sum);
  }
  processed(state);
}

namespace loops = bench::loops;

// NOLINTBEGIN(cert-err58-cpp): registration objects, as Google Benchmark's macros make them
BENCHMARK_TEMPLATE(sum_raw, loops::sum_indexed_raw)->Name("typed/sum-indexed/raw")->UseRealTime();
BENCHMARK_TEMPLATE(sum_typed, loops::sum_indexed_typed)->Name("typed/sum-indexed/namedshm")->UseRealTime();
BENCHMARK_TEMPLATE(sum_raw, loops::sum_range_raw)->Name("typed/sum-range/raw")->UseRealTime();
BENCHMARK_TEMPLATE(sum_typed, loops::sum_range_typed)->Name("typed/sum-range/namedshm")->UseRealTime();
BENCHMARK_TEMPLATE(increment_raw, loops::increment_indexed_raw)->Name("typed/increment-indexed/raw")->UseRealTime();
BENCHMARK_TEMPLATE(increment_typed, loops::increment_indexed_typed)
    ->Name("typed/increment-indexed/namedshm")
    ->UseRealTime();
BENCHMARK_TEMPLATE(increment_raw, loops::increment_range_raw)->Name("typed/increment-range/raw")->UseRealTime();
BENCHMARK_TEMPLATE(increment_typed, loops::increment_range_typed)
    ->Name("typed/increment-range/namedshm")
    ->UseRealTime();
BENCHMARK(sum_object_per_element)->Name("typed/sum-indexed/namedshm-object-per-element")->UseRealTime();
// NOLINTEND(cert-err58-cpp)

}  // namespace

BENCHMARK_MAIN();
