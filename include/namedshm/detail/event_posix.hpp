// namedshm: the POSIX (Linux) backend of Event: a futex word in a small named region.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_EVENT_POSIX_HPP
#define NAMEDSHM_DETAIL_EVENT_POSIX_HPP

#include <linux/futex.h>  // FUTEX_WAIT, FUTEX_WAKE
#include <time.h>         // timespec

#include <atomic>   // std::atomic, the futex word and the waiter count
#include <cerrno>   // errno, EAGAIN, EINTR, ETIMEDOUT
#include <chrono>   // the remaining time of a wait
#include <climits>  // INT_MAX, wake every waiter
#include <cstdint>  // std::uint32_t
#include <new>      // std::launder
#include <utility>  // std::move

#include "event_request.hpp"  // EventRequest, WaitClock
#include "region.hpp"         // Region
#include "state_region.hpp"   // acquire_state_region, holds_published_state
#include "system.hpp"         // NAMEDSHM_SYSTEM

namespace namedshm::detail::os {

/// What a POSIX event's region holds. The creator writes `magic` last (release), so an opener
/// that sees it also sees the mode and the initial state.
struct EventState {
  static constexpr std::uint32_t expected_magic = 0x6E73'4501U;  // "nsE", layout version 1
  static constexpr const char* other_object = "the name belongs to an object that is not an event";
  static constexpr const char* other_region = "the name belongs to a shared memory region that is not an event";

  std::atomic<std::uint32_t> magic;
  std::uint32_t manual_reset;
  std::atomic<std::uint32_t> signalled;  ///< the futex word: 1 set, 0 not set
  std::atomic<std::uint32_t> waiters;    ///< waiters that may sleep in the kernel; only ever too high
};

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "the kernel reads the futex word as a plain 32-bit integer");

/// What notifying an event needs, and stays valid while the event is open, wherever the
/// EventObject is moved: the state lives in the mapping.
struct EventRef {
  EventState* state = nullptr;
  bool manual_reset = false;
};

/// An open event: the region that holds its state. Its moves are its region's.
class EventObject {
 public:
  EventObject() noexcept = default;
  EventObject(Region region, bool manual_reset) noexcept : region_(std::move(region)), manual_reset_(manual_reset) {}

  [[nodiscard]] bool valid() const noexcept { return region_.valid(); }
  [[nodiscard]] bool created() const noexcept { return region_.created(); }
  [[nodiscard]] bool manual_reset() const noexcept { return manual_reset_; }
  [[nodiscard]] EventState& state() const noexcept {
    return *std::launder(reinterpret_cast<EventState*>(region_.data()));
  }
  [[nodiscard]] EventRef ref() const noexcept { return {valid() ? &state() : nullptr, manual_reset_}; }
  [[nodiscard]] Region& region() noexcept { return region_; }
  [[nodiscard]] const Region& region() const noexcept { return region_; }

 private:
  Region region_;
  bool manual_reset_ = false;
};

/// Sleeps while `word` is `expected`, at most `timeout` (null: no limit). Returns 0 when woken
/// or when the word had already changed, else the errno (ETIMEDOUT, ...).
inline int futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, const timespec* timeout) noexcept {
  if (NAMEDSHM_SYSTEM(futex)(reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT, expected, timeout) == 0) return 0;
  return errno == EAGAIN || errno == EINTR ? 0 : errno;
}

inline EventObject event_acquire(const EventRequest& request, Status& status) noexcept {
  EventObject event(acquire_state_region<EventState>(request, status), request.manual_reset);
  if (status) return {};
  EventState& state = event.state();
  if (event.created()) {
    state.manual_reset = request.manual_reset ? 1U : 0U;
    state.signalled.store(request.initially_set ? 1U : 0U, std::memory_order_relaxed);
    state.magic.store(EventState::expected_magic, std::memory_order_release);
    return event;
  }
  if (!holds_published_state<EventState>(event.region(), status)) return {};
  const bool manual_reset = state.manual_reset != 0;  // the creator's choice, not ours
  return EventObject(std::move(event.region()), manual_reset);
}

inline void event_notify(const EventRef& event, Status& status) noexcept {
  EventState& state = *event.state;
  // seq_cst on both sides: either this load sees the waiter's increment, or the waiter's
  // futex_wait sees the 1 and does not sleep.
  state.signalled.store(1U, std::memory_order_seq_cst);
  if (state.waiters.load(std::memory_order_seq_cst) == 0) return;
  const int waking = event.manual_reset ? INT_MAX : 1;
  if (NAMEDSHM_SYSTEM(futex)(reinterpret_cast<std::uint32_t*>(&state.signalled), FUTEX_WAKE,
                             static_cast<std::uint32_t>(waking), nullptr) == -1) {
    status.set_system(errno, "cannot wake the event's waiters (futex)");
  }
}

inline void event_reset(const EventObject& event, Status& /*status*/) noexcept {
  event.state().signalled.store(0U, std::memory_order_release);
}

/// Takes the signal: an auto-reset event hands it to exactly one waiter.
inline bool event_take(const EventObject& event) noexcept {
  std::atomic<std::uint32_t>& signalled = event.state().signalled;
  if (event.manual_reset()) return signalled.load(std::memory_order_acquire) == 1U;
  std::uint32_t expected = 1U;
  return signalled.compare_exchange_strong(expected, 0U, std::memory_order_acquire, std::memory_order_relaxed);
}

/// The time left until `deadline`, as the futex takes it; false once the deadline has passed.
inline bool time_left(WaitClock::time_point deadline, timespec& left) noexcept {
  const auto now = WaitClock::now();
  if (now >= deadline) return false;
  const auto remaining = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now);
  left.tv_sec = static_cast<time_t>(remaining.count() / 1'000'000'000);
  left.tv_nsec = static_cast<long>(remaining.count() % 1'000'000'000);
  return true;
}

/// Waits until `deadline` at most (max(): for ever). True if the event was (or became) set.
inline bool event_wait(const EventObject& event, WaitClock::time_point deadline, Status& status) noexcept {
  if (event_take(event)) return true;
  EventState& state = event.state();
  const bool for_ever = deadline == (WaitClock::time_point::max)();
  for (;;) {
    timespec left{};
    if (!for_ever && !time_left(deadline, left)) return false;
    // A waiter killed while asleep leaves the count one too high: notify() then makes one
    // system call that wakes nobody. Never too low, so never a lost wake-up.
    state.waiters.fetch_add(1U, std::memory_order_seq_cst);
    const int error = futex_wait(state.signalled, 0U, for_ever ? nullptr : &left);
    state.waiters.fetch_sub(1U, std::memory_order_seq_cst);
    if (event_take(event)) return true;
    if (error != 0 && error != ETIMEDOUT) {
      status.set_system(error, "cannot wait for the event (futex)");
      return false;
    }
  }
}

/// Closes the event now, reporting what failed (see Region::close). Does not throw.
inline void event_close(EventObject& event, Status& status) noexcept {
  static_cast<void>(event.region().close(status));
}

inline bool event_remove(const EventRequest& request, Status& status) noexcept { return remove(request.name, status); }

}  // namespace namedshm::detail::os

#endif  // NAMEDSHM_DETAIL_EVENT_POSIX_HPP
