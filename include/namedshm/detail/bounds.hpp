// namedshm: the run-time checks of a typed view, as a pure function that tests and the fuzzer
// call directly. No system calls, no UB for any input.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_BOUNDS_HPP
#define NAMEDSHM_DETAIL_BOUNDS_HPP

#include <cstddef>       // std::size_t
#include <cstdint>       // std::uintptr_t
#include <system_error>  // std::errc

namespace namedshm::detail {

/// Where a view of `count` elements of `element_size` bytes would start, in a region of
/// `region_size` bytes mapped at `base` (0 for an empty region).
struct ViewRequest {
  std::uintptr_t base = 0;
  std::size_t region_size = 0;
  std::size_t offset = 0;
  std::size_t count = 0;
  std::size_t element_size = 1;  ///< sizeof(T), never 0 in C++
  std::size_t alignment = 1;     ///< alignof(T), a power of two
};

/// The verdict on a view: `error` is a default-constructed std::errc when the view is valid.
struct ViewCheck {
  std::errc error{};
  const char* rule = "";

  constexpr bool ok() const noexcept { return error == std::errc{}; }
};

/// Checks that the view lies inside the region (without overflow, whatever the count) and
/// that its first element is aligned. Never throws.
constexpr ViewCheck check_view(const ViewRequest& view) noexcept {
  if (view.base == 0) {
    return {std::errc::bad_file_descriptor, "the region is empty (default-constructed, moved from or closed)"};
  }
  // count * element_size could overflow; the division cannot.
  if (view.offset > view.region_size || view.count > (view.region_size - view.offset) / view.element_size) {
    return {std::errc::result_out_of_range, "the view does not fit in the region"};
  }
  // base + offset cannot wrap: the region [base, base + region_size) is mapped memory.
  if ((view.base + view.offset) % view.alignment != 0) {
    return {std::errc::invalid_argument, "the offset is not aligned for the type"};
  }
  return {};
}

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_BOUNDS_HPP
