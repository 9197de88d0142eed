// namedshm: the one bounded wait on a Win32 object, for events and mutexes.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_WAIT_WIN32_HPP
#define NAMEDSHM_DETAIL_WAIT_WIN32_HPP

#include "win32.hpp"  // <windows.h>, NAMEDSHM_SYSTEM's WaitForSingleObject

#include <chrono>   // the remaining time of a wait
#include <cstdint>  // std::int64_t

#include "event_request.hpp"  // WaitClock, the clock of every deadline

namespace namedshm::detail::os {

/**
 * Waits for `object` until `deadline` (max(): for ever; min(): only if it is signalled now), in
 * whole milliseconds rounded up so that a wait never ends early, and in slices of just under 50
 * days (INFINITE is 0xFFFFFFFF). Returns what the last WaitForSingleObject returned:
 * WAIT_TIMEOUT only once the deadline has passed. Does not throw.
 */
inline DWORD wait_for_object(HANDLE object, WaitClock::time_point deadline) noexcept {
  const bool for_ever = deadline == (WaitClock::time_point::max)();
  constexpr std::int64_t longest_slice_ms = 0xFFFFFFFELL;
  for (;;) {
    DWORD slice = INFINITE;
    if (!for_ever) {
      const auto now = WaitClock::now();  // compared first: min() - now would overflow
      const std::int64_t ms =
          now >= deadline ? 0 : std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count();
      slice = static_cast<DWORD>(ms < longest_slice_ms ? ms : longest_slice_ms);
    }
    const DWORD result = NAMEDSHM_SYSTEM(WaitForSingleObject)(object, slice);
    if (result != WAIT_TIMEOUT || slice == 0 || (!for_ever && WaitClock::now() >= deadline)) return result;
  }
}

}  // namespace namedshm::detail::os

#endif  // NAMEDSHM_DETAIL_WAIT_WIN32_HPP
