// namedshm: how the holder of a slot in a slot table waits: wait_for() with the slot's sleep
// mark and doorbell. Portable (the doorbells are the platform's).
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_SLOT_WAIT_HPP
#define NAMEDSHM_DETAIL_SLOT_WAIT_HPP

#include "doorbell_backend.hpp"  // Doorbells
#include "error.hpp"             // Status
#include "event_request.hpp"     // WaitClock
#include "slot_table.hpp"        // SlotTable
#include "wait_loop.hpp"         // wait_for, Wait, WaitMode

namespace namedshm::detail {

/**
 * Waits, as the holder of slot `index`, until `ready()` (which reads the shared words with
 * seq_cst) is true, `peer(ask_os)` reports an end (see wait_for), or `deadline` passes. Sleeps
 * on the slot's doorbell after announcing itself in the table. Does not throw.
 */
template <class Ready, class Peer>
Wait wait_in_slot(const SlotTable& table, Doorbells& bells, unsigned index, WaitMode policy, Ready&& ready, Peer&& peer,
                  WaitClock::time_point deadline, Status& status) noexcept {
  struct Waiter {
    const SlotTable& table;
    Doorbells& bells;
    unsigned index;
    Ready& condition;
    Peer& other;

    bool ready() { return condition(); }
    Wait peer(bool ask_os) { return other(ask_os); }
    void announce() noexcept { table.announce(index); }
    void retract() noexcept { table.retract(index); }
    bool sleep(WaitClock::time_point until, Status& failure) noexcept {
      return bells.wait(table[index], index, until, failure);
    }
  } waiter{table, bells, index, ready, peer};
  return wait_for(waiter, policy, deadline, status);
}

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_SLOT_WAIT_HPP
