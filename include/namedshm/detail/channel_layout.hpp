// namedshm: the shared layout of a channel (header, ring, record words).
// Portable: no system calls. Both backends and the two endpoint classes read it.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_CHANNEL_LAYOUT_HPP
#define NAMEDSHM_DETAIL_CHANNEL_LAYOUT_HPP

#include <atomic>   // std::atomic, every word that two processes touch
#include <cstddef>  // std::size_t, std::byte
#include <cstdint>  // std::uint32_t, std::uint64_t

#include "ring_record.hpp"  // the record words
#include "slot_words.hpp"   // SlotState

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

// The record words (ring_record.hpp), as the channel's code names them.
using ring::Kind;
using ring::kind_message;
using ring::kind_of;
using ring::kind_padding;
using ring::length_of;
using ring::matches;
using ring::max_capacity;
using ring::min_capacity;
using ring::padded;
using ring::record_word;
using ring::round_capacity;
using ring::tag_of;
using ring::word;
using ring::word_at;

/// Which side of the channel an endpoint is; also the byte a POSIX endpoint locks.
enum class Role : unsigned char { sender = 0, receiver = 1 };

/// An endpoint's slot in the header (SlotState, slot_words.hpp): never attached, attached, or
/// closed cleanly. A slot left `attached` by a process that died is told apart by Liveness.
using detail::slot_attached;
using detail::slot_closed;
using detail::slot_empty;
using detail::SlotState;

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

/// Bytes a record of `length` payload bytes takes in the ring: its word plus the payload
/// rounded up to 8, so that every word is aligned.
constexpr std::uint64_t record_bytes(std::uint64_t length) noexcept { return word + padded(length); }

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

}  // namespace namedshm::detail::channel

#endif  // NAMEDSHM_DETAIL_CHANNEL_LAYOUT_HPP
