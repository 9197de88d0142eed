// namedshm: many senders, one receiver, by name: a service's inbox that a crashed client
// cannot jam.
// SPDX-License-Identifier: MIT
//
//   auto inbox = namedshm::Mailbox::create("Local\\service", 1 << 20);       // the service
//   while (auto request = inbox.receive()) handle(*request);
//
//   auto out = namedshm::MailboxSender::open("Local\\service");             // any client
//   out.send(request.data(), request.size());
//
// The design (the claim words, why a sender killed at any point leaves nothing the receiver
// cannot skip, why no sender waits for another) is written at the top of
// namedshm/detail/mailbox_layout.hpp.
#ifndef NAMEDSHM_MAILBOX_HPP
#define NAMEDSHM_MAILBOX_HPP

#include <atomic>        // std::memory_order
#include <chrono>        // timeouts
#include <cstddef>       // std::byte, std::size_t
#include <cstdint>       // std::uint32_t, std::uint64_t
#include <cstring>       // std::memcpy
#include <optional>      // std::optional, what receive() returns
#include <string>        // std::string, the name
#include <system_error>  // std::error_code, std::system_error, std::errc
#include <utility>       // std::exchange, std::move
#include <vector>        // std::vector, the receiver's probes of the senders

#include "channel.hpp"                    // WaitPolicy, ChannelState: one vocabulary for all streams
#include "detail/endpoint_accessors.hpp"  // EndpointAccessors: accessors and close() of both ends
#include "detail/mailbox_core.hpp"        // detail::mailbox::Core, the machinery of both ends
#include "namedshm.hpp"                   // Name, Span, SecurityOptions, detail::check_argument

namespace namedshm {

/// How to create a mailbox (Mailbox::create); every field has a safe default.
struct MailboxOptions {
  /// How the receiver waits for a message.
  WaitPolicy wait = WaitPolicy::spin_then_block;
  /// How many senders may be attached at once: 1 to 1024. Each takes 128 bytes of the region
  /// and, on Windows, an event.
  std::size_t max_senders = 64;
  /// Who may use the mailbox's region (and on Windows its events).
  SecurityOptions security;
};

/// How to open a sender (MailboxSender::open); every field has a safe default.
struct MailboxSenderOptions {
  /// How the sender waits for room.
  WaitPolicy wait = WaitPolicy::spin_then_block;
};

/**
 * The one receiver of a mailbox: it creates the name, and receives the messages of every
 * sender, each whole and exactly once, each sender's in the order that sender sent them.
 *
 * A mailbox is a ring of `capacity()` bytes in a region named like it, with a table of
 * `max_senders()` sender slots (and on Windows an event per slot, "<name>.<slot>"). Senders
 * attach and leave at any time (MailboxSender::open). Messages are 0 to max_message_size() =
 * capacity() / 2 bytes; each takes whole 64-byte granules of the ring (at least one), and its
 * bytes start on a granule.
 *
 * receive() waits (as MailboxOptions::wait says) for the next message and returns a view of it
 * in the ring (no copy), valid until release(), the next receive(), or close(); no sender
 * overwrites it before then. Messages come in the order their senders claimed room for them.
 * A sender that dies (SIGKILL, TerminateProcess) while it writes a message holds the receiver
 * up only until the OS says so: the receiver asks every 50 ms while it waits, then skips the
 * unfinished message and counts it in abandoned(); everything committed before and after it is
 * delivered. A sender that dies holding no claim changes nothing. receive() returns
 * std::nullopt only with an error: a mailbox has no end of stream. try_receive(), which does not
 * wait, also skips such an unfinished message once it has held the head for 50 ms (it then asks
 * the OS).
 *
 * Lifetime: as regions. One receiver per name: while senders still hold the name (POSIX: an
 * open sender; Windows: a handle), create() of the same name fails with `file_exists`. Closing
 * (or destroying) the receiver ends every sender's sending: send() returns false and state()
 * says `closed`.
 * Thread safety: one thread at a time per receiver (every member). Move-only; a moved-from
 * receiver is empty. Does not throw except where a function says so.
 *
 * Example:
 * @code
 *   namedshm::MailboxOptions options;
 *   options.max_senders = 256;
 *   auto inbox = namedshm::Mailbox::create("Local\\jobs", 4 << 20, options);
 *   for (;;) {
 *     if (auto job = inbox.receive_for(std::chrono::seconds(1))) run(job->data(), job->size());
 *     if (stopping) break;
 *   }
 * @endcode
 */
class Mailbox : public detail::EndpointAccessors<Mailbox, detail::mailbox::max_message>, public ReceiveCalls<Mailbox> {
  using Clock = detail::mailbox::Clock;

 public:
  /// The view of one message.
  using Message = Span<const std::byte>;

  /// An empty receiver. Does not throw.
  Mailbox() noexcept = default;

  /**
   * Creates the mailbox with a ring of `capacity` bytes, rounded up to a power of two of at
   * least 4096 (capacity() says what it became), and attaches as its receiver. Fails with
   * `std::errc::file_exists` if the name exists, `std::errc::invalid_argument` for capacity 0
   * or above 2 GiB, max_senders 0 or above 1024, or a wait policy outside WaitPolicy,
   * `std::errc::filename_too_long` for a name of more than 249 bytes after its prefix.
   * Throws std::system_error.
   */
  [[nodiscard]] static Mailbox create(const Name& name, std::size_t capacity, const MailboxOptions& options = {}) {
    return detail::or_throw({"create mailbox", name.utf8(), capacity},
                            [&](detail::Status& status) { return make(name, capacity, options, status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Mailbox create(const Name& name, std::size_t capacity, std::error_code& ec) noexcept {
    return create(name, capacity, MailboxOptions{}, ec);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Mailbox create(const Name& name, std::size_t capacity, const MailboxOptions& options,
                                      std::error_code& ec) noexcept {
    return detail::or_report(ec, [&](detail::Status& status) { return make(name, capacity, options, status); });
  }

  /**
   * POSIX: removes the mailbox's name if no live namedshm process holds it, as
   * SharedRegion::remove_if_stale does: the clean-up after everyone using it crashed. Returns
   * true if it removed it. Windows: returns false, as nothing outlives its last handle there.
   * Throws std::system_error.
   */
  static bool remove_if_stale(const Name& name) {
    return detail::or_throw({"remove_if_stale mailbox", name.utf8()},
                            [&](detail::Status& status) { return remove_stale(name, status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  static bool remove_if_stale(const Name& name, std::error_code& ec) noexcept {
    return detail::or_report(ec, [&](detail::Status& status) { return remove_stale(name, status); });
  }

  /// Done with the last message received (its view becomes invalid): senders may reuse its
  /// room, and that of every message released before it, at once. receive() releases the
  /// previous message too, and hands its room to the senders within the next 512 bytes it
  /// reads, before it waits, or at once if a sender sleeps for room; call release() before you
  /// hold a message for long while senders may wait. Calling it twice is harmless. Does not
  /// throw.
  void release() noexcept {
    if (!core_.valid()) return;
    release_held();
    publish_head();
  }

  /// The unfinished messages skipped so far because their senders died between claiming room
  /// and committing. Does not throw.
  [[nodiscard]] std::uint64_t abandoned() const noexcept { return abandoned_; }

  /// The senders attached now, as their slots say: one that died counts until another sender
  /// takes its slot. Does not throw.
  [[nodiscard]] std::size_t senders() const noexcept {
    if (!core_.valid()) return 0;
    std::size_t count = 0;
    const auto& table = core_.table();
    for (unsigned index = 1; index < table.count(); ++index) {
      if (table[index].state.load(std::memory_order_seq_cst) == detail::slot_attached) ++count;
    }
    return count;
  }

  /// The sender slots: MailboxOptions::max_senders; 0 for an empty receiver. Does not throw.
  [[nodiscard]] std::size_t max_senders() const noexcept { return core_.valid() ? core_.table().count() - 1 : 0; }

  /// `open` while the receiver holds a mailbox; `closed` once it is closed (or empty). Senders
  /// coming and going never end a receiver. Does not throw.
  [[nodiscard]] ChannelState state() const noexcept {
    return core_.valid() ? ChannelState::open : ChannelState::closed;
  }

  // max_message_size(), capacity(), valid(), name(), close(): see EndpointAccessors.

 private:
  friend class detail::EndpointAccessors<Mailbox, detail::mailbox::max_message>;
  friend class ReceiveCalls<Mailbox>;
  static constexpr detail::channel::ReceiveVerbs receive_verbs{"receive on mailbox", "receive_for on mailbox"};
  static constexpr const char* close_verb = "close mailbox";

  static Mailbox make(const Name& name, std::size_t capacity, const MailboxOptions& options,
                      detail::Status& status) noexcept {
    namespace mb = detail::mailbox;
    const detail::NameCheck check = detail::check_argument(name, status);
    if (status) return {};
    const mb::CreateOptions create{static_cast<detail::WaitMode>(options.wait), options.max_senders,
                                   detail::security_request(options.security)};
    if (!detail::check_security(create.security, status)) return {};
    Mailbox mailbox;
    mailbox.core_ = mb::Core::create(name.utf8(), check.parts, capacity, create, status);
    if (status) return {};
    if (!detail::allocate_or_report(status, [&] { mailbox.probes_.resize(mailbox.core_.table().count()); })) {
      return {};
    }
    return mailbox;
  }

  static bool remove_stale(const Name& name, detail::Status& status) noexcept {
    const detail::NameCheck check = detail::check_argument(name, status);
    return !status && detail::mailbox::Core::remove_stale(check.parts, status);
  }

  std::string close_now(detail::Status& status) noexcept {
    held_ = 0;
    return core_.close(status);
  }

  /// Done with the message received last, as receive() is before it looks for the next: the
  /// head moves on, published in its batch.
  void release_held() noexcept {
    if (held_ != 0) finish_record(std::exchange(held_, 0), false);
  }

  /// Publishes the head, if it moved since the last time (seq_cst: the store half of the
  /// handshake with senders that wait for room), then wakes the senders that sleep.
  void publish_head() noexcept {
    if (published_ == position_) return;
    published_ = position_;
    core_.header().head.store(position_, std::memory_order_seq_cst);
    core_.wake_members();
  }

  /// Done with the record of `bytes` at the head: frees its claim word for the next lap and
  /// moves the head past it. `help`: the record's claimant may not have moved `tail` past it
  /// (padding, a dead sender's claim), so do it first: a sender must never find the word freed
  /// while `tail` still points at it. The head is published in batches (see head_batch).
  void finish_record(std::uint64_t bytes, bool help) noexcept {
    namespace mb = detail::mailbox;
    if (help) core_.help_tail(position_, position_ + bytes);
    core_.claim(position_).store(mb::free_word(position_ / mb::granule + core_.granules()), std::memory_order_release);
    position_ += bytes;
    if (position_ - published_ >= head_batch || core_.header().sleepers.load(std::memory_order_relaxed) != 0) {
      publish_head();
    }
  }

  /// True if a record of `extent` granules at the head lies within the ring, as every record
  /// a sender claims does; `message`: and is no longer than the largest message.
  bool fits(std::uint64_t extent, bool message) const noexcept {
    namespace mb = detail::mailbox;
    return extent != 0 && (position_ & core_.mask()) + extent * mb::granule <= core_.capacity() &&
           (!message || extent <= mb::extent_for(mb::max_message(core_.capacity())));
  }

  /// True if the word at the head is a claim that the receiver may check with the OS now: once
  /// the same claim has held the head for a wait_slice, and then once per wait_slice. For the
  /// receives that do not wait long enough for the wait's own checks (try_receive).
  bool check_due(std::uint64_t word) noexcept {
    if (word != watched_word_ || position_ != watched_position_) {
      // The first sighting reads no clock: a claim at the head is most often a sender in the
      // middle of its copy, gone by the next look.
      watched_word_ = word;
      watched_position_ = position_;
      watched_since_ = (Clock::time_point::min)();
      return false;
    }
    const auto now = Clock::now();
    if (watched_since_ == (Clock::time_point::min)()) watched_since_ = now;
    if (now - watched_since_ < detail::wait_slice) return false;
    watched_since_ = now;
    return true;
  }

  /**
   * True if the sender that made the pending claim `word` at the head has gone: its slot has
   * another generation, or the OS says that its holder died (or left it), and the word is still
   * the same. A live sender never leaves its slot with an open claim, so only a death leaves one.
   */
  bool claimant_gone(std::uint64_t word) noexcept {
    namespace mb = detail::mailbox;
    const unsigned index = mb::slot_of(word);
    const detail::Slot& slot = core_.table()[index];
    const auto same_generation = [&] {
      return (slot.generation.load(std::memory_order_seq_cst) & mb::generation_mask) == mb::generation_of(word);
    };
    if (same_generation() &&
        probes_[index].holder(core_.handle(), core_.table().words(index), true) == detail::Holder::attached &&
        same_generation()) {
      return false;
    }
    return core_.claim(position_).load(std::memory_order_seq_cst) == word;
  }

  /// Waits for a record at the head; `peer_died` means that the claim there is abandoned.
  detail::Wait wait_for_record(Clock::time_point deadline, detail::Status& status) noexcept {
    namespace mb = detail::mailbox;
    const auto has_record = [&] {
      const mb::Kind kind = mb::kind_of(core_.claim(position_).load(std::memory_order_seq_cst));
      return kind == mb::kind_message || kind == mb::kind_padding;
    };
    const auto claimant = [&](bool ask_os) {
      const std::uint64_t word = core_.claim(position_).load(std::memory_order_seq_cst);
      if (mb::kind_of(word) != mb::kind_pending || !(check_due(word) || ask_os)) return detail::Wait::ready;
      return claimant_gone(word) ? detail::Wait::peer_died : detail::Wait::ready;
    };
    return core_.wait(has_record, claimant, deadline, status);
  }

  std::optional<Message> damaged(detail::Status& status) noexcept {
    status.set(std::errc::bad_message, "the mailbox's ring is damaged (a claim word does not fit the ring)");
    return std::nullopt;
  }

  std::optional<Message> receive_until(Clock::time_point deadline, detail::Status& status) noexcept {
    namespace mb = detail::mailbox;
    if (!core_.valid()) {
      status.set(std::errc::invalid_argument, "the mailbox is empty (default-constructed, moved from or closed)");
      return std::nullopt;
    }
    release_held();
    for (;;) {
      const std::uint64_t word = core_.claim(position_).load(std::memory_order_acquire);
      const std::uint64_t extent = mb::extent_of(word);
      switch (mb::kind_of(word)) {
        case mb::kind_message:
          if (!fits(extent, true) || mb::length_of(word) > extent * mb::granule) return damaged(status);
          held_ = extent * mb::granule;
          return Message(core_.bytes_at(position_), static_cast<std::size_t>(mb::length_of(word)));
        case mb::kind_padding:
          if (!fits(extent, false)) return damaged(status);
          finish_record(extent * mb::granule, true);
          continue;
        case mb::kind_pending:
          if (!fits(extent, true) || mb::slot_of(word) == detail::hub_slot ||
              mb::slot_of(word) >= core_.table().count()) {
            return damaged(status);
          }
          break;
        case mb::kind_free:
          break;
      }
      publish_head();  // before any wait: senders may be waiting for exactly this room
      switch (wait_for_record(deadline, status)) {
        case detail::Wait::ready:
        case detail::Wait::peer_closed:
          break;
        case detail::Wait::peer_died: {  // an abandoned claim: skip it
          ++abandoned_;
          finish_record(mb::extent_of(core_.claim(position_).load(std::memory_order_acquire)) * mb::granule, true);
          break;
        }
        case detail::Wait::timed_out:
        case detail::Wait::failed:
          return std::nullopt;
      }
    }
  }

  /**
   * How far the head may move before it is published. Publishing is a seq_cst store, which
   * waits for the claim word just freed to reach the senders' side: once per message it cost
   * the 64-byte stream half its speed (the ring then stays full, and the sender, spinning on
   * the head, takes its line away between every two stores). A sender that sleeps for room
   * announces itself in `sleepers`, which the receiver reads after each record, and is woken
   * then; one that announced just after that read, or that spins, sees the head within the
   * next 512 bytes the receiver reads, or when the receiver next waits or calls release().
   */
  static constexpr std::uint64_t head_batch = 8 * detail::mailbox::granule;

  detail::mailbox::Core core_;
  std::vector<detail::Liveness> probes_;  ///< per slot: what asks the OS about its sender
  std::uint64_t position_ = 0;            ///< stream position of the next record to read
  std::uint64_t published_ = 0;           ///< the head as the senders know it
  std::uint64_t held_ = 0;                ///< bytes of the record received and not yet released
  std::uint64_t abandoned_ = 0;
  std::uint64_t watched_word_ = 0;  ///< the claim at the head that check_due() times
  std::uint64_t watched_position_ = ~std::uint64_t{0};
  Clock::time_point watched_since_{};
};

/**
 * One sender to a mailbox: any number of them, in any number of processes and threads (each
 * its own MailboxSender, up to MailboxOptions::max_senders at once), send to the one receiver.
 *
 * send() copies a message in; prepare() + commit() let the caller build it in the ring. Both
 * claim room with an atomic operation on the claim word of the record (no lock, so a sender
 * that dies holds up no other sender; see detail/mailbox_layout.hpp) and wait while the ring is
 * full, as MailboxSenderOptions::wait says. A sender's messages arrive in the order it sent
 * them. Until a prepared message is committed, the receiver waits for it (and messages that
 * other senders claimed after it wait behind it): commit soon. A reservation that is not
 * committed (prepare() followed by prepare(), send(), close() or the destructor) is dropped:
 * the receiver skips it. try_send() never waits, send_for() at most its timeout: both return
 * false also when there is no room in time (state() still says `open`).
 *
 * The receiver's end: once it has closed, send() returns false (prepare() an empty span) and
 * state() says `closed`. If it dies, a sender that waits for room learns it from the OS (within
 * 50 ms) and returns false with state() `peer_died`; a sender that never waits learns it only
 * from check_receiver(): messages sent in between are lost with the receiver.
 *
 * Lifetime: as regions: a sender keeps the mailbox's region alive. Thread safety: one thread
 * at a time per sender; two threads send concurrently through two senders. Move-only; a
 * moved-from sender is empty, and destroying one (or moving onto it) drops its reservation and
 * gives up its slot, as close() does, but silently.
 *
 * Example:
 * @code
 *   auto out = namedshm::MailboxSender::open("Local\\jobs");
 *   auto room = out.prepare(sizeof(Job));          // zero-copy: build the job in the ring...
 *   new (room.data()) Job{42, "resize"};
 *   out.commit(sizeof(Job));                       // ...and hand it to the receiver
 *   if (!out.send(&done, sizeof done)) std::cerr << "the service has gone\n";
 * @endcode
 */
class MailboxSender : public detail::EndpointAccessors<MailboxSender, detail::mailbox::max_message>,
                      public SendCalls<MailboxSender> {
  using Clock = detail::mailbox::Clock;

 public:
  /// An empty sender. Does not throw.
  MailboxSender() noexcept = default;
  /// Takes over `other`'s slot and reservation; `other` is left empty. Does not throw.
  MailboxSender(MailboxSender&& other) noexcept
      : core_(std::move(other.core_)),
        generation_(other.generation_),
        tail_(other.tail_),
        cached_head_(other.cached_head_),
        start_(other.start_),
        claimed_(other.claimed_),
        prepared_(std::exchange(other.prepared_, no_reservation)),
        state_(std::exchange(other.state_, ChannelState::closed)) {}
  /// Closes this sender (as the destructor does), then takes over `other`'s slot. Does not throw.
  MailboxSender& operator=(MailboxSender&& other) noexcept {
    if (this != &other) {
      drop();
      core_ = std::move(other.core_);
      generation_ = other.generation_;
      tail_ = other.tail_;
      cached_head_ = other.cached_head_;
      start_ = other.start_;
      claimed_ = other.claimed_;
      prepared_ = std::exchange(other.prepared_, no_reservation);
      state_ = std::exchange(other.state_, ChannelState::closed);
    }
    return *this;
  }
  MailboxSender(const MailboxSender&) = delete;
  MailboxSender& operator=(const MailboxSender&) = delete;
  /// Drops a reservation and gives up the slot. Does not throw.
  ~MailboxSender() { drop(); }

  /**
   * Opens the mailbox `name` as a new sender, in a free sender slot. Fails with
   * `std::errc::no_such_file_or_directory` if there is none, `std::errc::invalid_argument` if
   * the region of that name is not a mailbox or the wait policy is outside WaitPolicy,
   * `std::errc::device_or_resource_busy` if every sender slot is held by a live sender
   * (MailboxOptions::max_senders; a dead sender's slot is free). Throws std::system_error.
   */
  [[nodiscard]] static MailboxSender open(const Name& name, const MailboxSenderOptions& options = {}) {
    return detail::or_throw({"open mailbox sender", name.utf8()},
                            [&](detail::Status& status) { return make(name, options, status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static MailboxSender open(const Name& name, std::error_code& ec) noexcept {
    return open(name, MailboxSenderOptions{}, ec);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static MailboxSender open(const Name& name, const MailboxSenderOptions& options,
                                          std::error_code& ec) noexcept {
    return detail::or_report(ec, [&](detail::Status& status) { return make(name, options, status); });
  }

  /// Mailbox::remove_if_stale(name). Throws std::system_error.
  static bool remove_if_stale(const Name& name) { return Mailbox::remove_if_stale(name); }
  /// As above; reports failure through `ec`. Does not throw.
  static bool remove_if_stale(const Name& name, std::error_code& ec) noexcept {
    return Mailbox::remove_if_stale(name, ec);
  }

  /// `open` while sending may succeed; `closed` once the receiver closed (or this sender is
  /// empty); `peer_died` once a wait for room, or check_receiver(), found the receiver dead.
  /// Makes no system call. Does not throw.
  [[nodiscard]] ChannelState state() const noexcept {
    if (!core_.valid()) return ChannelState::closed;
    if (state_ == ChannelState::open && receiver_closed()) return ChannelState::closed;
    return state_;
  }

  /// As state(), but first asks the OS whether the receiver still lives (POSIX: one fcntl;
  /// Windows: OpenProcess and a wait of 0 on it, the first time). Does not throw.
  [[nodiscard]] ChannelState check_receiver() noexcept {
    if (core_.valid() && state_ == ChannelState::open) note_receiver(core_.hub(true));
    return state();
  }

  // max_message_size(), capacity(), valid(), name(), close(): see EndpointAccessors. close()
  // drops a reservation and gives up the slot.

 private:
  friend class detail::EndpointAccessors<MailboxSender, detail::mailbox::max_message>;
  friend class SendCalls<MailboxSender>;
  static constexpr detail::channel::SendVerbs send_verbs{
      "send on mailbox", "try_send on mailbox", "send_for on mailbox", "prepare on mailbox", "commit on mailbox"};
  static constexpr const char* close_verb = "close mailbox sender";
  static constexpr std::uint64_t no_reservation = ~std::uint64_t{0};

  static MailboxSender make(const Name& name, const MailboxSenderOptions& options, detail::Status& status) noexcept {
    namespace mb = detail::mailbox;
    const detail::NameCheck check = detail::check_argument(name, status);
    if (status) return {};
    const auto policy = static_cast<detail::WaitMode>(options.wait);
    if (!detail::valid_mode(policy)) {
      status.set(std::errc::invalid_argument, "the wait policy is not one of WaitPolicy's values");
      return {};
    }
    MailboxSender sender;
    sender.core_ = mb::Core::open(name.utf8(), check.parts, policy, status);
    if (status) return {};
    // The generation that this sender's claims carry: the receiver tells a claim of a sender
    // that died from one of the sender that took the slot after it.
    sender.generation_ = sender.core_.slot().generation.load(std::memory_order_seq_cst);
    sender.core_.publish_attached();
    sender.tail_ = sender.core_.header().tail.load(std::memory_order_acquire);
    sender.cached_head_ = sender.core_.header().head.load(std::memory_order_acquire);
    sender.state_ = ChannelState::open;
    return sender;
  }

  std::string close_now(detail::Status& status) noexcept {
    drop();
    state_ = ChannelState::closed;
    return core_.close(status);
  }

  bool receiver_closed() const noexcept {
    return core_.table()[detail::hub_slot].state.load(std::memory_order_acquire) == detail::slot_closed;
  }

  /// Records what a look at the receiver's slot found.
  void note_receiver(detail::Holder receiver) noexcept {
    if (receiver == detail::Holder::closed) state_ = ChannelState::closed;
    if (receiver == detail::Holder::died) state_ = ChannelState::peer_died;
  }

  /// Turns an uncommitted reservation into padding, which the receiver skips.
  void drop() noexcept {
    if (std::exchange(prepared_, no_reservation) == no_reservation || !core_.valid()) return;
    core_.claim(start_).store(detail::mailbox::padding_word(claimed_ / detail::mailbox::granule),
                              std::memory_order_seq_cst);
    core_.wake_hub();
  }

  /// True once `bytes` from the tail hint are free, after waiting until `deadline` for the
  /// receiver if need be. Reads the shared head only when the copy this sender keeps says the
  /// ring is full.
  bool room_for(std::uint64_t bytes, Clock::time_point deadline, detail::Status& status) noexcept {
    const std::uint64_t capacity = core_.capacity();
    if (tail_ + bytes <= cached_head_ + capacity) return true;
    auto& head = core_.header().head;
    cached_head_ = head.load(std::memory_order_acquire);
    if (tail_ + bytes <= cached_head_ + capacity) return true;
    const auto has_room = [&] {
      cached_head_ = head.load(std::memory_order_seq_cst);
      return tail_ + bytes <= cached_head_ + capacity;
    };
    const auto receiver = [&](bool ask_os) { return detail::peer_wait(core_.hub(ask_os)); };
    switch (core_.wait(has_room, receiver, deadline, status)) {
      case detail::Wait::ready:
        return true;
      case detail::Wait::peer_closed:
        state_ = ChannelState::closed;
        return false;
      case detail::Wait::peer_died:
        state_ = ChannelState::peer_died;
        return false;
      case detail::Wait::timed_out:
      case detail::Wait::failed:
        break;
    }
    return false;
  }

  /// What a claim word at the tail hint means for this sender: claim there, or look again.
  enum class Look : unsigned char { claimable, moved_on, damaged };

  /// Reads the claim word at the tail hint: `claimable` (free for this lap), or `moved_on`
  /// after moving the hint (past another sender's record, helping `tail` along; or to `tail`
  /// if the hint is stale), or `damaged`. `word` is what it read.
  Look look_at_tail(std::uint64_t& word) noexcept {
    namespace mb = detail::mailbox;
    auto& tail = core_.header().tail;
    word = core_.claim(tail_).load(std::memory_order_acquire);
    if (mb::kind_of(word) == mb::kind_free) {
      if (mb::free_from(word) <= tail_ / mb::granule) return Look::claimable;
      tail_ = tail.load(std::memory_order_acquire);  // the receiver is done with a record here: stale
      return Look::moved_on;
    }
    const std::uint64_t extent = mb::extent_of(word);
    if (extent == 0 || (tail_ & core_.mask()) + extent * mb::granule > core_.capacity()) return Look::damaged;
    core_.help_tail(tail_, tail_ + extent * mb::granule);
    tail_ = tail.load(std::memory_order_acquire);
    return Look::moved_on;
  }

  /// Claims room for a message of `size` bytes, after a padding record if it would cross the
  /// end of the ring; the room, or null if the receiver has gone, the deadline passed, or on
  /// error (`status`).
  std::byte* reserve(std::size_t size, Clock::time_point deadline, detail::Status& status) noexcept {
    namespace mb = detail::mailbox;
    drop();
    if (!core_.valid()) {
      status.set(std::errc::invalid_argument, "the sender is empty (default-constructed, moved from or closed)");
      return nullptr;
    }
    if (size > mb::max_message(core_.capacity())) {
      status.set(std::errc::message_size, "the message is larger than max_message_size()");
      return nullptr;
    }
    if (state_ != ChannelState::open) return nullptr;
    if (receiver_closed()) {
      state_ = ChannelState::closed;
      return nullptr;
    }
    const std::uint64_t need = mb::extent_for(size) * mb::granule;
    for (;;) {
      const std::uint64_t offset = tail_ & core_.mask();
      const bool wraps = offset + need > core_.capacity();
      const std::uint64_t bytes = wraps ? core_.capacity() - offset : need;
      if (!room_for(bytes, deadline, status)) return nullptr;
      std::uint64_t word = 0;
      const Look look = look_at_tail(word);
      if (look == Look::damaged) {
        status.set(std::errc::bad_message, "the mailbox's ring is damaged (a claim word does not fit the ring)");
        return nullptr;
      }
      if (look == Look::moved_on) continue;
      // The claim: one CAS that also says who claimed, and how much (see the design).
      const std::uint64_t claim = wraps ? mb::padding_word(bytes / mb::granule)
                                        : mb::pending_word(bytes / mb::granule, core_.index(), generation_);
      if (!core_.claim(tail_).compare_exchange_strong(word, claim, std::memory_order_acq_rel,
                                                      std::memory_order_acquire)) {
        continue;  // another sender claimed it first: look again
      }
      const std::uint64_t at = tail_;
      core_.help_tail(at, at + bytes);
      tail_ = at + bytes;
      if (wraps) {
        core_.wake_hub();  // the receiver may wait at exactly this padding
        continue;
      }
      start_ = at;
      claimed_ = bytes;
      return core_.bytes_at(at);
    }
  }

  /// Commits the reserved record with `size` bytes (seq_cst: also the store half of the
  /// handshake with a sleeping receiver), then wakes the receiver if it sleeps.
  void publish(std::size_t size) noexcept {
    namespace mb = detail::mailbox;
    core_.claim(start_).store(mb::message_word(size, claimed_ / mb::granule), std::memory_order_seq_cst);
    prepared_ = no_reservation;
    core_.wake_hub();
  }

  bool send_until(const void* data, std::size_t size, Clock::time_point deadline, detail::Status& status) noexcept {
    if (data == nullptr && size != 0) {
      status.set(std::errc::invalid_argument, "the message's data is null");
      return false;
    }
    std::byte* room = reserve(size, deadline, status);
    if (room == nullptr) return false;
    if (size != 0) std::memcpy(room, data, size);
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

  detail::mailbox::Core core_;
  std::uint32_t generation_ = 0;   ///< this sender's slot generation, which its claims carry
  std::uint64_t tail_ = 0;         ///< where this sender looks for room next: a record boundary
  std::uint64_t cached_head_ = 0;  ///< the receiver's head as last read
  std::uint64_t start_ = 0;        ///< the reserved record's position
  std::uint64_t claimed_ = 0;      ///< the reserved record's bytes
  std::uint64_t prepared_ = no_reservation;
  ChannelState state_ = ChannelState::closed;
};

}  // namespace namedshm

#endif  // NAMEDSHM_MAILBOX_HPP
