// namedshm: the shared layout of a mailbox (header, slot table, claim words, ring), and the
// design that it serves. Portable: no system calls. Not for users; see namedshm/mailbox.hpp.
// SPDX-License-Identifier: MIT
//
// THE DESIGN
//
// One region, named like the mailbox:
//   [ header: 4 x 128 bytes ][ slot table: (max_senders + 1) x 128 bytes ][ claim words ][ ring ]
// The claim words and the ring each start on a page. Slot 0 is the receiver's (the hub), slots
// 1..max_senders the senders' (slot_table.hpp: state, generation, the sleep mark, the doorbell
// word). Each attached endpoint holds its slot so that the OS tells the others when it dies
// (liveness_*.hpp), and sleeps on its slot's doorbell (doorbell_*.hpp).
//
// Positions are absolute byte counts of the stream (64 bits, never wrapping); the ring holds
// position p at offset p % capacity. The ring is cut into granules of 64 bytes; every record
// starts on a granule and takes whole granules (at least one, so that two records never start
// on the same granule): a message of L bytes takes max(1, ceil(L / 64)) granules, and its bytes
// start at the record's position. A record never wraps: a sender whose message would cross the
// end of the ring first claims the rest of the ring as a padding record.
//
// The claim words: one 64-bit word per granule, apart from the ring, so that no byte a sender
// writes into a message can ever be taken for one (a ring whose record words lie among the
// messages must trust the bytes that an earlier lap left where a record will start, or have the
// receiver clear every byte it read). Neighbouring granules' words lie in different 128-byte
// blocks (claim_index), so that the receiver, freeing one record's word, and a sender, claiming
// the next, do not write the same cache lines. The word of granule g (at position g * 64) says:
//   free(n)             bits 62..63 = 0; bits 0..61 = n: the word may be claimed by a record at
//                       granule n or later (n is granule + granules per ring once the receiver
//                       is done with a record there, so a claim from an earlier lap can never
//                       be made again);
//   pending(s, gen, e)  kind 1: claimed by the sender in slot s, whose slot generation was gen
//                       (its low 26 bits), for e granules; being written;
//   message(L, e)       kind 2: a message of L bytes in e granules, committed;
//   padding(e)          kind 3: e granules to skip (the end of the ring, or a reservation that
//                       its live sender dropped).
// Only the word of a record's first granule is ever written; the receiver writes free() there
// once it is done with the record, before it moves its head past it. So a word that is not
// free() always describes a record of the current lap, starting at its own granule.
//
// Claiming (senders; no lock, nothing a dead sender can hold for the others). `tail` is a hint:
// the position where the next record starts, or an earlier record boundary when a sender is
// slow to advance it. A sender at a boundary t:
//  1. checks for room: t + bytes <= head + capacity (a copy of the receiver's head, read again
//     when the copy says the ring is full; it waits for the receiver, as the WaitPolicy says,
//     only when the fresh head says so too);
//  2. reads the word at t: free(n) with n <= t's granule means nobody has claimed t: it claims
//     it with a compare-and-swap free(n) -> pending(its slot, its generation, e) (or padding(e)
//     at the end of the ring). The CAS is the claim, and it records who claimed and how much in
//     one step: there is no moment at which a sender has claimed room that the receiver cannot
//     attribute. A word that is pending, message or padding is someone else's record: the
//     sender helps `tail` past it (a CAS t -> t + its bytes) and starts again from `tail`. A
//     free(n) with n beyond t's granule means the receiver is already done with a record at t:
//     t is stale, so the sender starts again from `tail`;
//  3. after its claim it moves `tail` from t to t + bytes (a CAS; if another sender helped, the
//     CAS fails and nothing is lost), writes the message, and commits it: message(L, e) in
//     place of its pending word (seq_cst: also the store half of the handshake with a sleeping
//     receiver), then wakes the receiver if it announced that it sleeps.
// Every value of `tail` is a record boundary, so a sender that claims at t claims a granule that
// no record of this lap covers: the boundaries before the true end are claimed, and their words
// stay claimed until the receiver frees them with free(n) for a later lap. Room for [t, t+bytes)
// means the receiver is done with everything before t + bytes - capacity, so those granules'
// words were freed before; the CAS expects the exact free() value it read, and free() values
// only grow, so there is no ABA.
// A message's sender moves `tail` past it before it commits, so the receiver never frees a word
// that `tail` still points at; for padding and for a dead sender's claim the receiver helps
// `tail` past the record first. A sender that finds free(n) beyond t therefore finds `tail`
// past t.
//
// Receiving (one receiver). It reads the word at its head h:
//  - message(L, e): returns a view of the L bytes at h (no copy); when it is done with them
//    (the next receive, release, close) it writes free(granule + granules per ring) at h and
//    moves its head to h + e * 64. It publishes the head (seq_cst: the store half of the
//    handshake with senders that wait for room) and wakes the senders that announced that they
//    sleep in batches: once the head has moved 512 bytes, before it waits, on release(), and
//    after any record once a sender has announced that it sleeps (a store per message cost the
//    small-message stream half its speed; see Mailbox::head_batch);
//  - padding(e): skips it the same way;
//  - free(): nothing more yet; it waits (spin, then sleep on its doorbell);
//  - pending(s, gen, e): a sender is writing; it waits for the commit. While it waits it asks
//    the OS, every 50 ms (wait_slice), about the claimant: if slot s has another generation
//    (the claimant has gone and another sender took its slot), or the OS says its holder died
//    or left, and the word is still the same pending word, the claim is abandoned: the receiver
//    frees it, counts it (abandoned()) and goes on after it. A live sender never leaves a slot
//    with an open claim (close() and a dropped reservation turn it into padding first), so only
//    a death leaves one. try_receive(), which does not wait, asks the OS about a claimant that
//    has held the head for 50 ms or more.
// Order and exactly-once: records are consumed in position order, each once; a sender's claims
// lie in the order it made them, so its messages arrive in the order it sent them.
//
// Compared with Agrona's ManyToOneRingBuffer (the reference design): the same claim with an
// atomic, write, commit; but Agrona claims by moving the tail and writes the record's header
// after, in the ring, and its consumer zeroes every byte it read so that a header left by an
// earlier lap cannot be misread. Here the claim is made on the claim word itself, naming the
// claimant, so that a sender killed at any instruction leaves either no claim or a claim the
// receiver can attribute and skip; and the receiver writes one word per record, never the bytes
// of the message.
//
// Ends. The receiver's close marks slot 0 closed and wakes every sleeping sender: senders then
// fail to send (state() `closed`). A receiver that dies leaves slot 0 attached: a sender that
// waits for room asks the OS every wait_slice and ends with `peer_died`; one that never waits
// learns it from check_receiver(). Senders come and go at any time; a sender that dies holding no
// claim changes nothing but its slot, which is free for another sender. There is one receiver
// per name, for its lifetime.
#ifndef NAMEDSHM_DETAIL_MAILBOX_LAYOUT_HPP
#define NAMEDSHM_DETAIL_MAILBOX_LAYOUT_HPP

#include <atomic>   // std::atomic, every word that two processes touch
#include <cstddef>  // std::size_t, std::byte
#include <cstdint>  // std::uint32_t, std::uint64_t

#include "ring_record.hpp"  // min_capacity, max_capacity, round_capacity
#include "slot_table.hpp"   // Slot

namespace namedshm::detail::mailbox {

/// "nshmmbox" in ASCII: the first word of every mailbox region, written last by its creator.
inline constexpr std::uint64_t magic = 0x786F'626D'6D68'736EULL;
/// The layout below. A mailbox made with another layout is refused, never misread.
inline constexpr std::uint32_t layout_version = 1;

/// Bytes between words that different processes write: two cache lines, because Intel's
/// adjacent-line prefetcher fetches lines in pairs.
inline constexpr std::size_t line = 128;
/// The most senders a mailbox may have: the pending word has 11 bits for the slot.
inline constexpr std::uint64_t max_senders_limit = 1024;
/// Records start on granules of this many bytes, and take whole granules.
inline constexpr std::uint64_t granule = 64;

/// The header at the start of a mailbox region. Each group that one side writes has its own
/// pair of cache lines.
struct Header {
  // Written once by the creator; `magic` last, with release, so that an opener that sees it
  // sees the rest.
  std::atomic<std::uint64_t> magic;
  std::uint32_t version;
  std::uint32_t slot_count;  ///< max_senders + 1
  std::uint64_t capacity;
  std::uint64_t claims_offset;
  std::uint64_t ring_offset;
  std::byte pad0[line - 40];

  /// Where the next record starts, or an earlier boundary (see the design). Senders only.
  std::atomic<std::uint64_t> tail;
  std::byte pad1[line - 8];

  /// The receiver's head: it is done with everything before it. Written by the receiver after
  /// each record (seq_cst); read by a sender when its copy says the ring is full.
  std::atomic<std::uint64_t> head;
  std::byte pad2[line - 8];

  /// The senders' sleep bits (slot_table.hpp); the receiver reads it after each record.
  std::atomic<std::uint64_t> sleepers;
  std::byte pad3[line - 8];
};

static_assert(sizeof(Header) == 4 * line, "the header is four pairs of cache lines");
static_assert(std::atomic<std::uint64_t>::is_always_lock_free && std::atomic<std::uint32_t>::is_always_lock_free,
              "a mailbox needs lock-free 32- and 64-bit atomics");

/// Where the slot table starts.
inline constexpr std::size_t table_offset = sizeof(Header);

constexpr std::uint64_t page_up(std::uint64_t bytes) noexcept { return (bytes + 4095U) & ~std::uint64_t{4095}; }
/// Where the claim words start for `slot_count` slots: the first page after the table.
constexpr std::uint64_t claims_offset_for(std::uint64_t slot_count) noexcept {
  return page_up(table_offset + slot_count * sizeof(Slot));
}
/// Where the ring starts: the first page after the claim words of a ring of `capacity` bytes.
constexpr std::uint64_t ring_offset_for(std::uint64_t slot_count, std::uint64_t capacity) noexcept {
  return page_up(claims_offset_for(slot_count) + capacity / granule * sizeof(std::uint64_t));
}

/// Claim words per block: 128 bytes, the pair of cache lines that Intel's prefetcher moves.
inline constexpr std::uint64_t claims_per_block = 16;

/**
 * Where the claim word of granule `index` (of `granules` in the ring, a power of two of at
 * least 64) lies among the claim words: consecutive granules in consecutive 128-byte blocks,
 * granules a sixteenth of the ring apart in the same block. The receiver frees the word of a
 * record while a sender claims the next ones: in one block they would move its cache lines
 * back and forth on every message (it cost the 64-byte stream three quarters of its speed).
 */
constexpr std::uint64_t claim_index(std::uint64_t index, std::uint64_t granules) noexcept {
  const std::uint64_t blocks = granules / claims_per_block;
  return (index % blocks) * claims_per_block + index / blocks;
}

static_assert(claim_index(0, 64) == 0 && claim_index(1, 64) == 16 && claim_index(4, 64) == 1 &&
                  claim_index(63, 64) == 63 && claim_index(1023, 1024) == 1023,
              "claim_index is a permutation that puts neighbours in different blocks");

/// What a claim word says (bits 62..63).
enum Kind : std::uint64_t { kind_free = 0, kind_pending = 1, kind_message = 2, kind_padding = 3 };

inline constexpr std::uint64_t generation_bits = 26;
inline constexpr std::uint64_t generation_mask = (std::uint64_t{1} << generation_bits) - 1;
inline constexpr std::uint64_t extent_mask = (std::uint64_t{1} << 25U) - 1;  ///< a ring has at most 2^25 granules

constexpr Kind kind_of(std::uint64_t word) noexcept { return static_cast<Kind>(word >> 62U); }

/// free(n): granule `n` or any later one may claim the word.
constexpr std::uint64_t free_word(std::uint64_t from_granule) noexcept {
  return from_granule & ~(std::uint64_t{3} << 62U);
}
constexpr std::uint64_t free_from(std::uint64_t word) noexcept { return word & ~(std::uint64_t{3} << 62U); }

/// pending(slot, generation, extent): claimed by slot `slot` in its generation `generation`.
constexpr std::uint64_t pending_word(std::uint64_t extent, unsigned slot, std::uint32_t generation) noexcept {
  return (std::uint64_t{kind_pending} << 62U) | ((generation & generation_mask) << 36U) |
         (static_cast<std::uint64_t>(slot) << 25U) | (extent & extent_mask);
}
constexpr unsigned slot_of(std::uint64_t pending) noexcept { return static_cast<unsigned>((pending >> 25U) & 0x7FFU); }
constexpr std::uint32_t generation_of(std::uint64_t pending) noexcept {
  return static_cast<std::uint32_t>((pending >> 36U) & generation_mask);
}

/// message(length, extent): `length` bytes committed in `extent` granules.
constexpr std::uint64_t message_word(std::uint64_t length, std::uint64_t extent) noexcept {
  return (std::uint64_t{kind_message} << 62U) | ((extent & extent_mask) << 32U) | (length & 0xFFFF'FFFFU);
}
constexpr std::uint64_t length_of(std::uint64_t message) noexcept { return message & 0xFFFF'FFFFU; }

/// padding(extent): `extent` granules to skip.
constexpr std::uint64_t padding_word(std::uint64_t extent) noexcept {
  return (std::uint64_t{kind_padding} << 62U) | (extent & extent_mask);
}

/// The granules of the record a pending, message or padding word describes.
constexpr std::uint64_t extent_of(std::uint64_t word) noexcept {
  return kind_of(word) == kind_message ? (word >> 32U) & extent_mask : word & extent_mask;
}

/// The granules a message of `length` bytes takes: at least one.
constexpr std::uint64_t extent_for(std::uint64_t length) noexcept {
  return length <= granule ? 1 : (length + granule - 1) / granule;
}

/**
 * The largest message a ring of `capacity` bytes carries: half the ring. Then a message always
 * fits once the receiver is done with everything before it, wherever the tail stands: if it
 * does not fit before the end of the ring, the padding that precedes it is shorter than the
 * message, and both together are shorter than the ring.
 */
constexpr std::uint64_t max_message(std::uint64_t capacity) noexcept { return capacity / 2; }

static_assert(kind_of(pending_word(5, 1024, 0xFFFF'FFFFU)) == kind_pending &&
                  slot_of(pending_word(5, 1024, 0xFFFF'FFFFU)) == 1024 &&
                  generation_of(pending_word(5, 1024, 0xFFFF'FFFFU)) == generation_mask &&
                  extent_of(pending_word(extent_mask, 3, 7)) == extent_mask,
              "a pending word keeps its slot, generation and extent apart");
static_assert(kind_of(message_word(0xFFFF'FFFFU, extent_mask)) == kind_message &&
                  extent_of(message_word(0xFFFF'FFFFU, extent_mask)) == extent_mask &&
                  length_of(message_word(123, 2)) == 123 && kind_of(free_word(~std::uint64_t{0})) == kind_free,
              "a message word keeps its length and extent apart, and a free word is free");
static_assert(ring::max_capacity / granule - 1 <= extent_mask, "a ring's granules fit an extent");

/// Header offsets that tests read to watch the endpoints without timing (white-box).
inline constexpr std::size_t sleepers_offset = 3 * line;
/// The offsets of slot `index`'s words `waiting` and `state` (slot_table.hpp).
constexpr std::size_t waiting_offset(unsigned index) noexcept { return slot_waiting_offset(table_offset, index); }
constexpr std::size_t state_offset(unsigned index) noexcept { return slot_state_offset(table_offset, index); }

}  // namespace namedshm::detail::mailbox

#endif  // NAMEDSHM_DETAIL_MAILBOX_LAYOUT_HPP
