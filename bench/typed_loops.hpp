// namedshm benchmarks: the loops that compare a typed view with a raw pointer, each written in
// the two usual shapes: indexed (`values[i]` for i below the count) and as a range (range-for
// over the view; a pointer running to `values + count` for the raw side). The benchmark
// (typed_access.cpp) and the instruction count (typed_access_callgrind.cpp) run the same code.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_BENCH_TYPED_LOOPS_HPP
#define NAMEDSHM_BENCH_TYPED_LOOPS_HPP

#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint64_t

#include <namedshm/namedshm.hpp>

namespace bench::loops {

inline std::uint64_t sum_indexed_typed(namedshm::Span<const std::uint64_t> values) noexcept {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < values.size(); ++i) sum += values[i];
  return sum;
}

inline std::uint64_t sum_indexed_raw(const std::uint64_t* values, std::size_t count) noexcept {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < count; ++i) sum += values[i];
  return sum;
}

inline std::uint64_t sum_range_typed(namedshm::Span<const std::uint64_t> values) noexcept {
  std::uint64_t sum = 0;
  for (const std::uint64_t value : values) sum += value;
  return sum;
}

inline std::uint64_t sum_range_raw(const std::uint64_t* values, std::size_t count) noexcept {
  std::uint64_t sum = 0;
  for (const std::uint64_t* value = values; value != values + count; ++value) sum += *value;
  return sum;
}

inline void increment_indexed_typed(namedshm::Span<std::uint64_t> values) noexcept {
  for (std::size_t i = 0; i < values.size(); ++i) ++values[i];
}

inline void increment_indexed_raw(std::uint64_t* values, std::size_t count) noexcept {
  for (std::size_t i = 0; i < count; ++i) ++values[i];
}

inline void increment_range_typed(namedshm::Span<std::uint64_t> values) noexcept {
  for (std::uint64_t& value : values) ++value;
}

inline void increment_range_raw(std::uint64_t* values, std::size_t count) noexcept {
  for (std::uint64_t* value = values; value != values + count; ++value) ++*value;
}

/// The raw pointer that C code would take to the region's first byte.
inline std::uint64_t* raw_pointer(const namedshm::SharedRegion& region) noexcept {
  return reinterpret_cast<std::uint64_t*>(region.data());  // NOLINT(*-reinterpret-cast): the baseline
}

}  // namespace bench::loops

#endif  // NAMEDSHM_BENCH_TYPED_LOOPS_HPP
