// namedshm: the shared layout of a broadcast (header, slot table, ring, records), and the
// design that it serves. Portable: no system calls. Not for users; see namedshm/broadcast.hpp.
// SPDX-License-Identifier: MIT
//
// THE DESIGN
//
// One region, named like the broadcast:
//   [ header: 4 x 128 bytes ][ slot table: (max_receivers + 1) x 128 bytes ][ ring ]
// The ring starts at the first page boundary after the table; its size is a power of two.
// Slot 0 is the sender's, slots 1..max_receivers the receivers' (slot_table.hpp: state,
// generation, owner, the `waiting` mark and the doorbell word, and a cursor). Each attached
// endpoint holds its slot so that the OS tells the others when it dies (liveness_*.hpp: an
// open-file-description lock on the slot's byte on POSIX, the owner word and a process handle
// on Windows). Sleepers sleep on their slot's doorbell (POSIX: a futex on the slot's `bell`
// word, so a broadcast has no name but its region; Windows: an auto-reset event per slot,
// "<name>.<slot>", made by the sender).
//
// Records. Positions are absolute byte counts of the stream (64 bits, never wrapping); the
// ring holds position p at offset p % capacity. A message of L bytes is
//   [record word][sequence][L bytes, padded to 8]
// where the record word (ring_record.hpp) carries the kind, L and a tag of p, and the sequence
// is the message's number (0, 1, 2, ... in the sender's order). A message never wraps: if it
// does not fit before the end of the ring, a padding record (a word alone) fills the rest.
// After each record the sender writes a "pending" word at the next position (kind 3: it matches
// no position, and carries the number of the next message), then publishes the record by
// storing its word (seq_cst): a reader at p finds a pending word, a word of another position,
// or p's own word. The sender then stores `tail` (release: the position after the record).
// Creating the ring writes the pending word of message 0 at position 0.
//
// The sender's horizon (both modes). The sender may write bytes [x, y) only while
// y <= limit, where limit = floor + capacity and `floor` is the lowest of
//  - the tail at the sender's last scan less a quarter of the ring, and
//  - in `wait` mode, the cursor of every attached receiver that the OS has not reported dead.
// Writing position q destroys what position q - capacity held, so between two scans the sender
// destroys only bytes below floor. It scans (reads the table again) when a record would pass
// limit, so at least once every three quarters of a ring. A scan stores `tail` (seq_cst),
// reads the slots, computes floor, advances `oldest` to a record at or after floor (the first
// one that starts there, or one at most a sixteenth of the ring later: the sender remembers one
// record start in every sixteenth of the ring, so that it never walks the ring) and stores it
// (seq_cst), and reads the `roster` again: if a receiver attached since the scan began, it
// reads the slots once more (the verification), and a receiver that appears only there lowers
// the floor again (`oldest` never goes back). Besides the scans that a record needs, the sender
// scans after publishing a record once it has written five eighths of the ring since the last
// scan, so that a scan seldom delays a message (a round trip's p99).
//
// Attaching. A receiver takes a free slot, writes its provisional cursor (with bit 0 set: not
// started yet), marks the slot attached (seq_cst), adds one to `roster` (seq_cst), and then
// reads where to start:
//  - `next` (the default): the `tail` (seq_cst) read after marking the slot; it receives every
//    message whose record starts at or after that position, that is, every message the sender
//    publishes after that read, and none published before it; the pending word there tells it
//    the number of the first (overwrite mode counts lost() from it);
//  - `oldest`: the `oldest` (seq_cst) read after marking the slot: the oldest message that
//    the sender still promises intact, which is at least the last quarter ring of messages.
// Why the start is safe: if the sender's second read of `roster` came before the receiver's
// increment, then its tail and oldest stores (before that read) come before this receiver's
// reads in the single order of seq_cst operations, so the receiver starts at or after the
// floor of that scan, and nothing at or after the floor is destroyed before the next scan,
// which sees the receiver. If it came after, the verification read the slot after the mark:
// the scan saw the provisional cursor (at most the start), and in `wait` mode the sender waits
// for it. Last, the receiver stores its start as its cursor (bit 0 clear, in both modes): only
// then does the sender's receivers() count it, so that a message sent after receivers() counts
// a receiver reaches it (a count of marked slots would include receivers that have not yet read
// where they start, and miss what is sent meanwhile). Positions are 8-aligned, so the bit
// changes nothing when the sender compares a cursor with one; it masks it all the same.
//
// `wait` mode. Receivers read records in place and return views into the ring; releasing a
// message stores the receiver's cursor (seq_cst) and wakes the sender if it sleeps. The sender
// never passes the slowest live receiver's cursor by more than the ring. When it would, it
// waits (spin, then sleep on its doorbell); every wait_slice it asks the OS about each receiver
// that holds it back, and leaves out one that died (its slot's generation, so a new receiver in
// that slot counts again). A receiver that closes marks its slot closed and wakes the sender.
//
// `overwrite` mode. The sender never waits: its floor is the tail at its last scan less a quarter of
// the ring. A receiver copies each message into its own buffer and then checks that it was not
// overwritten while it copied (as Agrona's CopyBroadcastReceiver does):
//   1. it loads the record word at its position p (acquire); a word that is not p's means
//      either "not yet written" or "overwritten": it tells them apart by `oldest` (below);
//   2. it copies the sequence and the payload with 64-bit atomic loads into its buffer;
//   3. an acquire fence, then it loads `oldest`: if oldest > p the copy may be torn, and it is
//      thrown away; the receiver skips to `oldest`, and lost() grows by the messages skipped
//      (the sequence of the next message it reads less the one it expected; a receiver learns
//      the first one it expects from the word at its start, read and checked the same way, or
//      reads its start again: then the start is that later read).
// Why a copy that passes the check is whole: the sender stores `oldest` past every record it
// will overwrite before the next scan, and then a release fence, before it writes any byte of
// those records (payload words are atomic stores; under GCC's ThreadSanitizer, which has no
// fences, each word is a release store and each read an acquire load instead, as in Published<T>).
// If any word the receiver copied came from such a later write, the fence pair makes the
// sender's `oldest` store visible to the receiver's load in step 3, which then sees oldest > p.
// If step 3 sees oldest <= p, no word of [p, p + record) had been overwritten when it was read:
// the copy is exactly the message the record word announced. The returned view points into the
// receiver's own buffer (max_message_size() bytes, allocated at open) and stays valid until the
// next receive, release or close.
//
// Ends. The sender's close marks slot 0 closed and wakes sleeping receivers; they deliver
// every record published before the close, then report `closed`. A sender that dies leaves
// slot 0 attached: a waiting receiver asks the OS every wait_slice, delivers what was
// published, then reports `peer_died`. There is one sender per name, for its lifetime.
#ifndef NAMEDSHM_DETAIL_BROADCAST_LAYOUT_HPP
#define NAMEDSHM_DETAIL_BROADCAST_LAYOUT_HPP

#include <atomic>   // std::atomic, every word that two processes touch
#include <cstddef>  // std::size_t, std::byte
#include <cstdint>  // std::uint32_t, std::uint64_t

#include "ring_record.hpp"  // the record words
#include "slot_table.hpp"   // Slot

namespace namedshm::detail::broadcast {

/// "nshmbcst" in ASCII: the first word of every broadcast region, written last by its creator.
inline constexpr std::uint64_t magic = 0x7473'6362'6D68'736EULL;
/// The layout below. A broadcast made with another layout is refused, never misread.
inline constexpr std::uint32_t layout_version = 1;

/// Bytes between words that different processes write: two cache lines, because Intel's
/// adjacent-line prefetcher fetches lines in pairs.
inline constexpr std::size_t line = 128;
/// The most receivers a broadcast may have: the table then takes 128 KiB.
inline constexpr std::uint64_t max_receivers_limit = 1024;
/// What a message record has before its payload: the record word and the sequence.
inline constexpr std::uint64_t message_header = 2 * ring::word;

/// The sender's policy when the ring is full; namedshm::WhenFull lists the same values.
enum class Full : std::uint32_t { wait = 0, overwrite = 1 };

/// The header at the start of a broadcast region. Each group that one side writes has its own
/// pair of cache lines.
struct Header {
  // Written once by the creator; `magic` last, with release, so that an opener that sees it
  // sees the rest.
  std::atomic<std::uint64_t> magic;
  std::uint32_t version;
  std::uint32_t ring_offset;
  std::uint64_t capacity;
  std::uint32_t slot_count;  ///< max_receivers + 1
  std::uint32_t when_full;   ///< Full
  /// One more each time a receiver attaches (after marking its slot, before reading its start):
  /// a scan that finds it unchanged need not read the slots again (see the attach above).
  std::atomic<std::uint32_t> roster;
  std::byte pad0[line - 36];

  /// The position after the last record published. Written by the sender after each record
  /// (relaxed) and at each scan (seq_cst); read by a receiver that attaches.
  std::atomic<std::uint64_t> tail;
  std::byte pad1[line - 8];

  /// The first record that the sender promises intact until its next scan. Written by the
  /// sender at each scan; read by receivers that start at the oldest message, and in
  /// `overwrite` mode by every receiver after each copy.
  std::atomic<std::uint64_t> oldest;
  std::byte pad2[line - 8];

  /// The receivers' sleep bits (slot_table.hpp); the sender reads it after each record.
  std::atomic<std::uint64_t> sleepers;
  std::byte pad3[line - 8];
};

static_assert(sizeof(Header) == 4 * line, "the header is four pairs of cache lines");
static_assert(std::atomic<std::uint64_t>::is_always_lock_free && std::atomic<std::uint32_t>::is_always_lock_free,
              "a broadcast needs lock-free 32- and 64-bit atomics");

/// Where the slot table starts.
inline constexpr std::size_t table_offset = sizeof(Header);

/// Where the ring starts for `slot_count` slots: the first page after the table.
constexpr std::uint64_t ring_offset_for(std::uint64_t slot_count) noexcept {
  return (table_offset + slot_count * sizeof(Slot) + 4095U) & ~std::uint64_t{4095};
}

/// The word the sender leaves after each record until the next one: "nothing yet" (kind 3,
/// which matches no position), carrying the 62-bit number of the next message, so that a
/// receiver that starts there knows which message it expects first.
constexpr std::uint64_t pending_word(std::uint64_t sequence) noexcept {
  return ((sequence >> 32U) << 34U) | (std::uint64_t{ring::kind_pending} << 32U) | (sequence & 0xFFFF'FFFFU);
}
/// The message number that a pending word carries.
constexpr std::uint64_t pending_sequence(std::uint64_t value) noexcept {
  return ((value >> 34U) << 32U) | (value & 0xFFFF'FFFFU);
}
static_assert(pending_sequence(pending_word(0x1234'5678'9ABC'DEF0ULL)) == 0x1234'5678'9ABC'DEF0ULL &&
                  ring::kind_of(pending_word(0)) == ring::kind_pending && !ring::matches(pending_word(5), 0),
              "a pending word keeps the message number and matches no position");

/// Bytes a message of `length` bytes takes in the ring.
constexpr std::uint64_t message_bytes(std::uint64_t length) noexcept { return message_header + ring::padded(length); }

/**
 * The largest message a ring of `capacity` bytes carries: half the ring less 24 bytes, so that
 * a record and the word after it never take more than half the ring. Then a message always
 * fits once every receiver has released everything before it, wherever the tail stands (as on
 * the channel: see channel_layout.hpp's max_message).
 */
constexpr std::uint64_t max_message(std::uint64_t capacity) noexcept { return capacity / 2 - 3 * ring::word; }

/// A receiver's cursor before it has read where it starts: the provisional position, bit 0 set.
constexpr std::uint64_t provisional_cursor(std::uint64_t position) noexcept { return position | 1U; }
/// True once the receiver has read where it starts (its cursor is a position again).
constexpr bool started(std::uint64_t cursor) noexcept { return (cursor & 1U) == 0; }
/// The position a cursor stands at, provisional or not.
constexpr std::uint64_t cursor_position(std::uint64_t cursor) noexcept { return cursor & ~std::uint64_t{7}; }

static_assert(cursor_position(provisional_cursor(4096)) == 4096 && !started(provisional_cursor(8)) && started(8),
              "a provisional cursor keeps its position");

/// Header offsets that tests read to watch the endpoints without timing (white-box).
inline constexpr std::size_t sleepers_offset = 3 * line;
/// The offsets of slot `index`'s words `waiting`, `state` and `cursor` (slot_table.hpp).
constexpr std::size_t waiting_offset(unsigned index) noexcept { return slot_waiting_offset(table_offset, index); }
constexpr std::size_t state_offset(unsigned index) noexcept { return slot_state_offset(table_offset, index); }
constexpr std::size_t cursor_offset(unsigned index) noexcept {
  return slot_state_offset(table_offset, index) + 4 * sizeof(std::uint32_t) + sizeof(std::uint64_t);
}

}  // namespace namedshm::detail::broadcast

#endif  // NAMEDSHM_DETAIL_BROADCAST_LAYOUT_HPP
