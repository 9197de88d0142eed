// namedshm: the words of one attachment slot, whose holder's death the OS tells us. Portable:
// the channel (two slots, one per role), the broadcast (a sender and N receivers) and the
// mailbox (a receiver and N senders) keep such slots in their headers; liveness_posix.hpp and
// liveness_win32.hpp take, give up and probe them.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_SLOT_WORDS_HPP
#define NAMEDSHM_DETAIL_SLOT_WORDS_HPP

#include <atomic>   // std::atomic, the shared words
#include <cstdint>  // std::uint32_t, std::uint64_t

namespace namedshm::detail {

/// A slot's state word: never taken, held, or given up cleanly. A slot left `slot_attached`
/// by a process that died is told apart by the OS (see Liveness::holder).
enum SlotState : std::uint32_t { slot_empty = 0, slot_attached = 1, slot_closed = 2 };

/// What a probe of a slot found.
enum class Holder : unsigned char {
  absent,    ///< never taken
  attached,  ///< held (by a live process, if the OS was asked)
  closed,    ///< given up cleanly
  died,      ///< held by a process that has ended: the OS says so, no timeout is guessed
};

/// The outcome of an attempt to take a slot.
enum class Take : unsigned char {
  taken,   ///< this side holds the slot now
  busy,    ///< a live holder has it
  failed,  ///< the OS failed (the Status says how)
};

/// Where one slot's words live, and its number. The layout is each primitive's own: the
/// channel keeps its two states and owners in arrays, the slot table in one struct per slot.
struct SlotWords {
  std::atomic<std::uint32_t>* state;  ///< SlotState
  std::atomic<std::uint64_t>* owner;  ///< Windows: the holder's process (see liveness_win32.hpp)
  unsigned index;                     ///< POSIX: the byte of the region that the holder locks
};

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_SLOT_WORDS_HPP
