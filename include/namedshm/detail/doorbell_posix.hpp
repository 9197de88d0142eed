// namedshm: the doorbells of a slot table on POSIX (Linux): each slot's `bell` word is a futex
// in the table's own region, so a table needs no object or name besides its region.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_DOORBELL_POSIX_HPP
#define NAMEDSHM_DETAIL_DOORBELL_POSIX_HPP

#include <linux/futex.h>  // FUTEX_WAKE

#include <atomic>       // std::atomic, the bell word
#include <cerrno>       // ETIMEDOUT
#include <cstdint>      // std::uint32_t
#include <string_view>  // std::string_view

#include "error.hpp"          // Status
#include "event_posix.hpp"    // os::futex_wait, os::time_left
#include "event_request.hpp"  // WaitClock
#include "request.hpp"        // SecurityRequest
#include "slot_table.hpp"     // Slot
#include "system.hpp"         // NAMEDSHM_SYSTEM

namespace namedshm::detail {

/// The doorbells of a slot table, as one side holds them. POSIX: nothing to make or open.
class Doorbells {
 public:
  /// The hub's side: every slot's doorbell (Windows makes `count` events). Does not throw.
  bool create(std::string_view /*name*/, unsigned /*count*/, const SecurityRequest& /*security*/,
              Status& /*status*/) noexcept {
    return true;
  }
  /// A member's side: the hub's doorbell and slot `own`'s. Does not throw.
  bool open(std::string_view /*name*/, unsigned /*own*/, Status& /*status*/) noexcept { return true; }

  /// Rings the doorbell of `slot` (number `index`). A failed ring is not reported: the sleeper
  /// looks again every wait_slice anyway. Does not throw.
  void ring(Slot& slot, unsigned /*index*/) noexcept {
    slot.bell.store(1, std::memory_order_seq_cst);
    NAMEDSHM_SYSTEM(futex)(reinterpret_cast<std::uint32_t*>(&slot.bell), FUTEX_WAKE, 1, nullptr);
  }

  /// Sleeps on the doorbell of `slot` until it rings (true, and the ring is taken) or `until`.
  /// Does not throw.
  bool wait(Slot& slot, unsigned /*index*/, WaitClock::time_point until, Status& status) noexcept {
    auto& bell = slot.bell;
    for (;;) {
      if (bell.exchange(0, std::memory_order_acquire) != 0) return true;
      timespec left{};
      if (!os::time_left(until, left)) return false;
      const int error = os::futex_wait(bell, 0, &left);
      if (error != 0 && error != ETIMEDOUT) {
        status.set_system(error, "cannot wait on a slot's doorbell (futex)");
        return false;
      }
    }
  }

  /// Releases what the doorbells hold: nothing on POSIX. Does not throw.
  void close(Status& /*status*/) noexcept {}
};

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t), "the kernel reads a futex word as 32 bits");

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_DOORBELL_POSIX_HPP
