// namedshm: the POSIX (Linux) backend of Event: a futex word in a small named region.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_EVENT_POSIX_HPP
#define NAMEDSHM_DETAIL_EVENT_POSIX_HPP

#include <linux/futex.h>  // FUTEX_WAIT_BITSET, FUTEX_WAKE, FUTEX_BITSET_MATCH_ANY
#include <sys/syscall.h>  // SYS_futex
#include <time.h>         // clock_gettime, CLOCK_MONOTONIC, timespec
#include <unistd.h>       // syscall

#include <atomic>        // std::atomic, the futex word and the waiter count
#include <cerrno>        // errno, EAGAIN, EINTR, ETIMEDOUT
#include <chrono>        // the bounded wait for a creator to finish
#include <climits>       // INT_MAX, wake every waiter
#include <cstdint>       // std::uint32_t, std::int64_t
#include <system_error>  // std::error_code, std::errc
#include <thread>        // std::this_thread::sleep_for while a creator finishes
#include <utility>       // std::exchange, std::move

#include "../namedshm.hpp"    // SharedRegion, enable_sharing
#include "event_request.hpp"  // EventRequest

namespace namedshm::detail::os {

/// What a POSIX event's region holds. The creator writes `magic` last (release), so an opener
/// that sees it also sees the mode and the initial state.
struct EventState {
  static constexpr std::uint32_t expected_magic = 0x6E73'4501U;  // "nsE", layout version 1

  std::atomic<std::uint32_t> magic;
  std::uint32_t manual_reset;
  std::atomic<std::uint32_t> signalled;  ///< the futex word: 1 set, 0 not set
  std::atomic<std::uint32_t> waiters;    ///< waiters that may sleep in the kernel; only ever too high
};

}  // namespace namedshm::detail::os

template <>
struct namedshm::enable_sharing<namedshm::detail::os::EventState> : std::true_type {};

namespace namedshm::detail::os {

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "the kernel reads the futex word as a plain 32-bit integer");

/// An open event: the region that holds its state. Move-only; a moved-from one is empty.
struct EventObject {
  SharedRegion region;
  EventState* state = nullptr;
  bool manual_reset = false;

  EventObject() noexcept = default;
  EventObject(const EventObject&) = delete;
  EventObject& operator=(const EventObject&) = delete;
  EventObject(EventObject&& other) noexcept
      : region(std::move(other.region)), state(std::exchange(other.state, nullptr)), manual_reset(other.manual_reset) {}
  EventObject& operator=(EventObject&& other) noexcept {
    region = std::move(other.region);
    state = std::exchange(other.state, nullptr);
    manual_reset = other.manual_reset;
    return *this;
  }
  ~EventObject() = default;

  bool valid() const noexcept { return state != nullptr; }
  bool created() const noexcept { return region.created(); }
};

/// How long an opener waits for a creator that has made the region but not yet marked it as
/// an event: the same bound as a region's wait for its size.
inline constexpr std::chrono::milliseconds event_setup_wait{1000};

inline long futex_call(std::atomic<std::uint32_t>& word, int operation, std::uint32_t value,
                       const timespec* deadline) noexcept {
  // Not FUTEX_PRIVATE_FLAG: the waiters and wakers are other processes.
  return ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), operation, value, deadline, nullptr,
                   FUTEX_BITSET_MATCH_ANY);
}

inline void futex_wake(std::atomic<std::uint32_t>& word, int count) noexcept {
  futex_call(word, FUTEX_WAKE, static_cast<std::uint32_t>(count), nullptr);
}

/// Sleeps while `word` is `expected`, until `deadline` on CLOCK_MONOTONIC (null: no deadline).
/// Returns 0 when woken or when the word had already changed, else the errno (ETIMEDOUT, ...).
inline int futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, const timespec* deadline) noexcept {
  // FUTEX_WAIT_BITSET takes an absolute deadline, so a wait interrupted by a signal resumes
  // with the same one instead of starting its timeout again.
  if (futex_call(word, FUTEX_WAIT_BITSET, expected, deadline) == 0) return 0;
  return errno == EAGAIN || errno == EINTR ? 0 : errno;
}

/// The deadline `timeout_ns` from now; false if it is too far away to express (wait forever).
inline bool deadline_after(std::int64_t timeout_ns, timespec& deadline) noexcept {
  ::clock_gettime(CLOCK_MONOTONIC, &deadline);
  constexpr std::int64_t billion = 1'000'000'000;
  const std::int64_t seconds = timeout_ns / billion;
  if (seconds > INT64_MAX / 2 - static_cast<std::int64_t>(deadline.tv_sec)) return false;
  deadline.tv_sec += static_cast<time_t>(seconds);
  deadline.tv_nsec += static_cast<long>(timeout_ns % billion);
  if (deadline.tv_nsec >= billion) {
    deadline.tv_nsec -= billion;
    ++deadline.tv_sec;
  }
  return true;
}

/// Waits until the creator has published the state, and checks it is an event's.
inline EventState* event_state_of(const SharedRegion& region, Status& status) noexcept {
  std::error_code ec;
  auto* state = region.object<EventState>(0, ec);
  if (state == nullptr) {
    status.set(std::errc::invalid_argument, "the name belongs to a shared memory region that is not an event");
    return nullptr;
  }
  const auto give_up = std::chrono::steady_clock::now() + event_setup_wait;
  std::uint32_t magic = state->magic.load(std::memory_order_acquire);
  while (magic == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    magic = state->magic.load(std::memory_order_acquire);
  }
  if (magic != EventState::expected_magic) {
    status.set(std::errc::invalid_argument, "the name belongs to a shared memory region that is not an event");
    return nullptr;
  }
  return state;
}

inline EventObject event_acquire(const EventRequest& request, Status& status) noexcept {
  CreateOptions options;
  options.permissions = request.permissions;
  options.keep_name = request.keep_name;
  std::error_code ec;
  EventObject event;
  switch (request.disposition) {
    case Disposition::create:
      event.region = SharedRegion::create(request.utf8_name, sizeof(EventState), options, ec);
      break;
    case Disposition::open:
      event.region = SharedRegion::open(request.utf8_name, ec);
      break;
    case Disposition::open_or_create:
      event.region = SharedRegion::open_or_create(request.utf8_name, sizeof(EventState), options, ec);
      break;
  }
  if (ec) {
    status.code = ec;
    if (ec == std::errc::invalid_argument) status.detail = "the name belongs to an object that is not an event";
    return {};
  }
  if (event.region.created()) {
    event.state = &event.region.object<EventState>(0);  // the size was ours: cannot fail
    event.state->manual_reset = request.manual_reset ? 1U : 0U;
    event.state->signalled.store(request.initially_set ? 1U : 0U, std::memory_order_relaxed);
    event.state->magic.store(EventState::expected_magic, std::memory_order_release);
  } else {
    event.state = event_state_of(event.region, status);
    if (event.state == nullptr) return {};
  }
  event.manual_reset = event.state->manual_reset != 0;
  return event;
}

inline void event_notify(EventObject& event, Status& /*status*/) noexcept {
  EventState& state = *event.state;
  // seq_cst on both sides: either this load sees the waiter's increment, or the waiter's
  // futex_wait sees the 1 and does not sleep.
  state.signalled.store(1U, std::memory_order_seq_cst);
  if (state.waiters.load(std::memory_order_seq_cst) != 0) futex_wake(state.signalled, event.manual_reset ? INT_MAX : 1);
}

inline void event_reset(EventObject& event, Status& /*status*/) noexcept {
  event.state->signalled.store(0U, std::memory_order_release);
}

/// Takes the signal: an auto-reset event hands it to exactly one waiter.
inline bool event_take(EventObject& event) noexcept {
  std::atomic<std::uint32_t>& signalled = event.state->signalled;
  if (event.manual_reset) return signalled.load(std::memory_order_acquire) == 1U;
  std::uint32_t expected = 1U;
  return signalled.compare_exchange_strong(expected, 0U, std::memory_order_acquire, std::memory_order_relaxed);
}

/// Waits `timeout_ns` at most (negative: for ever). True if the event was (or became) set.
inline bool event_wait(EventObject& event, std::int64_t timeout_ns, Status& status) noexcept {
  if (event_take(event)) return true;
  if (timeout_ns == 0) return false;
  timespec deadline{};
  const bool bounded = timeout_ns > 0 && deadline_after(timeout_ns, deadline);
  EventState& state = *event.state;
  for (;;) {
    // A waiter killed while asleep leaves the count one too high: notify() then makes one
    // system call that wakes nobody. Never too low, so never a lost wake-up.
    state.waiters.fetch_add(1U, std::memory_order_seq_cst);
    const int error = futex_wait(state.signalled, 0U, bounded ? &deadline : nullptr);
    state.waiters.fetch_sub(1U, std::memory_order_seq_cst);
    if (event_take(event)) return true;
    if (error == ETIMEDOUT) return false;
    if (error != 0) {
      status.set_system(error, "futex wait failed");
      return false;
    }
  }
}

inline void event_release(EventObject& event) noexcept {
  event.region.close();
  event.state = nullptr;
}

inline bool event_remove(const EventRequest& request, Status& status) noexcept {
  std::error_code ec;
  const bool removed = SharedRegion::remove(request.utf8_name, ec);
  status.code = ec;
  return removed;
}

}  // namespace namedshm::detail::os

#endif  // NAMEDSHM_DETAIL_EVENT_POSIX_HPP
