// namedshm: one sender, many receivers, by name: a byte stream that every receiver gets whole.
// SPDX-License-Identifier: MIT
//
//   auto out = namedshm::BroadcastSender::create("Local\\frames", 1 << 20);  // process A
//   out.send(frame.data(), frame.size());                                   // written once
//
//   auto in = namedshm::BroadcastReceiver::open("Local\\frames");            // processes B, C, ...
//   while (auto message = in.receive()) consume(*message);
//
// The design (layout, the sender's horizon, why a receiver's start is safe, why an overwrite-
// mode copy that passes its check is whole) is written at the top of
// namedshm/detail/broadcast_layout.hpp.
#ifndef NAMEDSHM_BROADCAST_HPP
#define NAMEDSHM_BROADCAST_HPP

#include <algorithm>     // std::min
#include <atomic>        // std::atomic, std::memory_order, std::atomic_thread_fence
#include <chrono>        // timeouts
#include <cstddef>       // std::byte, std::size_t
#include <cstdint>       // std::uint32_t, std::uint64_t
#include <cstring>       // std::memcpy
#include <new>           // std::launder
#include <optional>      // std::optional, what receive() returns
#include <string>        // std::string, the name
#include <system_error>  // std::error_code, std::system_error, std::errc
#include <vector>        // std::vector, per-slot state and a receiver's copy

#include "channel.hpp"                    // WaitPolicy, ChannelState: one vocabulary for all streams
#include "detail/broadcast_core.hpp"      // detail::broadcast::Core, the machinery of both ends
#include "detail/endpoint_accessors.hpp"  // EndpointAccessors: accessors and close() of both ends
#include "detail/fences.hpp"              // seqlock_fences, the word orders of an overwrite-mode copy
#include "detail/timeout.hpp"             // timeout_ns, steady_deadline
#include "namedshm.hpp"                   // Name, Span, SecurityOptions, detail::check_argument

namespace namedshm {

/// What a broadcast's sender does when the slowest receiver is a whole ring behind.
enum class WhenFull : unsigned char {
  /// Wait for it: every attached receiver gets every message sent after it attached, in
  /// order (back-pressure; try_send fails, send_for times out). A receiver that dies is left
  /// out as soon as the OS says so; one that closes at once.
  wait,
  /// Never wait: the oldest messages are overwritten, and a receiver that falls behind skips
  /// to the oldest message still there; lost() counts what it missed. Never a torn message.
  overwrite,
};

/// Where a new receiver starts.
enum class BroadcastStart : unsigned char {
  /// With the first message published after open() read the stream's end (see open()).
  next,
  /// With the oldest message the sender still keeps: the last quarter ring of messages, or more.
  oldest,
};

/// How to create a broadcast (BroadcastSender::create); every field has a safe default.
struct BroadcastOptions {
  /// How the sender waits for room (WhenFull::wait).
  WaitPolicy wait = WaitPolicy::spin_then_block;
  /// Wait for the slowest receiver, or overwrite what it has not read.
  WhenFull when_full = WhenFull::wait;
  /// How many receivers may be attached at once: 1 to 1024. Each takes 128 bytes of the region
  /// and, on Windows, an event.
  std::size_t max_receivers = 16;
  /// Who may use the broadcast's region (and on Windows its events).
  SecurityOptions security;
};

/// How to open a receiver (BroadcastReceiver::open); every field has a safe default.
struct BroadcastReceiverOptions {
  /// How the receiver waits for a message.
  WaitPolicy wait = WaitPolicy::spin_then_block;
  /// Where it starts.
  BroadcastStart start = BroadcastStart::next;
};

static_assert(static_cast<int>(WhenFull::wait) == static_cast<int>(detail::broadcast::Full::wait) &&
                  static_cast<int>(WhenFull::overwrite) == static_cast<int>(detail::broadcast::Full::overwrite),
              "WhenFull and detail::broadcast::Full must list the same values in the same order");

namespace detail::broadcast {

/// The deadline `timeout` from now: min() for "do not wait", max() for "for ever".
template <class Rep, class Period>
Clock::time_point deadline_after(const std::chrono::duration<Rep, Period>& timeout) noexcept {
  return steady_deadline(timeout_ns(timeout), Clock::now());
}

/// The 64-bit ring word at `address` (8-aligned, inside the ring).
inline std::atomic<std::uint64_t>& atomic_at(std::byte* address) noexcept {
  return *std::launder(reinterpret_cast<std::atomic<std::uint64_t>*>(address));
}

/**
 * What both ends offer alike: the accessors of the shared core and close()
 * (EndpointAccessors), and the mode. `Endpoint` is BroadcastSender or BroadcastReceiver; it
 * keeps its mode in `overwrite_`.
 */
template <class Endpoint>
class Accessors : public EndpointAccessors<Endpoint, max_message> {
 public:
  /// The policy the broadcast was made with. Does not throw.
  [[nodiscard]] WhenFull when_full() const noexcept {
    return static_cast<const Endpoint&>(*this).overwrite_ ? WhenFull::overwrite : WhenFull::wait;
  }
};

}  // namespace detail::broadcast

/**
 * The one sender of a broadcast: it creates the name, and writes each message once, whatever
 * the number of receivers.
 *
 * A broadcast is a ring of `capacity()` bytes in a region named like it, with a table of
 * `max_receivers()` receiver slots (and on Windows an event per slot, "<name>.<slot>").
 * Receivers attach and leave at any time (BroadcastReceiver::open). send() copies a message
 * in; prepare() + commit() let the caller build it in the ring. In WhenFull::wait mode both wait
 * while the slowest attached receiver is a ring behind, as the WaitPolicy says; a receiver
 * that dies (SIGKILL, TerminateProcess) is left out once the OS says so (the sender asks every
 * 50 ms while it waits), one that closes at once; try_send() returns false if the slowest
 * receiver leaves no room now, send_for() if it leaves none in time. In WhenFull::overwrite
 * mode they never wait and always succeed: a receiver that has fallen a ring behind may read
 * bytes that prepare() handed out while they are written, finds out and throws its copy away
 * (see BroadcastReceiver), so what a sender writes is never seen torn. With no receiver attached, messages go nowhere
 * (and send() succeeds). Messages are 0 to max_message_size() = capacity() / 2 - 24 bytes. close() ends the stream:
 * every receiver gets the messages published so far, then the end (`closed`); an uncommitted reservation is dropped.
 *
 * Lifetime: as regions. One sender per name: while receivers still hold the name (POSIX: an
 * open receiver; Windows: a handle), create() of the same name fails with `file_exists`.
 * Thread safety: one thread at a time per endpoint. Move-only, and nothing of it throws: a
 * moved-from sender is empty, and moving onto a sender, or destroying it, closes it (the end of
 * the stream for every receiver) as close() does, but silently.
 *
 * Example:
 * @code
 *   namedshm::BroadcastOptions options;
 *   options.when_full = namedshm::WhenFull::overwrite;   // never wait for a slow viewer
 *   auto out = namedshm::BroadcastSender::create("Local\\camera", 8 << 20, options);
 *   auto room = out.prepare(frame_bytes);                // zero-copy: render into the ring...
 *   render_into(room);
 *   out.commit(frame_bytes);                             // ...and publish it to every receiver
 * @endcode
 */
class BroadcastSender : public detail::broadcast::Accessors<BroadcastSender>, public SendCalls<BroadcastSender> {
  using Clock = detail::broadcast::Clock;

 public:
  /// An empty sender. Does not throw.
  BroadcastSender() noexcept = default;

  /**
   * Creates the broadcast with a ring of `capacity` bytes, rounded up to a power of two of at
   * least 4096 (capacity() says what it became), and attaches as its sender. Fails with
   * `std::errc::file_exists` if the name exists, `std::errc::invalid_argument` for capacity 0
   * or above 2 GiB, max_receivers 0 or above 1024, or a value outside its enum,
   * `std::errc::filename_too_long` for a name of more than 249 bytes after its prefix.
   * Throws std::system_error.
   */
  [[nodiscard]] static BroadcastSender create(const Name& name, std::size_t capacity,
                                              const BroadcastOptions& options = {}) {
    return detail::or_throw({"create broadcast sender", name.utf8(), capacity},
                            [&](detail::Status& status) { return make(name, capacity, options, status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static BroadcastSender create(const Name& name, std::size_t capacity, std::error_code& ec) noexcept {
    return create(name, capacity, BroadcastOptions{}, ec);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static BroadcastSender create(const Name& name, std::size_t capacity, const BroadcastOptions& options,
                                              std::error_code& ec) noexcept {
    return detail::or_report(ec, [&](detail::Status& status) { return make(name, capacity, options, status); });
  }

  /**
   * POSIX: removes the broadcast's name if no live namedshm process holds it, as
   * SharedRegion::remove_if_stale does: the clean-up after everyone using it crashed. Returns
   * true if it removed it. Windows: returns false, as nothing outlives its last handle there.
   * Throws std::system_error.
   */
  static bool remove_if_stale(const Name& name) {
    return detail::or_throw({"remove_if_stale broadcast", name.utf8()},
                            [&](detail::Status& status) { return remove_stale(name, status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  static bool remove_if_stale(const Name& name, std::error_code& ec) noexcept {
    return detail::or_report(ec, [&](detail::Status& status) { return remove_stale(name, status); });
  }

  /// The receivers attached now, as far as the sender knows: each counts once its open() has
  /// read where it starts, so every message sent after receivers() counts a receiver reaches it
  /// (BroadcastStart::next); one that died counts until a wait of the sender has asked the OS
  /// about it. Does not throw.
  [[nodiscard]] std::size_t receivers() const noexcept {
    if (!core_.valid()) return 0;
    std::size_t count = 0;
    const auto& table = core_.table();
    for (unsigned index = 1; index < table.count(); ++index) {
      if (counts(index) && detail::broadcast::started(table[index].cursor.load(std::memory_order_seq_cst))) {
        ++count;
      }
    }
    return count;
  }

  /// `open` until the sender is closed (or empty): `closed`. A sender has no peer whose death
  /// ends it. Does not throw.
  [[nodiscard]] ChannelState state() const noexcept {
    return core_.valid() ? ChannelState::open : ChannelState::closed;
  }

  /// The receiver slots: BroadcastOptions::max_receivers; 0 for an empty sender. Does not throw.
  [[nodiscard]] std::size_t max_receivers() const noexcept { return core_.valid() ? core_.table().count() - 1 : 0; }
  // when_full(), max_message_size(), capacity(), valid(), name(), close(): see Accessors.

 private:
  friend class detail::broadcast::Accessors<BroadcastSender>;
  friend class detail::EndpointAccessors<BroadcastSender, detail::broadcast::max_message>;
  friend class SendCalls<BroadcastSender>;
  static constexpr detail::channel::SendVerbs send_verbs{"send on broadcast", "try_send on broadcast",
                                                         "send_for on broadcast", "prepare on broadcast",
                                                         "commit on broadcast"};
  static constexpr const char* close_verb = "close broadcast sender";
  static constexpr std::uint64_t no_reservation = ~std::uint64_t{0};

  static BroadcastSender make(const Name& name, std::size_t capacity, const BroadcastOptions& options,
                              detail::Status& status) noexcept {
    namespace bc = detail::broadcast;
    const detail::NameCheck check = detail::check_argument(name, status);
    if (status) return {};
    const bc::CreateOptions create{static_cast<detail::WaitMode>(options.wait),
                                   static_cast<bc::Full>(options.when_full), options.max_receivers,
                                   detail::security_request(options.security)};
    if (!detail::check_security(create.security, status)) return {};
    BroadcastSender sender;
    sender.core_ = bc::Core::create(name.utf8(), check.parts, capacity, create, status);
    if (status) return {};
    const std::size_t slots = sender.core_.table().count();
    if (!detail::allocate_or_report(status, [&] {
          sender.dead_.assign(slots, 0);
          sender.probes_.resize(slots);
          sender.watched_.assign(slots, 0);
        })) {
      return {};
    }
    sender.overwrite_ = options.when_full == WhenFull::overwrite;
    sender.scan();
    return sender;
  }

  static bool remove_stale(const Name& name, detail::Status& status) noexcept {
    const detail::NameCheck check = detail::check_argument(name, status);
    return !status && detail::broadcast::Core::remove_stale(check.parts, status);
  }

  std::string close_now(detail::Status& status) noexcept {
    prepared_ = no_reservation;
    return core_.close(status);
  }

  /// The position where receiver `index` stands (its cursor, provisional or not).
  std::uint64_t cursor_of(unsigned index) const noexcept {
    return detail::broadcast::cursor_position(core_.table()[index].cursor.load(std::memory_order_seq_cst));
  }

  /// True if slot `index` holds a receiver that the sender counts: attached, not found dead.
  bool counts(unsigned index) const noexcept {
    const detail::Slot& slot = core_.table()[index];
    return slot.state.load(std::memory_order_seq_cst) == detail::slot_attached &&
           slot.generation.load(std::memory_order_seq_cst) != dead_[index];
  }

  /// Notes which slots are attached now, after a new `roster` value: the slots a scan reads
  /// until the next one. A receiver marks its slot before it adds to `roster`, and this reads
  /// `roster` (the caller) before the slots, so no receiver that the value counts is missed.
  void note_attached(std::uint32_t roster) noexcept {
    const auto& table = core_.table();
    watched_count_ = 0;
    for (unsigned index = 1; index < table.count(); ++index) {
      if (table[index].state.load(std::memory_order_seq_cst) == detail::slot_attached)
        watched_[watched_count_++] = index;
    }
    known_roster_ = roster;
  }

  /// The lowest cursor of the receivers that the sender counts; ~0 if there are none.
  std::uint64_t lowest_cursor(std::uint32_t roster) noexcept {
    if (roster != known_roster_) note_attached(roster);
    std::uint64_t lowest = ~std::uint64_t{0};
    for (std::size_t i = 0; i < watched_count_; ++i) {
      const unsigned index = watched_[i];
      if (counts(index)) lowest = (std::min)(lowest, cursor_of(index));
    }
    return lowest;
  }

  /// Remembers where a record starts, at most one in every sixteenth of the ring: the record
  /// boundaries that a scan may promise as `oldest` without walking the ring.
  void note_start(std::uint64_t position) noexcept {
    if (starts_used_ != 0 &&
        position - starts_[(starts_first_ + starts_used_ - 1) % start_marks] < core_.capacity() / 16) {
      return;
    }
    if (starts_used_ == start_marks) {  // cannot happen: a scan drops what lies a ring back
      starts_first_ = (starts_first_ + 1) % start_marks;
      --starts_used_;
    }
    starts_[(starts_first_ + starts_used_) % start_marks] = position;
    ++starts_used_;
  }

  /// Advances `oldest_` to a record boundary at or after `floor`: the first remembered start
  /// there, or the tail (at most a sixteenth of the ring past the first record there).
  void retire(std::uint64_t floor) noexcept {
    if (oldest_ >= floor) return;
    while (starts_used_ != 0 && starts_[starts_first_] < floor) {
      starts_first_ = (starts_first_ + 1) % start_marks;
      --starts_used_;
    }
    oldest_ = starts_used_ != 0 ? starts_[starts_first_] : tail_;
  }

  /// The scan (see broadcast_layout.hpp): publishes the tail, computes the floor from it and (in
  /// wait mode) the receivers' cursors, promises `oldest`, and reads the cursors again if a
  /// receiver attached meanwhile.
  void scan() noexcept {
    auto& header = core_.header();
    const std::uint64_t capacity = core_.capacity();
    const std::uint32_t roster = header.roster.load(std::memory_order_seq_cst);
    header.tail.store(tail_, std::memory_order_seq_cst);
    std::uint64_t floor = tail_ > capacity / 4 ? tail_ - capacity / 4 : 0;
    if (!overwrite_) floor = (std::min)(floor, lowest_cursor(roster));
    retire(floor);
    header.oldest.store(oldest_, std::memory_order_seq_cst);
    const std::uint32_t again = header.roster.load(std::memory_order_seq_cst);
    if (!overwrite_ && again != roster) floor = (std::min)(floor, lowest_cursor(again));  // one just attached
    // Orders the promise before every byte written until the next scan (see the layout).
    if constexpr (detail::seqlock_fences) std::atomic_thread_fence(std::memory_order_release);
    limit_ = floor + capacity;
    next_scan_ = tail_ + capacity / 2 + capacity / 8;
  }

  /// Asks the OS about every counted receiver whose cursor keeps `end` out of reach, and stops
  /// counting one that died (its generation: a new receiver in the slot counts again).
  void probe_holding_back(std::uint64_t end) noexcept {
    const auto& table = core_.table();
    for (unsigned index = 1; index < table.count(); ++index) {
      if (!counts(index)) continue;
      detail::Slot& slot = table[index];
      const std::uint32_t generation = slot.generation.load(std::memory_order_seq_cst);
      if (cursor_of(index) + core_.capacity() >= end) continue;
      if (probes_[index].holder(core_.handle(), table.words(index), true) == detail::Holder::died &&
          slot.generation.load(std::memory_order_seq_cst) == generation) {
        dead_[index] = generation;
      }
    }
  }

  /// True once `bytes` from the tail may be written: at once while the last scan allows it,
  /// else after a scan, and in wait mode after waiting until `deadline` for the receivers.
  bool room_for(std::uint64_t bytes, Clock::time_point deadline, detail::Status& status) noexcept {
    const std::uint64_t end = tail_ + bytes;
    if (end <= limit_) return true;
    scan();
    // Overwrite mode: the floor follows the tail alone, so a scan leaves three quarters of the
    // ring, more than any record and the word after it.
    if (end <= limit_ || overwrite_) return true;
    const auto has_room = [&] {
      scan();
      return end <= limit_;
    };
    const auto receivers = [&](bool ask_os) {
      if (ask_os) probe_holding_back(end);
      return detail::Wait::ready;  // a receiver's death only frees room: nothing ends the wait
    };
    return core_.wait(has_room, receivers, deadline, status) == detail::Wait::ready;
  }

  /// Room for a message of `size` bytes, after a padding record if it would cross the end of
  /// the ring; null if the deadline passed, or on error (`status`).
  std::byte* reserve(std::size_t size, Clock::time_point deadline, detail::Status& status) noexcept {
    namespace bc = detail::broadcast;
    namespace ring = detail::ring;
    prepared_ = no_reservation;
    if (!core_.valid()) {
      status.set(std::errc::invalid_argument, "the sender is empty (default-constructed, moved from or closed)");
      return nullptr;
    }
    if (size > bc::max_message(core_.capacity())) {
      status.set(std::errc::message_size, "the message is larger than max_message_size()");
      return nullptr;
    }
    const std::uint64_t need = bc::message_bytes(size);
    const std::uint64_t offset = tail_ & core_.mask();
    if (offset + need > core_.capacity()) {
      // The message must be contiguous: skip to the start of the ring with a padding record,
      // published at once so that receivers step over it while we wait.
      const std::uint64_t skip = core_.capacity() - offset;
      if (!room_for(skip + ring::word, deadline, status)) return nullptr;
      core_.word(tail_ + skip).store(bc::pending_word(sequence_), detail::seqlock_word_store);
      core_.word(tail_).store(ring::record_word(ring::kind_padding, tail_, skip - ring::word),
                              std::memory_order_seq_cst);
      advance(skip);
    }
    if (!room_for(need + ring::word, deadline, status)) return nullptr;  // + the pending word after it
    return core_.ring() + (tail_ & core_.mask()) + bc::message_header;
  }

  /// The tail moves on by `bytes` (a record just published): tell it (release: a receiver that
  /// starts there sees the pending word), wake the sleepers, and scan once five eighths of the
  /// ring went by since the last scan: here, while the receivers read, a scan delays no message.
  void advance(std::uint64_t bytes) noexcept {
    note_start(tail_);
    tail_ += bytes;
    core_.header().tail.store(tail_, std::memory_order_release);
    core_.wake_members();  // the receivers that sleep
    if (tail_ >= next_scan_) scan();
  }

  /// Publishes the reserved record with `size` bytes: the pending word after it, the sequence,
  /// then the record word (seq_cst: also the store half of the handshake with a sleeping
  /// receiver).
  void publish(std::size_t size) noexcept {
    namespace bc = detail::broadcast;
    namespace ring = detail::ring;
    const std::uint64_t bytes = bc::message_bytes(size);
    core_.word(tail_ + bytes).store(bc::pending_word(sequence_ + 1), detail::seqlock_word_store);
    core_.word(tail_ + ring::word).store(sequence_++, detail::seqlock_word_store);
    core_.word(tail_).store(ring::record_word(ring::kind_message, tail_, size), std::memory_order_seq_cst);
    prepared_ = no_reservation;
    advance(bytes);
  }

  /// Overwrite mode: copies the message in 64-bit atomic stores, which a receiver that reads
  /// them while they change may race with by design (it checks afterwards).
  static void copy_words(std::byte* room, const void* data, std::size_t size) noexcept {
    const auto* bytes = static_cast<const std::byte*>(data);
    for (std::size_t offset = 0; offset < size; offset += sizeof(std::uint64_t)) {
      std::uint64_t value = 0;
      std::memcpy(&value, bytes + offset, (std::min)(sizeof value, size - offset));
      detail::broadcast::atomic_at(room + offset).store(value, detail::seqlock_word_store);
    }
  }

  bool send_until(const void* data, std::size_t size, Clock::time_point deadline, detail::Status& status) noexcept {
    if (data == nullptr && size != 0) {
      status.set(std::errc::invalid_argument, "the message's data is null");
      return false;
    }
    std::byte* room = reserve(size, deadline, status);
    if (room == nullptr) return false;
    if (overwrite_) {
      copy_words(room, data, size);
    } else if (size != 0) {
      std::memcpy(room, data, size);
    }
    publish(size);
    return true;
  }

  [[nodiscard]] Span<std::byte> prepare_message(std::size_t size, detail::Status& status) noexcept {
    std::byte* room = reserve(size, (Clock::time_point::max)(), status);
    if (room == nullptr) return {};
    prepared_ = size;
    return {room, size};
  }

  void commit_message(std::size_t size, detail::Status& status) noexcept {
    if (!core_.valid() || prepared_ == no_reservation) {
      status.set(std::errc::invalid_argument, "commit() without a reservation from prepare()");
    } else if (size > prepared_) {
      status.set(std::errc::invalid_argument, "commit() of more bytes than prepare() reserved");
    } else {
      publish(size);
    }
  }

  detail::broadcast::Core core_;
  std::vector<std::uint32_t> dead_;       ///< per slot: the generation found dead, or 0
  std::vector<detail::Liveness> probes_;  ///< per slot: what asks the OS about its receiver
  std::vector<unsigned> watched_;         ///< the slots attached at the last new `roster` value
  std::size_t watched_count_ = 0;
  std::uint32_t known_roster_ = ~std::uint32_t{0};  ///< the `roster` value watched_ belongs to
  static constexpr std::size_t start_marks = 32;    ///< a ring holds at most 17 of them
  std::uint64_t starts_[start_marks] = {};          ///< record starts, oldest first (note_start)
  std::size_t starts_first_ = 0;
  std::size_t starts_used_ = 0;
  std::uint64_t tail_ = 0;       ///< stream position of the next record
  std::uint64_t limit_ = 0;      ///< the sender may write below this without a scan
  std::uint64_t next_scan_ = 0;  ///< where the sender scans after a record, unasked
  std::uint64_t oldest_ = 0;     ///< the first record not yet given up
  std::uint64_t sequence_ = 0;   ///< the number of the next message
  std::uint64_t prepared_ = no_reservation;
  bool overwrite_ = false;
};

/**
 * One receiver of a broadcast: it gets the sender's messages, in order, from where it attached.
 *
 * open() takes a free receiver slot (`std::errc::device_or_resource_busy` when all
 * BroadcastOptions::max_receivers are held by live receivers; a dead one's slot is free) and
 * reads the stream's end: with BroadcastStart::next the receiver gets exactly the messages
 * whose publication comes after that read, which open() makes after taking its slot and before
 * it returns (so every message published after open() returns, none published before open() was
 * called). With BroadcastStart::oldest it starts with the oldest message the sender still keeps.
 *
 * receive() waits (as the WaitPolicy says) for the next message and returns a view of it:
 *  - WhenFull::wait: a view into the ring (no copy), valid until release(), the next receive(),
 *    or close(); the sender does not overwrite it before then. lost() stays 0.
 *  - WhenFull::overwrite: a view of this receiver's own copy (a buffer of max_message_size()
 *    bytes made by open()), valid until the next receive() or close(). A message is copied and
 *    then checked against the sender's promise of what it has not overwritten; a copy that may
 *    be torn is thrown away, the receiver skips to the oldest message still there, and lost()
 *    grows by the messages it skipped. It never returns a torn or half-overwritten message.
 * It returns std::nullopt at the end of the stream, after every message the sender published:
 * state() then says whether the sender closed (`closed`) or died (`peer_died`, the OS says so).
 *
 * Thread safety: one thread at a time per receiver. Move-only; a moved-from receiver is empty,
 * and destroying one gives up its slot (a waiting sender goes on at once). Does not throw
 * except where a function says so.
 *
 * Example:
 * @code
 *   auto in = namedshm::BroadcastReceiver::open("Local\\ticks");
 *   while (auto message = in.receive()) {
 *     apply(message->data(), message->size());          // std::byte span
 *   }
 *   if (in.state() == namedshm::ChannelState::peer_died) warn("the feed crashed");
 *   std::printf("missed %llu\n", static_cast<unsigned long long>(in.lost()));   // overwrite mode
 * @endcode
 */
class BroadcastReceiver : public detail::broadcast::Accessors<BroadcastReceiver>,
                          public ReceiveCalls<BroadcastReceiver> {
  using Clock = detail::broadcast::Clock;

 public:
  /// The view of one message.
  using Message = Span<const std::byte>;

  /// An empty receiver. Does not throw.
  BroadcastReceiver() noexcept = default;

  /**
   * Opens the broadcast `name` as a new receiver (see the class). Fails with
   * `std::errc::no_such_file_or_directory` if there is none, `std::errc::invalid_argument` if the
   * region of that name is not a broadcast or an option is outside its enum,
   * `std::errc::device_or_resource_busy` if every receiver slot is held by a live receiver.
   * Throws std::system_error.
   */
  [[nodiscard]] static BroadcastReceiver open(const Name& name, const BroadcastReceiverOptions& options = {}) {
    return detail::or_throw({"open broadcast receiver", name.utf8()},
                            [&](detail::Status& status) { return make(name, options, status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static BroadcastReceiver open(const Name& name, std::error_code& ec) noexcept {
    return open(name, BroadcastReceiverOptions{}, ec);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static BroadcastReceiver open(const Name& name, const BroadcastReceiverOptions& options,
                                              std::error_code& ec) noexcept {
    return detail::or_report(ec, [&](detail::Status& status) { return make(name, options, status); });
  }

  /// BroadcastSender::remove_if_stale(name). Throws std::system_error.
  static bool remove_if_stale(const Name& name) { return BroadcastSender::remove_if_stale(name); }
  /// As above; reports failure through `ec`. Does not throw.
  static bool remove_if_stale(const Name& name, std::error_code& ec) noexcept {
    return BroadcastSender::remove_if_stale(name, ec);
  }

  /// Done with the last message received (its view becomes invalid): in wait mode, the sender
  /// may reuse its room. receive() does it too; calling it twice is harmless. Does not throw.
  void release() noexcept {
    if (held_ == 0 || !core_.valid()) return;
    position_ += held_;
    held_ = 0;
    publish_cursor();
  }

  /// The messages this receiver skipped because the sender overwrote them first (overwrite
  /// mode); 0 in wait mode. Does not throw.
  [[nodiscard]] std::uint64_t lost() const noexcept { return lost_; }

  /// `open` while messages may come; after receive() returned std::nullopt at the end of the
  /// stream: `closed` (the sender closed, or this receiver is empty) or `peer_died`.
  /// Does not throw.
  [[nodiscard]] ChannelState state() const noexcept { return core_.valid() ? state_ : ChannelState::closed; }

  // when_full(), max_message_size(), capacity(), valid(), name(), close(): see Accessors.

 private:
  friend class detail::broadcast::Accessors<BroadcastReceiver>;
  friend class detail::EndpointAccessors<BroadcastReceiver, detail::broadcast::max_message>;
  friend class ReceiveCalls<BroadcastReceiver>;
  static constexpr detail::channel::ReceiveVerbs receive_verbs{"receive on broadcast", "receive_for on broadcast"};
  static constexpr const char* close_verb = "close broadcast receiver";

  static BroadcastReceiver make(const Name& name, const BroadcastReceiverOptions& options,
                                detail::Status& status) noexcept {
    namespace bc = detail::broadcast;
    const detail::NameCheck check = detail::check_argument(name, status);
    if (status) return {};
    if (options.start != BroadcastStart::next && options.start != BroadcastStart::oldest) {
      status.set(std::errc::invalid_argument, "the start is neither BroadcastStart::next nor BroadcastStart::oldest");
      return {};
    }
    if (!detail::valid_mode(static_cast<detail::WaitMode>(options.wait))) {
      status.set(std::errc::invalid_argument, "the wait policy is not one of WaitPolicy's values");
      return {};
    }
    const bool oldest = options.start == BroadcastStart::oldest;
    BroadcastReceiver receiver;
    receiver.core_ = bc::Core::open(name.utf8(), check.parts, static_cast<detail::WaitMode>(options.wait),
                                    oldest ? bc::Start::oldest : bc::Start::next, status);
    if (status) return {};
    receiver.overwrite_ = receiver.core_.full() == bc::Full::overwrite;
    if (receiver.overwrite_) {
      const std::uint64_t words = bc::max_message(receiver.core_.capacity()) / sizeof(std::uint64_t) + 1;
      if (!detail::allocate_or_report(status, [&] { receiver.copy_.resize(static_cast<std::size_t>(words)); })) {
        return {};
      }
    }
    receiver.attach(oldest);
    return receiver;
  }

  /// Marks the slot attached, then reads where to start (see broadcast_layout.hpp) and moves
  /// the cursor there from the provisional one. Overwrite mode: also learns the number of the
  /// first message there, reading the start again if the sender overtook it meanwhile.
  void attach(bool oldest) noexcept {
    core_.publish_attached();
    auto& header = core_.header();
    header.roster.fetch_add(1, std::memory_order_seq_cst);
    do {
      position_ = (oldest ? header.oldest : header.tail).load(std::memory_order_seq_cst);
    } while (overwrite_ && !learn_first_sequence());
    // The start as the cursor, in both modes: it also says that this receiver has chosen its
    // start, which receivers() waits for (the provisional cursor has bit 0 set).
    if (overwrite_) {
      core_.slot().cursor.store(position_, std::memory_order_seq_cst);
    } else {
      publish_cursor();
    }
    state_ = ChannelState::open;
  }

  /// Overwrite mode: sets `expected_` to the number of the first message at or after the
  /// position: the pending word there, or the sequence of the record there (after a padding
  /// record, of the one at the start of the ring). False if the sender has overtaken it.
  bool learn_first_sequence() noexcept {
    namespace bc = detail::broadcast;
    namespace ring = detail::ring;
    std::uint64_t at = position_;
    for (;;) {
      const std::uint64_t value = core_.word(at).load(std::memory_order_acquire);
      std::uint64_t sequence = 0;
      if (ring::kind_of(value) == ring::kind_pending) {
        sequence = bc::pending_sequence(value);
      } else if (ring::matches(value, at) && ring::kind_of(value) == ring::kind_padding) {
        if (overtaken()) return false;
        at += ring::word + ring::length_of(value);
        continue;
      } else if (ring::matches(value, at)) {
        sequence = core_.word(at + ring::word).load(detail::seqlock_word_load);
      } else {
        return false;  // overtaken before the first look: start again
      }
      if (overtaken()) return false;
      expected_ = sequence;
      counting_ = true;
      return true;
    }
  }

  std::string close_now(detail::Status& status) noexcept {
    held_ = 0;
    state_ = ChannelState::closed;
    ending_ = ChannelState::open;
    return core_.close(status);
  }

  /// Publishes the cursor (seq_cst: the store half of the handshake with a sleeping sender),
  /// then wakes the sender if it sleeps. Overwrite mode: only receivers() reads the cursor, for
  /// the mark that attach() clears.
  void publish_cursor() noexcept {
    if (overwrite_) return;
    core_.slot().cursor.store(position_, std::memory_order_seq_cst);
    core_.wake_hub();  // the sender, if it sleeps
  }

  /// Overwrite mode: true if the sender has given up the record at this receiver's position
  /// (it may have overwritten it), as seen after everything this receiver read before.
  bool overtaken() const noexcept {
    if constexpr (detail::seqlock_fences) std::atomic_thread_fence(std::memory_order_acquire);
    return core_.header().oldest.load(std::memory_order_acquire) > position_;
  }

  /// Overwrite mode, overtaken: on to the oldest record the sender keeps. The messages skipped
  /// are counted by the next message's sequence.
  void skip_to_oldest() noexcept {
    position_ = (std::max)(position_, core_.header().oldest.load(std::memory_order_acquire));
  }

  /// Overwrite mode: copies the message at the position (its sequence and `length` bytes) into
  /// this receiver's buffer; false if the sender may have overwritten any of it meanwhile.
  bool copy_message(std::uint64_t length) noexcept {
    namespace bc = detail::broadcast;
    std::byte* record = core_.ring() + (position_ & core_.mask());
    const std::uint64_t sequence = bc::atomic_at(record + detail::ring::word).load(detail::seqlock_word_load);
    const std::uint64_t words = detail::ring::padded(length) / sizeof(std::uint64_t);
    for (std::uint64_t i = 0; i < words; ++i) {
      copy_[i] = bc::atomic_at(record + bc::message_header + i * sizeof(std::uint64_t)).load(detail::seqlock_word_load);
    }
    if (overtaken()) return false;
    if (counting_ && sequence > expected_) lost_ += sequence - expected_;
    expected_ = sequence + 1;
    counting_ = true;
    return true;
  }

  /// True if a message of `length` bytes at the position lies within the ring, as every
  /// message the sender writes does.
  bool fits(std::uint64_t length) const noexcept {
    return length <= detail::broadcast::max_message(core_.capacity()) &&
           (position_ & core_.mask()) + detail::broadcast::message_bytes(length) <= core_.capacity();
  }

  std::optional<Message> receive_until(Clock::time_point deadline, detail::Status& status) noexcept {
    namespace bc = detail::broadcast;
    namespace ring = detail::ring;
    if (!core_.valid()) {
      status.set(std::errc::invalid_argument, "the receiver is empty (default-constructed, moved from or closed)");
      return std::nullopt;
    }
    release();
    if (state_ != ChannelState::open) return std::nullopt;  // the end, once reported, stays
    for (;;) {
      const std::uint64_t value = core_.word(position_).load(std::memory_order_acquire);
      if (ring::matches(value, position_)) {
        const std::uint64_t length = ring::length_of(value);
        const bool padding = ring::kind_of(value) == ring::kind_padding;
        // Overwrite mode: a word that is no longer this position's record (its length is not
        // to be trusted), or a message of impossible length, means the sender has moved on.
        if (overwrite_ && (padding || !fits(length)) && overtaken()) {
          skip_to_oldest();
          continue;
        }
        if (padding) {
          position_ += ring::word + length;
          publish_cursor();  // the sender may wait for exactly this room
          continue;
        }
        if (!fits(length)) {
          status.set(std::errc::bad_message, "the broadcast's ring is damaged (a record crosses the end of the ring)");
          return std::nullopt;
        }
        if (!overwrite_) {
          held_ = bc::message_bytes(length);
          return Message(core_.ring() + (position_ & core_.mask()) + bc::message_header,
                         static_cast<std::size_t>(length));
        }
        if (!copy_message(length)) {
          skip_to_oldest();
          continue;
        }
        position_ += bc::message_bytes(length);
        return Message(reinterpret_cast<const std::byte*>(copy_.data()), static_cast<std::size_t>(length));
      }
      if (overwrite_ && overtaken()) {
        skip_to_oldest();
        continue;
      }
      if (ending_ != ChannelState::open) {  // the sender has gone, and we have read all it sent
        state_ = ending_;
        return std::nullopt;
      }
      const auto has_message = [&] {
        return ring::matches(core_.word(position_).load(std::memory_order_seq_cst), position_) ||
               (overwrite_ && core_.header().oldest.load(std::memory_order_seq_cst) > position_);
      };
      const auto sender = [&](bool ask_os) { return detail::peer_wait(core_.hub(ask_os)); };
      switch (core_.wait(has_message, sender, deadline, status)) {
        case detail::Wait::ready:
          break;
        case detail::Wait::peer_closed:
          ending_ = ChannelState::closed;  // read once more: the close came after the last message
          break;
        case detail::Wait::peer_died:
          ending_ = ChannelState::peer_died;
          break;
        case detail::Wait::timed_out:
        case detail::Wait::failed:
          return std::nullopt;
      }
    }
  }

  detail::broadcast::Core core_;
  std::vector<std::uint64_t> copy_;  ///< overwrite mode: the last message, copied
  std::uint64_t position_ = 0;       ///< stream position of the next record to read
  std::uint64_t held_ = 0;           ///< wait mode: bytes of the record received and not yet released
  std::uint64_t expected_ = 0;       ///< the sequence of the next message, once one was read
  std::uint64_t lost_ = 0;
  bool counting_ = false;  ///< a message was read, so `expected_` holds
  bool overwrite_ = false;
  ChannelState state_ = ChannelState::closed;
  ChannelState ending_ = ChannelState::open;  ///< how the stream ends once the ring is empty
};

}  // namespace namedshm

#endif  // NAMEDSHM_BROADCAST_HPP
