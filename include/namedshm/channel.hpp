// namedshm: a single-producer, single-consumer byte channel between two processes, by name.
// SPDX-License-Identifier: MIT
//
//   auto out = namedshm::ChannelSender::create("Local\\frames", 1 << 20);   // process A
//   out.send(frame.data(), frame.size());
//
//   auto in = namedshm::ChannelReceiver::open("Local\\frames");              // process B
//   while (auto message = in.receive()) consume(*message);                   // zero-copy
#ifndef NAMEDSHM_CHANNEL_HPP
#define NAMEDSHM_CHANNEL_HPP

#include <atomic>        // std::atomic, std::memory_order
#include <chrono>        // timeouts
#include <cstddef>       // std::byte, std::size_t
#include <cstdint>       // std::uint64_t
#include <cstring>       // std::memcpy
#include <optional>      // std::optional, what receive() returns
#include <string>        // std::string, the name
#include <system_error>  // std::error_code, std::system_error, std::errc
#include <utility>       // std::exchange, std::move

#include "detail/channel_endpoint.hpp"  // detail::channel::Endpoint, the machinery of both ends
#include "detail/timeout.hpp"           // timeout_ns, steady_deadline
#include "namedshm.hpp"                 // Name, Span, SecurityOptions, detail::check_argument

namespace namedshm {

/// How an endpoint waits for room (sender) or for a message (receiver).
enum class WaitPolicy : unsigned char {
  /// Busy-wait: lowest latency, one core kept busy. Pauses the CPU at first, then also yields
  /// the thread (after about 200 us) so that a starved peer on the same core can run.
  spin,
  /// Sleep in the kernel on an event at once: no CPU while waiting, a system call per wake-up.
  block,
  /// Busy-wait for about 50 us, then sleep as `block` does. The default.
  spin_then_block,
};

/// Where a channel's stream stands, as seen by one endpoint.
enum class ChannelState : unsigned char {
  /// Messages may still come (receiver) or go (sender).
  open,
  /// Ended cleanly: the peer closed (after its last message, for a receiver), or this
  /// endpoint is empty.
  closed,
  /// The peer's process died (the OS says so; no timeout is guessed).
  peer_died,
};

static_assert(static_cast<int>(WaitPolicy::spin) == static_cast<int>(detail::channel::WaitMode::spin) &&
                  static_cast<int>(WaitPolicy::block) == static_cast<int>(detail::channel::WaitMode::block) &&
                  static_cast<int>(WaitPolicy::spin_then_block) ==
                      static_cast<int>(detail::channel::WaitMode::spin_then_block),
              "WaitPolicy and detail::channel::WaitMode must list the same values in the same order");

/// How to make or open a channel endpoint; every field has a safe default.
struct ChannelOptions {
  /// How this endpoint waits. Each side chooses its own; they need not agree.
  WaitPolicy wait = WaitPolicy::spin_then_block;
  /// Who may use the channel's region and events when this endpoint creates them.
  SecurityOptions security;
};

namespace detail::channel {

/// The deadline `timeout` from now: min() for "do not wait", max() for "for ever".
template <class Rep, class Period>
Clock::time_point deadline_after(const std::chrono::duration<Rep, Period>& timeout) noexcept {
  return steady_deadline(timeout_ns(timeout), Clock::now());
}

/**
 * What both endpoint classes offer alike, written once: create, open, remove_if_stale, close,
 * and the accessors of the shared core. `Endpoint` is ChannelSender or ChannelReceiver; it
 * names its role and verbs, finishes itself in `attached()`, and keeps the core in `core_`.
 */
template <class Endpoint>
class Factories {
 public:
  /// The largest message a sender may send: capacity() / 2 - 16; 0 for an empty endpoint.
  /// Does not throw.
  [[nodiscard]] std::size_t max_message_size() const noexcept {
    const auto& core = self().core_;
    return core.valid() ? static_cast<std::size_t>(max_message(core.capacity())) : 0;
  }
  /// The ring's size in bytes (a power of two); 0 for an empty endpoint. Does not throw.
  [[nodiscard]] std::size_t capacity() const noexcept { return static_cast<std::size_t>(self().core_.capacity()); }
  /// True if the endpoint is attached to a channel. Does not throw.
  [[nodiscard]] bool valid() const noexcept { return self().core_.valid(); }
  /// The channel's name as given; empty for an empty endpoint. Does not throw.
  [[nodiscard]] const std::string& name() const noexcept { return self().core_.name(); }

  /**
   * Creates the channel with a ring of `capacity` bytes, rounded up to a power of two of at
   * least 4096 (capacity() says what it became), and attaches as this end. Fails with
   * `std::errc::file_exists` if the name exists, `std::errc::invalid_argument` for capacity 0
   * or above 2 GiB, `std::errc::filename_too_long` for a name of more than 249 bytes after its
   * prefix. Throws std::system_error.
   */
  [[nodiscard]] static Endpoint create(const Name& name, std::size_t capacity, const ChannelOptions& options = {}) {
    return or_throw({verb("create channel sender", "create channel receiver"), name.utf8(), capacity},
                    [&](Status& status) { return make(name, true, capacity, options, status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Endpoint create(const Name& name, std::size_t capacity, std::error_code& ec) noexcept {
    return create(name, capacity, ChannelOptions{}, ec);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Endpoint create(const Name& name, std::size_t capacity, const ChannelOptions& options,
                                       std::error_code& ec) noexcept {
    return or_report(ec, [&](Status& status) { return make(name, true, capacity, options, status); });
  }

  /**
   * Opens an existing channel as this end. Fails with `std::errc::no_such_file_or_directory`
   * if there is none, `std::errc::invalid_argument` if the region of that name is not a
   * channel, `std::errc::device_or_resource_busy` if a live endpoint of this kind is attached.
   * Throws std::system_error.
   */
  [[nodiscard]] static Endpoint open(const Name& name, const ChannelOptions& options = {}) {
    return or_throw({verb("open channel sender", "open channel receiver"), name.utf8()},
                    [&](Status& status) { return make(name, false, 0, options, status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Endpoint open(const Name& name, std::error_code& ec) noexcept {
    return open(name, ChannelOptions{}, ec);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Endpoint open(const Name& name, const ChannelOptions& options, std::error_code& ec) noexcept {
    return or_report(ec, [&](Status& status) { return make(name, false, 0, options, status); });
  }

  /**
   * POSIX: removes each of the channel's three names (`name`, `name.ready`, `name.room`) whose
   * object no live namedshm handle holds, as SharedRegion::remove_if_stale does for one.
   * Rarely needed since 0.3.0: a channel's names go with its last endpoint, and one whose
   * endpoints all died is cleared by the next create or open; it serves channels made by
   * earlier versions. Returns true if it removed any. Windows: returns false, as nothing
   * outlives its last handle there. Throws std::system_error.
   */
  static bool remove_if_stale(const Name& name) {
    return or_throw({"remove_if_stale channel", name.utf8()},
                    [&](Status& status) { return remove_stale(name, status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  static bool remove_if_stale(const Name& name, std::error_code& ec) noexcept {
    return or_report(ec, [&](Status& status) { return remove_stale(name, status); });
  }

  /**
   * Detaches and releases now, as the destructor would (see close() of each end), and reports
   * what the destructor must swallow: on POSIX, a last endpoint's name that could not be removed.
   * The endpoint is empty afterwards either way; closing an empty one does nothing.
   * Throws std::system_error.
   */
  void close() {
    close_or_throw(verb("close channel sender", "close channel receiver"),
                   [&](Status& status) { return self().close_now(status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  void close(std::error_code& ec) noexcept {
    or_report(ec, [&](Status& status) { static_cast<void>(self().close_now(status)); });
  }

 private:
  /// What a message says this end was doing: the sender's words or the receiver's.
  static constexpr const char* verb(const char* sender, const char* receiver) noexcept {
    return Endpoint::role == Role::sender ? sender : receiver;
  }

  const Endpoint& self() const noexcept { return static_cast<const Endpoint&>(*this); }
  Endpoint& self() noexcept { return static_cast<Endpoint&>(*this); }

  static Endpoint make(const Name& name, bool create, std::size_t capacity, const ChannelOptions& options,
                       Status& status) noexcept {
    const NameCheck check = check_argument(name, status);
    if (status) return {};
    const EndpointOptions endpoint_options{static_cast<WaitMode>(options.wait), security_request(options.security)};
    if (!check_security(endpoint_options.security, status)) return {};
    Endpoint endpoint;
    endpoint.core_ =
        channel::Endpoint::make(name.utf8(), check.parts, Endpoint::role, create, capacity, endpoint_options, status);
    if (status) return {};
    endpoint.attached();
    return endpoint;
  }

  static bool remove_stale(const Name& name, Status& status) noexcept {
    const NameCheck check = check_argument(name, status);
    return !status && channel::Endpoint::remove_stale(name.utf8(), check.parts, status);
  }
};

/// The verbs that a sender's error messages begin with ("send on channel", ...).
struct SendVerbs {
  const char* send;
  const char* try_send;
  const char* send_for;
  const char* prepare;
  const char* commit;
};

/// The verbs that a receiver's error messages begin with ("receive on channel", ...).
struct ReceiveVerbs {
  const char* receive;
  const char* receive_for;
};

}  // namespace detail::channel

/**
 * The sending calls of every stream's sender (ChannelSender, BroadcastSender, MailboxSender),
 * each in its two forms, written once. `Sender` provides `name()`, `send_verbs` and, for this
 * class alone (a friend), the three steps that do the work without throwing:
 * `send_until(data, size, deadline, status)`, `prepare_message(size, status)` and
 * `commit_message(size, status)`. What a false return means (a full ring, a receiver that has
 * gone) is each sender's own, and its class documentation says it. A base class only: use it
 * through the senders.
 */
template <class Sender>
class SendCalls {
  using Clock = detail::channel::Clock;

 public:
  /**
   * Copies `size` bytes from `data` into the ring as one message, waiting (as the sender's
   * WaitPolicy says) while there is no room. Returns true once the message is published;
   * false, sending nothing, if it cannot be (see the sender's class: its receiver has gone).
   * Throws std::system_error: `std::errc::message_size` if size > max_message_size(),
   * `std::errc::invalid_argument` for an empty sender or null data with a size, or an OS error
   * of the wait.
   */
  [[nodiscard]] bool send(const void* data, std::size_t size) {
    return detail::or_throw({Sender::send_verbs.send, self().name(), size},
                            until(data, size, (Clock::time_point::max)()));
  }
  /// As above; reports failure through `ec` (and returns false). Does not throw.
  [[nodiscard]] bool send(const void* data, std::size_t size, std::error_code& ec) noexcept {
    return detail::or_report(ec, until(data, size, (Clock::time_point::max)()));
  }
  /// send(message.data(), message.size()). Throws std::system_error.
  [[nodiscard]] bool send(Span<const std::byte> message) { return send(message.data(), message.size()); }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] bool send(Span<const std::byte> message, std::error_code& ec) noexcept {
    return send(message.data(), message.size(), ec);
  }

  /// As send(), but never waits: false if there is no room now (or send() would return false).
  /// It does not ask the OS whether a receiver lives. Throws std::system_error.
  [[nodiscard]] bool try_send(const void* data, std::size_t size) {
    return detail::or_throw({Sender::send_verbs.try_send, self().name(), size},
                            until(data, size, (Clock::time_point::min)()));
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] bool try_send(const void* data, std::size_t size, std::error_code& ec) noexcept {
    return detail::or_report(ec, until(data, size, (Clock::time_point::min)()));
  }

  /// As send(), but waits at most `timeout` for room: false if there was none in time (or send()
  /// would return false). Throws std::system_error.
  template <class Rep, class Period>
  [[nodiscard]] bool send_for(const void* data, std::size_t size, const std::chrono::duration<Rep, Period>& timeout) {
    return detail::or_throw({Sender::send_verbs.send_for, self().name(), size},
                            until(data, size, detail::channel::deadline_after(timeout)));
  }
  /// As above; reports failure through `ec`. Does not throw.
  template <class Rep, class Period>
  [[nodiscard]] bool send_for(const void* data, std::size_t size, const std::chrono::duration<Rep, Period>& timeout,
                              std::error_code& ec) noexcept {
    return detail::or_report(ec, until(data, size, detail::channel::deadline_after(timeout)));
  }

  /**
   * Zero-copy sending, step 1: waits for room for a message of `size` bytes (as send() does)
   * and returns that room in the ring; write the message there and commit() it. The span stays
   * valid until commit(), the next prepare() or send() (which drop an uncommitted reservation)
   * or close(). Returns a span with `data() == nullptr` where send() would return false;
   * prepare(0) gives a non-null empty span. Throws std::system_error:
   * `std::errc::message_size` if size > max_message_size().
   */
  [[nodiscard]] Span<std::byte> prepare(std::size_t size) {
    return detail::or_throw({Sender::send_verbs.prepare, self().name(), size},
                            [&](detail::Status& status) { return self().prepare_message(size, status); });
  }
  /// As above; reports failure through `ec` (and returns an empty span). Does not throw.
  [[nodiscard]] Span<std::byte> prepare(std::size_t size, std::error_code& ec) noexcept {
    return detail::or_report(ec, [&](detail::Status& status) { return self().prepare_message(size, status); });
  }

  /**
   * Zero-copy sending, step 2: publishes the first `size` bytes of the room that prepare()
   * returned as one message. Throws std::system_error with `std::errc::invalid_argument` if
   * there is no reservation or `size` is larger than the one prepared (the reservation then
   * stays, so a correct commit may follow).
   */
  void commit(std::size_t size) {
    detail::or_throw({Sender::send_verbs.commit, self().name(), size},
                     [&](detail::Status& status) { self().commit_message(size, status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  void commit(std::size_t size, std::error_code& ec) noexcept {
    detail::or_report(ec, [&](detail::Status& status) { self().commit_message(size, status); });
  }

 private:
  Sender& self() noexcept { return static_cast<Sender&>(*this); }
  /// The step behind send(), try_send() and send_for(): one message, waiting until `deadline`.
  auto until(const void* data, std::size_t size, Clock::time_point deadline) noexcept {
    return [this, data, size, deadline](detail::Status& status) {
      return self().send_until(data, size, deadline, status);
    };
  }
};

/**
 * The receiving calls of every stream's receiver (ChannelReceiver, BroadcastReceiver,
 * Mailbox), each in its two forms, written once. `Receiver` provides `name()`,
 * `receive_verbs` and, for this class alone (a friend), `receive_until(deadline, status)`,
 * which does the work without throwing. When std::nullopt means the end of the stream is each
 * receiver's own, and its class documentation says it. A base class only: use it through the
 * receivers.
 */
template <class Receiver>
class ReceiveCalls {
  using Clock = detail::channel::Clock;

 public:
  /**
   * Releases the previous message, then waits for the next one and returns a view of it (see
   * the receiver's class); std::nullopt at the end of the stream of a channel or broadcast
   * (see state()), never otherwise (a mailbox has no end). Throws
   * std::system_error: `std::errc::invalid_argument` for an empty receiver, an OS error of the
   * wait, or (a mailbox) `std::errc::bad_message` if the ring is damaged.
   */
  [[nodiscard]] std::optional<Span<const std::byte>> receive() {
    return detail::or_throw({Receiver::receive_verbs.receive, self().name()}, until((Clock::time_point::max)()));
  }
  /// As above; reports failure through `ec` (and returns std::nullopt). Does not throw.
  [[nodiscard]] std::optional<Span<const std::byte>> receive(std::error_code& ec) noexcept {
    return detail::or_report(ec, until((Clock::time_point::max)()));
  }

  /// As receive(), but waits at most `timeout`: std::nullopt also if nothing came in time (a
  /// channel's or broadcast's state() then still says `open`). Throws std::system_error.
  template <class Rep, class Period>
  [[nodiscard]] std::optional<Span<const std::byte>> receive_for(const std::chrono::duration<Rep, Period>& timeout) {
    return detail::or_throw({Receiver::receive_verbs.receive_for, self().name()},
                            until(detail::channel::deadline_after(timeout)));
  }
  /// As above; reports failure through `ec`. Does not throw.
  template <class Rep, class Period>
  [[nodiscard]] std::optional<Span<const std::byte>> receive_for(const std::chrono::duration<Rep, Period>& timeout,
                                                                 std::error_code& ec) noexcept {
    return detail::or_report(ec, until(detail::channel::deadline_after(timeout)));
  }

  /// receive_for(0): the next message if one is there now. Throws std::system_error.
  [[nodiscard]] std::optional<Span<const std::byte>> try_receive() { return receive_for(std::chrono::nanoseconds(0)); }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] std::optional<Span<const std::byte>> try_receive(std::error_code& ec) noexcept {
    return receive_for(std::chrono::nanoseconds(0), ec);
  }

 private:
  Receiver& self() noexcept { return static_cast<Receiver&>(*this); }
  /// The step behind every receive: the next message, waiting until `deadline`.
  auto until(Clock::time_point deadline) noexcept {
    return [this, deadline](detail::Status& status) { return self().receive_until(deadline, status); };
  }
};

/**
 * The sending end of a channel: one process's producer of variable-size messages.
 *
 * A channel is a ring of `capacity()` bytes in a region named like the channel, plus two
 * events (`<name>.ready`, `<name>.room`). Either end may create it (giving the capacity); the
 * other opens it. One sender and one receiver may be attached at a time; a second sender is
 * refused with `std::errc::device_or_resource_busy` while the first lives (a dead one is
 * replaced, and the replacement continues after the last message the dead one published).
 *
 * send() copies a message in; prepare() + commit() let the caller build it in the ring.
 * Both wait while the ring is full (back-pressure), as the WaitPolicy says, and return false
 * (an empty span) once the receiver has closed, or has died and the sender had to wait for it.
 * try_send() does not wait and send_for() waits at most its timeout: both also return false
 * when there is no room in time (state() still says `open`). Messages sent before close() are
 * all delivered: the receiver sees the end after the last.
 *
 * Lifetime: as regions and events, on both platforms: the channel's names live while either
 * endpoint is open, so a replacement for a closed or dead end attaches by name as long as the
 * other end is there; they go with the last endpoint. Thread safety: one thread at a time per
 * endpoint. Move-only, and
 * nothing of it throws: a moved-from sender is empty, and moving onto a sender, or destroying
 * it, closes it (end of stream for the receiver) as close() does, but silently.
 *
 * Example:
 * @code
 *   auto out = namedshm::ChannelSender::create("Local\\log", 64 * 1024);
 *   out.send(line.data(), line.size());      // false: the receiver has gone
 *   auto room = out.prepare(256);            // zero-copy: write into the ring...
 *   std::size_t used = format_into(room);
 *   out.commit(used);                        // ...and publish the first `used` bytes
 * @endcode
 */
class ChannelSender : public detail::channel::Factories<ChannelSender>, public SendCalls<ChannelSender> {
 public:
  /// `open` while sending may succeed; `closed` once the receiver closed (or this sender is
  /// empty); `peer_died` once a wait found the receiver dead. Does not throw.
  [[nodiscard]] ChannelState state() const noexcept {
    if (!core_.valid()) return ChannelState::closed;
    if (state_ == ChannelState::open && receiver_closed()) return ChannelState::closed;
    return state_;
  }

  // close() (from Factories) ends the stream: the receiver gets every message sent so far,
  // then the end. An uncommitted reservation is dropped, and the sender becomes empty.

 private:
  friend class detail::channel::Factories<ChannelSender>;
  friend class SendCalls<ChannelSender>;
  static constexpr detail::channel::SendVerbs send_verbs{
      "send on channel", "try_send on channel", "send_for on channel", "prepare on channel", "commit on channel"};
  static constexpr detail::channel::Role role = detail::channel::Role::sender;
  static constexpr std::uint64_t no_reservation = ~std::uint64_t{0};

  /// Factories made the core: starts after the last message a predecessor published.
  void attached() noexcept {
    state_ = ChannelState::open;
    tail_ = find_tail();
  }

  /// Factories' close(): the sender becomes empty; returns the name it had.
  std::string close_now(detail::Status& status) noexcept {
    prepared_ = no_reservation;
    state_ = ChannelState::closed;
    return core_.close(status);
  }

  /// Where the next record goes: after the last one published (by a sender that died, if
  /// this one replaces it). Each record clears the word after it, so the walk ends there.
  std::uint64_t find_tail() noexcept {
    const std::uint64_t head = core_.header().head.load(std::memory_order_acquire);
    cached_head_ = head;
    std::uint64_t position = head;
    while (position - head < core_.capacity()) {
      const std::uint64_t value = core_.word(position).load(std::memory_order_acquire);
      if (!detail::channel::matches(value, position)) break;
      position += detail::channel::record_bytes(detail::channel::length_of(value));
    }
    return position;
  }

  bool receiver_closed() const noexcept {
    const auto index = static_cast<int>(detail::channel::Role::receiver);
    return core_.header().state[index].load(std::memory_order_acquire) == detail::channel::slot_closed;
  }

  bool send_until(const void* data, std::size_t size, detail::channel::Clock::time_point deadline,
                  detail::Status& status) noexcept {
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
    std::byte* room = reserve(size, (detail::channel::Clock::time_point::max)(), status);
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

  /// Room for a message of `size` bytes, after a padding record if it would cross the end of
  /// the ring; null if the receiver has gone, the deadline passed, or on error (`status`).
  std::byte* reserve(std::size_t size, detail::channel::Clock::time_point deadline, detail::Status& status) noexcept {
    namespace ch = detail::channel;
    prepared_ = no_reservation;
    if (!core_.valid()) {
      status.set(std::errc::invalid_argument, "the sender is empty (default-constructed, moved from or closed)");
      return nullptr;
    }
    if (size > ch::max_message(core_.capacity())) {
      status.set(std::errc::message_size, "the message is larger than max_message_size()");
      return nullptr;
    }
    if (state_ != ChannelState::open) return nullptr;
    if (receiver_closed()) {
      state_ = ChannelState::closed;
      return nullptr;
    }
    const std::uint64_t need = ch::record_bytes(size);
    const std::uint64_t offset = tail_ & core_.mask();
    if (offset + need > core_.capacity()) {
      // The message must be contiguous: skip to the start of the ring with a padding record,
      // published at once so that the receiver frees the end of the ring while we wait.
      const std::uint64_t skip = core_.capacity() - offset;
      if (!room_for(skip + ch::word, deadline, status)) return nullptr;
      core_.word(tail_ + skip).store(0, std::memory_order_relaxed);
      core_.word(tail_).store(ch::record_word(ch::kind_padding, tail_, skip - ch::word), std::memory_order_seq_cst);
      tail_ += skip;
      core_.wake(true);
    }
    if (!room_for(need + ch::word, deadline, status)) return nullptr;  // + the word that we clear
    return core_.ring() + (tail_ & core_.mask()) + ch::word;
  }

  /// True once `bytes` from the tail are free. Reads the shared head only when the copy that
  /// this sender keeps says the ring is full.
  bool room_for(std::uint64_t bytes, detail::channel::Clock::time_point deadline, detail::Status& status) noexcept {
    namespace ch = detail::channel;
    const std::uint64_t capacity = core_.capacity();
    if (tail_ + bytes <= cached_head_ + capacity) return true;
    auto& head = core_.header().head;
    cached_head_ = head.load(std::memory_order_acquire);
    if (tail_ + bytes <= cached_head_ + capacity) return true;
    const auto has_room = [&] {
      cached_head_ = head.load(std::memory_order_seq_cst);
      return tail_ + bytes <= cached_head_ + capacity;
    };
    switch (core_.wait(has_room, false, deadline, status)) {
      case ch::Wait::ready:
        return true;
      case ch::Wait::peer_closed:
        state_ = ChannelState::closed;
        return false;
      case ch::Wait::peer_died:
        state_ = ChannelState::peer_died;
        return false;
      case ch::Wait::timed_out:
      case ch::Wait::failed:
        break;
    }
    return false;
  }

  /// Publishes the reserved record with `size` bytes: clears the word after it, then writes
  /// its own word (seq_cst: also the store half of the handshake with a sleeping receiver).
  void publish(std::size_t size) noexcept {
    namespace ch = detail::channel;
    const std::uint64_t next = tail_ + ch::record_bytes(size);
    core_.word(next).store(0, std::memory_order_relaxed);
    core_.word(tail_).store(ch::record_word(ch::kind_message, tail_, size), std::memory_order_seq_cst);
    tail_ = next;
    prepared_ = no_reservation;
    core_.wake(true);
  }

  detail::channel::Endpoint core_;
  std::uint64_t tail_ = 0;         ///< stream position of the next record
  std::uint64_t cached_head_ = 0;  ///< the receiver's head as last read
  std::uint64_t prepared_ = no_reservation;
  ChannelState state_ = ChannelState::closed;
};

/**
 * The receiving end of a channel: one process's consumer of the sender's messages, in order.
 *
 * receive() returns a view of the next message inside the ring (no copy), valid until
 * release(), the next receive(), or close(); it waits as the WaitPolicy says. It returns
 * std::nullopt at the end of the stream, after every message the sender published: state()
 * then says whether the sender closed (`closed`) or died (`peer_died`, noticed by the OS).
 * One receiver may be attached at a time (see ChannelSender); a replacement for a dead one
 * starts at the first message the dead one had not released.
 *
 * Example:
 * @code
 *   auto in = namedshm::ChannelReceiver::open("Local\\log");
 *   while (auto message = in.receive()) {
 *     write_out(message->data(), message->size());   // std::byte span into the ring
 *   }
 *   if (in.state() == namedshm::ChannelState::peer_died) warn("the logger crashed");
 * @endcode
 */
class ChannelReceiver : public detail::channel::Factories<ChannelReceiver>, public ReceiveCalls<ChannelReceiver> {
 public:
  /// The view of one message.
  using Message = Span<const std::byte>;

  /// An empty receiver. Does not throw.
  ChannelReceiver() noexcept = default;
  /// Takes over `other`'s endpoint; `other` is left empty. Does not throw.
  ChannelReceiver(ChannelReceiver&& other) noexcept = default;
  /// Closes this receiver (as the destructor does), then takes over `other`'s endpoint. Does
  /// not throw.
  ChannelReceiver& operator=(ChannelReceiver&& other) noexcept {
    if (this != &other) {
      release();  // the message it holds is done with: a successor starts after it
      core_ = std::move(other.core_);
      position_ = other.position_;
      held_ = std::exchange(other.held_, 0);
      state_ = other.state_;
      ending_ = other.ending_;
    }
    return *this;
  }
  /// Closes: a sender then gets false from send(). Failures cannot be reported here: call
  /// close() first to hear of them. Does not throw.
  ~ChannelReceiver() { release(); }

  /// Frees the last message received (its view becomes invalid) so that the sender can reuse
  /// its room. receive() does it too; calling it twice is harmless. Does not throw.
  void release() noexcept {
    if (held_ == 0 || !core_.valid()) return;
    position_ += held_;
    held_ = 0;
    publish_head();
  }

  /// `open` while messages may come; after receive() returned std::nullopt at the end of the
  /// stream: `closed` (the sender closed, or this receiver is empty) or `peer_died`.
  /// Does not throw.
  [[nodiscard]] ChannelState state() const noexcept { return core_.valid() ? state_ : ChannelState::closed; }

  // close() (from Factories) releases the last message and detaches: a waiting sender
  // returns false. The receiver becomes empty.

 private:
  friend class detail::channel::Factories<ChannelReceiver>;
  friend class ReceiveCalls<ChannelReceiver>;
  static constexpr detail::channel::ReceiveVerbs receive_verbs{"receive on channel", "receive_for on channel"};
  static constexpr detail::channel::Role role = detail::channel::Role::receiver;

  /// Factories made the core: starts at the first message its predecessor had not released.
  void attached() noexcept {
    state_ = ChannelState::open;
    position_ = core_.header().head.load(std::memory_order_acquire);
  }

  /// Factories' close(): the receiver becomes empty; returns the name it had.
  std::string close_now(detail::Status& status) noexcept {
    release();
    state_ = ChannelState::closed;
    ending_ = ChannelState::open;
    return core_.close(status);
  }

  /// Publishes the new head (seq_cst: the store half of the handshake with a sleeping
  /// sender), then wakes the sender if it sleeps.
  void publish_head() noexcept {
    core_.header().head.store(position_, std::memory_order_seq_cst);
    core_.wake(false);
  }

  std::optional<Message> receive_until(detail::channel::Clock::time_point deadline, detail::Status& status) noexcept {
    namespace ch = detail::channel;
    if (!core_.valid()) {
      status.set(std::errc::invalid_argument, "the receiver is empty (default-constructed, moved from or closed)");
      return std::nullopt;
    }
    release();
    if (state_ != ChannelState::open) return std::nullopt;  // the end, once reported, stays
    for (;;) {
      const std::uint64_t value = core_.word(position_).load(std::memory_order_acquire);
      if (ch::matches(value, position_)) {
        const std::uint64_t length = ch::length_of(value);
        if (ch::kind_of(value) == ch::kind_padding) {
          position_ += ch::word + length;
          publish_head();  // the sender may wait for exactly this room
          continue;
        }
        held_ = ch::record_bytes(length);
        return Message(core_.ring() + (position_ & core_.mask()) + ch::word, static_cast<std::size_t>(length));
      }
      if (ending_ != ChannelState::open) {  // the sender has gone, and we have read all it sent
        state_ = ending_;
        return std::nullopt;
      }
      const auto has_message = [&] {
        return ch::matches(core_.word(position_).load(std::memory_order_seq_cst), position_);
      };
      switch (core_.wait(has_message, true, deadline, status)) {
        case ch::Wait::ready:
          break;
        case ch::Wait::peer_closed:
          ending_ = ChannelState::closed;  // read once more: the close came after the last message
          break;
        case ch::Wait::peer_died:
          ending_ = ChannelState::peer_died;
          break;
        case ch::Wait::timed_out:
        case ch::Wait::failed:
          return std::nullopt;
      }
    }
  }

  detail::channel::Endpoint core_;
  std::uint64_t position_ = 0;  ///< stream position of the next record to read
  std::uint64_t held_ = 0;      ///< bytes of the record received and not yet released
  ChannelState state_ = ChannelState::closed;
  ChannelState ending_ = ChannelState::open;  ///< how the stream ends once the ring is empty
};

}  // namespace namedshm

#endif  // NAMEDSHM_CHANNEL_HPP
