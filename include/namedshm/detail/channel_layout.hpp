// namedshm: the shared layout of a channel (header, ring, record words).
// Portable: no system calls. Both backends and the two endpoint classes read it.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_CHANNEL_LAYOUT_HPP
#define NAMEDSHM_DETAIL_CHANNEL_LAYOUT_HPP

#include <atomic>   // std::atomic, every word that two processes touch
#include <cstddef>  // std::size_t, std::byte
#include <cstdint>  // std::uint32_t, std::uint64_t
#include <new>      // std::launder

namespace namedshm::detail::channel {

/// "nshmchan" in ASCII: the first word of every channel region, written last by its creator.
inline constexpr std::uint64_t magic = 0x6E61'6863'6D68'736EULL;
/// The layout below. A channel made with another layout is refused, never misread.
inline constexpr std::uint32_t layout_version = 1;

/// Bytes between words that different processes write: two cache lines, because Intel's
/// adjacent-line prefetcher fetches lines in pairs.
inline constexpr std::size_t line = 128;
/// Where the ring starts: one page, so the ring is page-aligned (regions are).
inline constexpr std::size_t ring_offset = 4096;
/// The smallest ring: one page.
inline constexpr std::uint64_t min_capacity = 4096;
/// The largest ring: 2 GiB, so that a message length always fits the 32 bits of a record word.
inline constexpr std::uint64_t max_capacity = std::uint64_t{1} << 31U;
/// The record word before every message, and the word after it that the producer clears.
inline constexpr std::uint64_t word = 8;

/// Which side of the channel an endpoint is; also the byte a POSIX endpoint locks.
enum class Role : unsigned char { sender = 0, receiver = 1 };

/// An endpoint's slot in the header: never attached, attached, or closed cleanly. A slot left
/// `attached` by a process that died is told apart by the backend (see channel_posix.hpp).
enum SlotState : std::uint32_t { slot_empty = 0, slot_attached = 1, slot_closed = 2 };

/// The header in the first page of a channel region. Each group that one side writes has its
/// own pair of cache lines, so that the hot path moves no line it does not need.
struct Header {
  // Written once by the creator; `magic` last, with release, so that an opener that sees it
  // sees the rest.
  std::atomic<std::uint64_t> magic;
  std::uint32_t version;
  std::uint32_t ring_offset;
  std::uint64_t capacity;
  std::byte pad0[line - 24];

  // Attachment, written only when an endpoint attaches or closes.
  std::atomic<std::uint32_t> state[2];  ///< SlotState, indexed by Role
  std::atomic<std::uint64_t> owner[2];  ///< Windows: the process holding the slot (see channel_win32.hpp)
  std::byte pad1[line - 24];

  /// The consumer's position: everything before it is free. Written by the consumer only.
  std::atomic<std::uint64_t> head;
  std::byte pad2[line - 8];

  /// 1 while the consumer is about to block on the `ready` event. Written by the consumer when
  /// it blocks; cleared by whoever wakes it. The producer reads it after each message.
  std::atomic<std::uint32_t> consumer_waiting;
  std::byte pad3[line - 4];

  /// 1 while the producer is about to block on the `room` event; the mirror image.
  std::atomic<std::uint32_t> producer_waiting;
  std::byte pad4[line - 4];
};

static_assert(sizeof(Header) == 5 * line && sizeof(Header) <= ring_offset, "the header must fit in the first page");
static_assert(std::atomic<std::uint64_t>::is_always_lock_free && std::atomic<std::uint32_t>::is_always_lock_free,
              "a channel needs lock-free 32- and 64-bit atomics");

/// Header offsets that tests read to watch a peer without timing (white-box, documented here).
inline constexpr std::size_t state_offset = line;
inline constexpr std::size_t consumer_waiting_offset = 3 * line;
inline constexpr std::size_t producer_waiting_offset = 4 * line;

/**
 * The record word: what sits before each record in the ring.
 *
 *   bits  0..31  length of the payload (message) or of the skipped bytes (padding)
 *   bits 32..33  kind: 1 message, 2 padding to the end of the ring
 *   bits 34..63  tag: bits 3..32 of the record's absolute stream position
 *
 * Zero is "nothing yet". The tag makes a word left from an earlier lap (or payload bytes that
 * happen to look like a word) never match the position the consumer waits at; besides, the
 * producer clears the word after each record before it publishes the record, so the consumer
 * only ever finds zero or the right word there.
 */
enum Kind : std::uint64_t { kind_message = 1, kind_padding = 2 };

constexpr std::uint64_t tag_of(std::uint64_t position) noexcept { return (position >> 3U) & 0x3FFF'FFFFU; }

constexpr std::uint64_t record_word(Kind kind, std::uint64_t position, std::uint64_t length) noexcept {
  return (tag_of(position) << 34U) | (static_cast<std::uint64_t>(kind) << 32U) | length;
}

/// Bytes a record of `length` payload bytes takes in the ring: its word plus the payload
/// rounded up to 8, so that every word is aligned.
constexpr std::uint64_t record_bytes(std::uint64_t length) noexcept {
  return word + ((length + 7U) & ~std::uint64_t{7});
}

/// True if `value` is the word of a record at `position`.
constexpr bool matches(std::uint64_t value, std::uint64_t position) noexcept {
  return value != 0 && (value >> 34U) == tag_of(position);
}
constexpr Kind kind_of(std::uint64_t value) noexcept { return static_cast<Kind>((value >> 32U) & 3U); }
constexpr std::uint64_t length_of(std::uint64_t value) noexcept { return value & 0xFFFF'FFFFU; }

/**
 * The largest message a ring of `capacity` bytes carries: half the ring less 16 bytes. Then a
 * message always fits once the consumer has released everything before it: a message that
 * does not fit before the end of the ring goes to its start after a padding record, and a
 * message of at most half the ring never covers the padding's own word, which the consumer may
 * not have read yet. (Allowing more would let an empty ring refuse a message until the
 * consumer has stepped over the padding: a surprise for try_send, and a deadlock for one
 * thread that sends and then receives.)
 */
constexpr std::uint64_t max_message(std::uint64_t capacity) noexcept { return capacity / 2 - 2 * word; }

/// The ring's word at `position` (any 8-aligned stream position).
inline std::atomic<std::uint64_t>& word_at(std::byte* ring, std::uint64_t mask, std::uint64_t position) noexcept {
  return *std::launder(reinterpret_cast<std::atomic<std::uint64_t>*>(ring + (position & mask)));
}

/// The smallest power of two >= `requested`, clamped below by min_capacity; 0 if above max_capacity.
constexpr std::uint64_t round_capacity(std::uint64_t requested) noexcept {
  if (requested > max_capacity) return 0;
  std::uint64_t capacity = min_capacity;
  while (capacity < requested) capacity <<= 1U;
  return capacity;
}

}  // namespace namedshm::detail::channel

#endif  // NAMEDSHM_DETAIL_CHANNEL_LAYOUT_HPP
