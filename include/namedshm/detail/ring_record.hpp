// namedshm: the record words of a byte ring in shared memory, which the channel, the broadcast
// and the mailbox share: what sits before each record, and how a reader tells a record at its
// position from what an earlier lap left there. Portable: no system calls.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_RING_RECORD_HPP
#define NAMEDSHM_DETAIL_RING_RECORD_HPP

#include <atomic>   // std::atomic, the record words
#include <cstddef>  // std::byte
#include <cstdint>  // std::uint64_t
#include <new>      // std::launder

namespace namedshm::detail::ring {

/// The smallest ring: one page.
inline constexpr std::uint64_t min_capacity = 4096;
/// The largest ring: 2 GiB, so that a message length always fits the 32 bits of a record word.
inline constexpr std::uint64_t max_capacity = std::uint64_t{1} << 31U;
/// The record word before every record, and the word after it that the producer clears.
inline constexpr std::uint64_t word = 8;

/**
 * The record word: what sits before each record in the ring.
 *
 *   bits  0..31  length of the payload (message) or of the skipped bytes (padding)
 *   bits 32..33  kind: 1 message, 2 padding to the end of the ring
 *   bits 34..63  tag: bits 3..32 of the record's absolute stream position
 *
 * Zero is "nothing yet", and so is kind 3 (a broadcast's "pending" word, which carries the
 * number of the message to come: see broadcast_layout.hpp). The tag makes a word left from an
 * earlier lap (or payload bytes that happen to look like a word) never match the position the
 * consumer waits at; besides, the producer overwrites the word after each record with "nothing
 * yet" before it publishes the record, so the consumer only ever finds that or the right word.
 */
enum Kind : std::uint64_t { kind_message = 1, kind_padding = 2, kind_pending = 3 };

constexpr std::uint64_t tag_of(std::uint64_t position) noexcept { return (position >> 3U) & 0x3FFF'FFFFU; }

constexpr std::uint64_t record_word(Kind kind, std::uint64_t position, std::uint64_t length) noexcept {
  return (tag_of(position) << 34U) | (static_cast<std::uint64_t>(kind) << 32U) | length;
}

/// `length` rounded up to 8, so that every word after a payload is aligned.
constexpr std::uint64_t padded(std::uint64_t length) noexcept { return (length + 7U) & ~std::uint64_t{7}; }

constexpr Kind kind_of(std::uint64_t value) noexcept { return static_cast<Kind>((value >> 32U) & 3U); }

/// True if `value` is the word of a record (a message or padding) at `position`.
constexpr bool matches(std::uint64_t value, std::uint64_t position) noexcept {
  const Kind kind = kind_of(value);
  return (kind == kind_message || kind == kind_padding) && (value >> 34U) == tag_of(position);
}
constexpr std::uint64_t length_of(std::uint64_t value) noexcept { return value & 0xFFFF'FFFFU; }

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

}  // namespace namedshm::detail::ring

#endif  // NAMEDSHM_DETAIL_RING_RECORD_HPP
