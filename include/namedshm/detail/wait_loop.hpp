// namedshm: how every messaging endpoint waits (channel, broadcast, mailbox): spin, then sleep
// on the OS in slices, asking the OS between slices whether the other side still lives.
// Portable: the sleeping itself is the caller's (an event, a doorbell).
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_WAIT_LOOP_HPP
#define NAMEDSHM_DETAIL_WAIT_LOOP_HPP

#include <chrono>  // the slices and budgets of a wait
#include <thread>  // std::this_thread::yield

#include "error.hpp"          // Status
#include "event_request.hpp"  // WaitClock
#include "slot_words.hpp"     // Holder, what a probe of the peer found
#include "spin.hpp"           // cpu_relax

namespace namedshm::detail {

/// How an endpoint waits; namedshm::WaitPolicy lists the same values in the same order.
enum class WaitMode : unsigned char { spin, block, spin_then_block };

/// True if `mode` is one of WaitMode's values (a public WaitPolicy cast from anything).
constexpr bool valid_mode(WaitMode mode) noexcept {
  return mode == WaitMode::spin || mode == WaitMode::block || mode == WaitMode::spin_then_block;
}

/// A blocked waiter wakes at least this often to ask the OS whether its peer still lives.
inline constexpr std::chrono::milliseconds wait_slice{50};
/// spin_then_block: how long to busy-wait before sleeping.
inline constexpr std::chrono::microseconds spin_budget{50};
/// spin: how long to busy-wait with `pause` alone before also yielding the thread.
inline constexpr std::chrono::microseconds pause_budget{200};

/// How a wait ended; `ready` is also what Waiter::peer() says when it has nothing to report.
enum class Wait : unsigned char { ready, peer_closed, peer_died, timed_out, failed };

/// What a wait on the other side makes of a probe of that side's slot: its close or death ends
/// the wait; anything else does not.
inline Wait peer_wait(Holder peer) noexcept {
  switch (peer) {
    case Holder::closed:
      return Wait::peer_closed;
    case Holder::died:
      return Wait::peer_died;
    case Holder::absent:
    case Holder::attached:
      break;
  }
  return Wait::ready;
}

/**
 * Waits until `waiter.ready()` is true, the peer has closed or died, or `deadline` passes (min():
 * do not wait; max(): for ever), as `policy` says. The Waiter offers:
 *  - `bool ready()`: the condition; it reads the shared words with seq_cst (the load half of the
 *    handshake with the side that wakes this one);
 *  - `Wait peer(bool ask_os)`: `peer_closed` or `peer_died` to end the wait, else `ready`;
 *    without `ask_os` it makes no system call, with it it asks the OS (every wait_slice);
 *  - `void announce()` / `void retract()`: the mark that says "about to sleep" (seq_cst), which
 *    the waking side reads after each change; retract() also runs on every way out;
 *  - `bool sleep(WaitClock::time_point until, Status&)`: sleeps on the OS until woken (true)
 *    or `until`; on failure sets the Status, with its detail.
 * Between announce() and sleep() the condition is read once more, so a wake-up is never lost;
 * a waker that does not see the mark makes no system call. Does not throw.
 */
template <class Waiter>
Wait wait_for(Waiter& waiter, WaitMode policy, WaitClock::time_point deadline, Status& status) noexcept;

namespace wait_detail {

/// Busy-waits as the policy says: `failed` when spin_then_block should go to sleep now.
template <class Waiter>
Wait spin(Waiter& waiter, WaitMode policy, WaitClock::time_point start, WaitClock::time_point deadline) noexcept {
  auto next_os_check = start + wait_slice;
  const auto pause_until = start + (policy == WaitMode::spin ? pause_budget : spin_budget);
  for (unsigned round = 1;; ++round) {
    if (waiter.ready()) return Wait::ready;
    cpu_relax();
    if (round % 64 != 0) continue;
    const Wait quick = waiter.peer(false);
    if (quick != Wait::ready) return quick;
    const auto now = WaitClock::now();
    if (now >= deadline) return Wait::timed_out;
    if (now >= next_os_check) {
      const Wait asked = waiter.peer(true);
      if (asked != Wait::ready) return asked;
      next_os_check = now + wait_slice;
    }
    if (now >= pause_until) {
      if (policy == WaitMode::spin_then_block) return Wait::failed;
      std::this_thread::yield();
    }
  }
}

}  // namespace wait_detail

template <class Waiter>
Wait wait_for(Waiter& waiter, WaitMode policy, WaitClock::time_point deadline, Status& status) noexcept {
  if (waiter.ready()) return Wait::ready;
  const Wait quick = waiter.peer(false);
  if (quick != Wait::ready) return quick;
  const auto start = WaitClock::now();
  if (start >= deadline) return Wait::timed_out;
  if (policy != WaitMode::block) {
    const Wait spun = wait_detail::spin(waiter, policy, start, deadline);
    if (spun != Wait::failed) return spun;  // `failed` here: the spin budget ran out, sleep now
  }
  const auto give_up = [&](Wait why) {
    waiter.retract();
    return why;
  };
  for (;;) {
    waiter.announce();
    if (waiter.ready()) return give_up(Wait::ready);
    const Wait closed = waiter.peer(false);
    if (closed != Wait::ready) return give_up(closed);
    const auto now = WaitClock::now();
    if (now >= deadline) return give_up(Wait::timed_out);
    const auto slice_end = deadline - now > wait_slice ? now + wait_slice : deadline;
    const bool woken = waiter.sleep(slice_end, status);
    if (status) return give_up(Wait::failed);
    if (!woken) {
      const Wait asked = waiter.peer(true);
      if (asked != Wait::ready) return give_up(asked);
    }
  }
}

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_WAIT_LOOP_HPP
