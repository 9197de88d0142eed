// namedshm: a caller's timeout, of any std::chrono::duration, as whole nanoseconds and as a
// steady_clock deadline. Exact integer arithmetic: no `long double` (it is only a `double` on
// MSVC, and a 64-bit count does not fit a double's 53-bit mantissa).
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_TIMEOUT_HPP
#define NAMEDSHM_DETAIL_TIMEOUT_HPP

#include <chrono>       // std::chrono::duration, steady_clock
#include <cmath>        // std::ceil
#include <cstdint>      // std::int64_t, std::uintmax_t, INT64_MAX
#include <ratio>        // std::ratio_divide, std::nano
#include <type_traits>  // std::is_floating_point_v, std::is_arithmetic_v, std::is_signed_v

namespace namedshm::detail {

/// What timeout_ns() returns for a timeout too long to matter (about 292 years or more).
inline constexpr std::int64_t wait_forever = -1;

/**
 * `timeout` in nanoseconds, rounded up (a wait never ends before it was asked to): 0 for a
 * timeout that is not positive (NaN included: it does not wait), wait_forever for one of
 * INT64_MAX nanoseconds or more. Does not throw.
 */
template <class Rep, class Period>
constexpr std::int64_t timeout_ns(const std::chrono::duration<Rep, Period>& timeout) noexcept {
  using ToNs = std::ratio_divide<Period, std::nano>;  // nanoseconds = count * num / den
  constexpr auto max_ns = static_cast<std::uintmax_t>(INT64_MAX);
  if constexpr (!std::is_arithmetic_v<Rep>) {  // a user-defined representation
    return timeout_ns(std::chrono::duration<double, Period>(timeout));
  } else if constexpr (std::is_floating_point_v<Rep>) {
    const double ns =
        static_cast<double>(timeout.count()) * static_cast<double>(ToNs::num) / static_cast<double>(ToNs::den);
    if (!(ns > 0.0)) return 0;
    // INT64_MAX as a double is 2^63; every double below it converts to int64 exactly.
    if (ns >= static_cast<double>(INT64_MAX)) return wait_forever;
    return static_cast<std::int64_t>(std::ceil(ns));
  } else {
    if constexpr (std::is_signed_v<Rep>) {
      if (timeout.count() < 0) return 0;
    }
    constexpr auto num = static_cast<std::uintmax_t>(ToNs::num);
    constexpr auto den = static_cast<std::uintmax_t>(ToNs::den);
    const auto count = static_cast<std::uintmax_t>(timeout.count());
    const std::uintmax_t whole = count / den;
    const std::uintmax_t rest = count % den;  // rest * num / den is below num
    if (whole > max_ns / num) return wait_forever;
    std::uintmax_t ns = whole * num;
    if (rest != 0) {
      if constexpr (den - 1 <= (UINTMAX_MAX - den) / num) {  // rest * num + den - 1 cannot overflow
        ns += (rest * num + den - 1) / den;
      } else {  // a ratio no clock uses; the fraction is within one nanosecond
        ns += static_cast<std::uintmax_t>(
            std::ceil(static_cast<double>(rest) * static_cast<double>(num) / static_cast<double>(den)));
      }
    }
    return ns >= max_ns ? wait_forever : static_cast<std::int64_t>(ns);
  }
}

/// The steady_clock deadline `timeout_ns` (as timeout_ns() returns it) after `now`: min() for
/// "do not wait", max() for "for ever" or a deadline past what the clock can hold.
inline std::chrono::steady_clock::time_point steady_deadline(std::int64_t timeout_ns,
                                                             std::chrono::steady_clock::time_point now) noexcept {
  using Clock = std::chrono::steady_clock;
  if (timeout_ns == 0) return (Clock::time_point::min)();
  const auto wanted = std::chrono::ceil<Clock::duration>(std::chrono::nanoseconds(timeout_ns));
  if (timeout_ns == wait_forever || wanted >= (Clock::time_point::max)() - now) return (Clock::time_point::max)();
  return now + wanted;
}

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_TIMEOUT_HPP
