// namedshm benchmarks: what every suite shares. Names unique per process and per benchmark
// run, sizes, and the rule that a failed system call stops the benchmark with its reason.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_BENCH_COMMON_HPP
#define NAMEDSHM_BENCH_COMMON_HPP

#include <benchmark/benchmark.h>

#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint64_t, std::int64_t (benchmark arguments)
#include <string>        // std::string, names
#include <system_error>  // std::error_code, std::system_category

#if defined(_WIN32)
#  include <process.h>  // _getpid
#else
#  include <unistd.h>  // getpid
#endif

namespace bench {

inline constexpr std::size_t kib = 1024;
inline constexpr std::size_t mib = 1024 * kib;
inline constexpr std::size_t gib = 1024 * mib;

/// The region size a benchmark was registered with (its first argument).
inline std::size_t size_of(const benchmark::State& state) { return static_cast<std::size_t>(state.range(0)); }

/// The lifecycle sizes: a page, and 1 GiB that is never touched; real time is measured too.
inline void lifecycle_sizes(benchmark::internal::Benchmark* b) {
  b->Arg(static_cast<std::int64_t>(4 * kib))->Arg(static_cast<std::int64_t>(gib))->UseRealTime();
}

/// A name no other process and no other run of this process uses: "namedshm-bench-PID-N".
/// Object names (POSIX without the leading '/', Windows without "Local\") are the same for
/// namedshm, Boost and the raw calls; each benchmark prefixes what its API needs.
inline std::string unique_name() {
  static unsigned counter = 0;
#if defined(_WIN32)
  const int pid = _getpid();
#else
  const int pid = static_cast<int>(::getpid());
#endif
  return "namedshm-bench-" + std::to_string(pid) + "-" + std::to_string(++counter);
}

/// Stops the benchmark, reporting `what` and the OS error `code`.
inline void fail(benchmark::State& state, const char* what, int code) {
  const std::string message = std::string(what) + ": " + std::system_category().message(code);
  state.SkipWithError(message.c_str());
}

/// Stops the benchmark, reporting `what` and `ec`.
inline void fail(benchmark::State& state, const char* what, const std::error_code& ec) {
  const std::string message = std::string(what) + ": " + ec.message();
  state.SkipWithError(message.c_str());
}

}  // namespace bench

#endif  // NAMEDSHM_BENCH_COMMON_HPP
