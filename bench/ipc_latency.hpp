// namedshm benchmarks, IPC: the time of every round trip, and its percentiles as benchmark
// counters. One time stamp per round trip (the end of one is the start of the next), read
// with rdtsc (calibrated once against steady_clock) on x86, steady_clock elsewhere, so that
// the clock adds a few nanoseconds to a round trip of a few hundred.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_BENCH_IPC_LATENCY_HPP
#define NAMEDSHM_BENCH_IPC_LATENCY_HPP

#if defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
#  include <intrin.h>  // __rdtsc, _mm_pause
#  define NAMEDSHM_BENCH_X86 1
#elif defined(__x86_64__) || defined(__i386__)
#  include <x86intrin.h>  // __rdtsc, _mm_pause
#  define NAMEDSHM_BENCH_X86 1
#endif

#include <benchmark/benchmark.h>  // benchmark::State, counters

#include <algorithm>  // std::sort
#include <chrono>     // std::chrono::steady_clock, the calibration
#include <cmath>      // std::ceil
#include <cstddef>    // std::size_t
#include <cstdint>    // std::uint64_t
#include <thread>     // std::this_thread::sleep_for, during the calibration
#include <vector>     // std::vector, the time stamps

namespace bench::ipc {

/// What a spinning wait does between two looks at shared memory.
inline void cpu_relax() noexcept {
#if defined(NAMEDSHM_BENCH_X86)
  _mm_pause();
#endif
}

/// A time stamp in ticks: TSC cycles on x86, steady_clock nanoseconds elsewhere.
inline std::uint64_t ticks() noexcept {
#if defined(NAMEDSHM_BENCH_X86)
  return __rdtsc();
#else
  return static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}

/// Nanoseconds per tick, measured once (50 ms against steady_clock).
inline double ns_per_tick() {
  static const double value = [] {
#if defined(NAMEDSHM_BENCH_X86)
    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t first = ticks();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::uint64_t last = ticks();
    const std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
    return elapsed.count() / static_cast<double>(last - first);
#else
    return 1e9 * std::chrono::steady_clock::period::num / std::chrono::steady_clock::period::den;
#endif
  }();
  return value;
}

/// Records the time of each round trip of a timed loop and turns them into counters:
/// p50_ns, p99_ns, p999_ns (nearest rank), max_ns and mean_ns, plus round_trips.
class Recorder {
 public:
  explicit Recorder(const benchmark::State& state) : stamps_(static_cast<std::size_t>(state.max_iterations) + 1) {}

  /// Before the first round trip.
  void start() noexcept {
    count_ = 0;
    stamps_[0] = ticks();
  }
  /// After each round trip.
  void lap() noexcept { stamps_[++count_] = ticks(); }

  void report(benchmark::State& state) {
    if (count_ == 0) return;
    std::vector<std::uint64_t> laps(count_);
    for (std::size_t i = 0; i < count_; ++i) laps[i] = stamps_[i + 1] - stamps_[i];
    std::sort(laps.begin(), laps.end());
    const double scale = ns_per_tick();
    const auto at = [&](double fraction) {
      auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(count_)));
      rank = rank == 0 ? 1 : rank;
      return static_cast<double>(laps[rank - 1]) * scale;
    };
    state.counters["p50_ns"] = at(0.50);
    state.counters["p99_ns"] = at(0.99);
    state.counters["p999_ns"] = at(0.999);
    state.counters["max_ns"] = static_cast<double>(laps.back()) * scale;
    state.counters["mean_ns"] = static_cast<double>(stamps_[count_] - stamps_[0]) * scale / static_cast<double>(count_);
    state.counters["round_trips"] = static_cast<double>(count_);
  }

 private:
  std::vector<std::uint64_t> stamps_;
  std::size_t count_ = 0;
};

}  // namespace bench::ipc

#endif  // NAMEDSHM_BENCH_IPC_LATENCY_HPP
