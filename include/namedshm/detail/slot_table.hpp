// namedshm: a table of attachment slots in shared memory: one hub (slot 0) and up to N members
// (slots 1..N), each held by one endpoint, whose holder's death the OS tells us (Liveness), and
// each with a doorbell its holder sleeps on (Doorbells). Portable; the broadcast (a sender and
// its receivers) uses it, and so will the mailbox (a receiver and its senders).
// SPDX-License-Identifier: MIT
//
// Sleeping and waking, without a system call when nobody sleeps:
//  - a member about to sleep sets its slot's `waiting` word and its bit (index % 64) in the
//    table's `sleepers` word (both seq_cst), reads its condition once more, and only then
//    sleeps on its doorbell; the hub sleeps the same way, with `waiting` in slot 0 alone;
//  - the hub, after each change that members wait for (a seq_cst store), reads `sleepers`: 0
//    costs one load; otherwise it takes the bits and rings each member of those groups whose
//    `waiting` it turns from 1 to 0. A member, after each change the hub waits for, reads slot
//    0's `waiting` the same way.
// Whoever turns `waiting` from 1 to 0 rings the doorbell, so each sleep is rung at most once; a
// ring that comes after the sleeper has given up leaves a token that ends its next sleep early,
// which the waiter's loop absorbs (it reads its condition again). A member killed while it
// announced leaves its bit and `waiting` set: the next wake-up rings it once and clears both.
#ifndef NAMEDSHM_DETAIL_SLOT_TABLE_HPP
#define NAMEDSHM_DETAIL_SLOT_TABLE_HPP

#include <atomic>   // std::atomic, every shared word
#include <cstddef>  // std::size_t, std::byte
#include <cstdint>  // std::uint32_t, std::uint64_t

#include "error.hpp"             // Status
#include "liveness_backend.hpp"  // Liveness: take, give_up, holder
#include "slot_words.hpp"        // SlotWords, SlotState, Holder, Take

namespace namedshm::detail {

/// One slot: two cache lines, written by its holder (and by the side that wakes it).
struct Slot {
  std::atomic<std::uint32_t> state;       ///< SlotState
  std::atomic<std::uint32_t> generation;  ///< one more each time a holder takes the slot
  std::atomic<std::uint32_t> waiting;     ///< 1 while the holder is about to sleep on its doorbell
  std::atomic<std::uint32_t> bell;        ///< POSIX: the futex word of the holder's doorbell
  std::atomic<std::uint64_t> owner;       ///< Windows: the holder's process (see liveness_win32.hpp)
  std::atomic<std::uint64_t> cursor;      ///< the primitive's own: where the holder stands
  std::byte pad[128 - 32];
};

static_assert(sizeof(Slot) == 128, "a slot is two cache lines");

/// The hub's slot.
inline constexpr unsigned hub_slot = 0;

/// The offset of slot `index`'s word `state` (SlotState) in a region whose table starts at
/// `table_offset`; for tests that watch the endpoints without timing (white-box).
constexpr std::size_t slot_state_offset(std::size_t table_offset, unsigned index) noexcept {
  return table_offset + index * sizeof(Slot);
}
/// The same for the word `waiting` (1 while its holder is about to sleep).
constexpr std::size_t slot_waiting_offset(std::size_t table_offset, unsigned index) noexcept {
  return slot_state_offset(table_offset, index) + 2 * sizeof(std::uint32_t);
}

/// A view of a table of `count` slots (the hub's and count - 1 members') in a mapping, with the
/// word of the members' sleep bits. Copyable: it owns nothing.
class SlotTable {
 public:
  SlotTable() noexcept = default;
  SlotTable(Slot* slots, unsigned count, std::atomic<std::uint64_t>* sleepers) noexcept
      : slots_(slots), count_(count), sleepers_(sleepers) {}

  [[nodiscard]] unsigned count() const noexcept { return count_; }
  [[nodiscard]] Slot& operator[](unsigned index) const noexcept { return slots_[index]; }
  [[nodiscard]] SlotWords words(unsigned index) const noexcept {
    return {&slots_[index].state, &slots_[index].owner, index};
  }

  /**
   * Takes the first member slot (1..count-1) that no live holder has, bumps its generation,
   * sets its cursor to `cursor`, and returns its index: 0 with `status` set if all are held
   * (errc::device_or_resource_busy, `full`) or the OS failed. The slot is not marked attached:
   * the caller does that (publish_attached) once it has set up what others may read. Does not
   * throw.
   */
  unsigned take_member(Liveness& liveness, Liveness::handle_type handle, std::uint64_t cursor, const char* full,
                       Status& status) const noexcept {
    for (unsigned index = 1; index < count_; ++index) {
      switch (liveness.take(handle, words(index), status)) {
        case Take::taken:
          prepare_taken(index, cursor);
          return index;
        case Take::busy:
          continue;
        case Take::failed:
          return 0;
      }
    }
    status.set(std::errc::device_or_resource_busy, full);
    return 0;
  }

  /// Takes the hub's slot (see take_member); false with `status` set if a live hub has it.
  bool take_hub(Liveness& liveness, Liveness::handle_type handle, const char* busy, Status& status) const noexcept {
    switch (liveness.take(handle, words(hub_slot), status)) {
      case Take::taken:
        prepare_taken(hub_slot, 0);
        return true;
      case Take::busy:
        status.set(std::errc::device_or_resource_busy, busy);
        return false;
      case Take::failed:
        break;
    }
    return false;
  }

  /// Marks a slot taken by this side attached: from now on others count it.
  void publish_attached(unsigned index) const noexcept {
    slots_[index].state.store(slot_attached, std::memory_order_seq_cst);
  }

  /// The holder of `index` says it is about to sleep (see the top of this file).
  void announce(unsigned index) const noexcept {
    slots_[index].waiting.store(1, std::memory_order_seq_cst);
    if (index != hub_slot) sleepers_->fetch_or(bit_of(index), std::memory_order_seq_cst);
  }

  /// The holder of `index` is not sleeping after all.
  void retract(unsigned index) const noexcept { slots_[index].waiting.store(0, std::memory_order_relaxed); }

  /// Rings (through `ring(index)`) the slot `index` if its holder announced that it sleeps.
  template <class Ring>
  void wake(unsigned index, Ring&& ring) const noexcept {
    auto& waiting = slots_[index].waiting;
    if (waiting.load(std::memory_order_seq_cst) == 0) return;
    if (waiting.exchange(0, std::memory_order_seq_cst) == 0) return;
    ring(index);
  }

  /// Rings every member that announced that it sleeps; one load when none did.
  template <class Ring>
  void wake_members(Ring&& ring) const noexcept {
    if (sleepers_->load(std::memory_order_seq_cst) == 0) return;
    const std::uint64_t groups = sleepers_->exchange(0, std::memory_order_seq_cst);
    for (unsigned index = 1; index < count_; ++index) {
      if ((groups & bit_of(index)) != 0) wake(index, ring);
    }
  }

 private:
  static std::uint64_t bit_of(unsigned index) noexcept { return std::uint64_t{1} << (index % 64U); }

  /// What a new holder does first: counts a new generation and forgets a dead holder's sleep.
  void prepare_taken(unsigned index, std::uint64_t cursor) const noexcept {
    Slot& slot = slots_[index];
    slot.waiting.store(0, std::memory_order_relaxed);
    slot.cursor.store(cursor, std::memory_order_relaxed);
    slot.generation.fetch_add(1, std::memory_order_seq_cst);
  }

  Slot* slots_ = nullptr;
  unsigned count_ = 0;
  std::atomic<std::uint64_t>* sleepers_ = nullptr;
};

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_SLOT_TABLE_HPP
