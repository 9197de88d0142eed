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

#include <algorithm>     // std::min
#include <atomic>        // std::atomic, std::memory_order
#include <chrono>        // timeouts, the slices of a blocking wait
#include <cstddef>       // std::byte, std::size_t
#include <cstdint>       // std::uint32_t, std::uint64_t
#include <cstring>       // std::memcpy
#include <optional>      // std::optional, what receive() returns
#include <string>        // std::string, the events' names
#include <string_view>   // std::string_view
#include <system_error>  // std::error_code, std::system_error, std::errc
#include <thread>        // std::this_thread::yield, sleep_for
#include <type_traits>   // std::true_type, for enable_sharing
#include <utility>       // std::exchange, std::move

#include "detail/channel_backend.hpp"  // Presence, PeerStatus: the one platform switch of channels
#include "detail/channel_layout.hpp"   // Header, record words
#include "detail/spin.hpp"             // cpu_relax
#include "detail/timeout.hpp"          // timeout_ns, steady_deadline
#include "event.hpp"                   // Event, for blocking waits
#include "namedshm.hpp"                // SharedRegion, Name, Span, detail::Status

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

/// How to make or open a channel endpoint; every field has a safe default.
struct ChannelOptions {
  /// How this endpoint waits. Each side chooses its own; they need not agree.
  WaitPolicy wait = WaitPolicy::spin_then_block;
  /// POSIX: the mode of the channel's region and events when this endpoint creates them.
  std::uint32_t permissions = 0600;
  /// Windows: a `SECURITY_ATTRIBUTES*` for the created region and events; see CreateOptions.
  const void* security_attributes = nullptr;
  /// Windows: the created objects' security descriptor as SDDL; see CreateOptions.
  std::string_view security_descriptor;
};

template <>
struct enable_sharing<detail::channel::Header> : std::true_type {};

namespace detail::channel {

using Clock = std::chrono::steady_clock;

/// A blocked waiter wakes at least this often to ask the OS whether its peer still lives.
inline constexpr std::chrono::milliseconds wait_slice{50};
/// spin_then_block: how long to busy-wait before sleeping.
inline constexpr std::chrono::microseconds spin_budget{50};
/// spin: how long to busy-wait with `pause` alone before also yielding the thread.
inline constexpr std::chrono::microseconds pause_budget{200};
/// How long an opener waits for the creator to finish writing the header.
inline constexpr std::chrono::milliseconds header_wait{1000};
/// The longest suffix added to a channel's name for its events (".ready").
inline constexpr std::size_t event_suffix_bytes = 6;

/// How a wait ended.
enum class Wait : unsigned char { ready, peer_closed, peer_died, timed_out, failed };

/// The deadline `timeout` from now: min() for "do not wait", max() for "for ever".
template <class Rep, class Period>
Clock::time_point deadline_after(const std::chrono::duration<Rep, Period>& timeout) noexcept {
  return steady_deadline(timeout_ns(timeout), Clock::now());
}

/**
 * What the two endpoint classes share: the region (header + ring), the two events, this side's
 * presence, and the wait loop. Not for users; see ChannelSender and ChannelReceiver.
 *
 * Events: `<name>.ready` (the producer sets it for a consumer blocked on an empty ring) and
 * `<name>.room` (the consumer sets it for a producer blocked on a full ring), both auto-reset.
 * A waiter announces itself in its `*_waiting` word (seq_cst), checks its condition once more,
 * and only then sleeps; the other side notifies only if it sees the word set, so a stream
 * without sleepers makes no system call.
 */
class Endpoint {
 public:
  Endpoint() noexcept = default;
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;
  Endpoint(Endpoint&& other) noexcept { take(other); }
  Endpoint& operator=(Endpoint&& other) noexcept {
    if (this != &other) {
      close();
      take(other);
    }
    return *this;
  }
  ~Endpoint() { close(); }

  /// Creates the channel (region, then events, then the header, `magic` last) or opens it, and
  /// attaches as `role`. Empty with `status` set on failure.
  static Endpoint make(const Name& name, Role role, bool create, std::size_t capacity, const ChannelOptions& options,
                       Status& status) noexcept {
    if (!check_name(name, status)) return {};
    std::string ready_name;
    std::string room_name;
    const bool named = allocate_or_report(status, [&] {
      ready_name.assign(name.utf8()).append(".ready");
      room_name.assign(name.utf8()).append(".room");
    });
    if (!named) return {};
    Endpoint endpoint;
    endpoint.role_ = role;
    endpoint.policy_ = options.wait;
    const bool made = create ? endpoint.make_objects(name, ready_name, room_name, capacity, options, status)
                             : endpoint.open_objects(name, ready_name, room_name, status);
    if (!made) return {};
    if (!endpoint.presence_.attach(endpoint.region_.native_handle(), *endpoint.header_, role, status)) return {};
    endpoint.attached_ = true;
    if (create) endpoint.header_->magic.store(magic, std::memory_order_release);
    return endpoint;
  }

  [[nodiscard]] bool valid() const noexcept { return header_ != nullptr; }
  Header& header() const noexcept { return *header_; }
  std::byte* ring() const noexcept { return ring_; }
  std::uint64_t capacity() const noexcept { return capacity_; }
  std::uint64_t mask() const noexcept { return capacity_ - 1; }
  [[nodiscard]] const std::string& name() const noexcept { return region_.name(); }
  std::atomic<std::uint64_t>& word(std::uint64_t position) const noexcept {
    return word_at(ring_, capacity_ - 1, position);
  }

  /// The peer's status; `ask_os`: also ask the OS whether an attached peer still lives.
  PeerStatus peer(bool ask_os) noexcept { return presence_.peer(region_.native_handle(), *header_, role_, ask_os); }

  /// Wakes the consumer (`consumer` true) or the producer if it announced that it sleeps.
  /// A failed notify is not reported: the sleeper re-checks every wait_slice anyway.
  void wake(bool consumer) noexcept {
    auto& waiting = consumer ? header_->consumer_waiting : header_->producer_waiting;
    if (waiting.load(std::memory_order_seq_cst) == 0) return;
    if (waiting.exchange(0, std::memory_order_seq_cst) == 0) return;
    std::error_code ignored;
    (consumer ? ready_ : room_).notify(ignored);
  }

  /**
   * Waits until `ready()` (which must read the shared words with seq_cst) is true, the peer
   * has closed or died, or `deadline` passes; `consumer` says which side this is.
   */
  template <class Ready>
  Wait wait(Ready ready, bool consumer, Clock::time_point deadline, Status& status) noexcept {
    if (ready()) return Wait::ready;
    if (peer(false) == PeerStatus::closed) return Wait::peer_closed;
    const auto start = Clock::now();
    if (start >= deadline) return Wait::timed_out;
    auto next_os_check = start + wait_slice;
    if (policy_ != WaitPolicy::block) {
      const auto pause_until = start + (policy_ == WaitPolicy::spin ? pause_budget : spin_budget);
      for (unsigned round = 1;; ++round) {
        if (ready()) return Wait::ready;
        cpu_relax();
        if (round % 64 != 0) continue;
        if (peer(false) == PeerStatus::closed) return Wait::peer_closed;
        const auto now = Clock::now();
        if (now >= deadline) return Wait::timed_out;
        if (now >= next_os_check) {
          if (peer(true) == PeerStatus::died) return Wait::peer_died;
          next_os_check = now + wait_slice;
        }
        if (now >= pause_until) {
          if (policy_ == WaitPolicy::spin_then_block) break;
          std::this_thread::yield();
        }
      }
    }
    auto& waiting = consumer ? header_->consumer_waiting : header_->producer_waiting;
    Event& event = consumer ? ready_ : room_;
    const auto give_up = [&](Wait why) {
      waiting.store(0, std::memory_order_relaxed);
      return why;
    };
    for (;;) {
      waiting.store(1, std::memory_order_seq_cst);
      if (ready()) return give_up(Wait::ready);
      if (peer(false) == PeerStatus::closed) return give_up(Wait::peer_closed);
      const auto now = Clock::now();
      if (now >= deadline) return give_up(Wait::timed_out);
      const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now);
      std::error_code ec;
      const bool woken = event.wait_for(std::min<std::chrono::nanoseconds>(wait_slice, left), ec);
      if (ec) {
        status.code = ec;
        status.detail = "cannot wait for the channel's event";
        return give_up(Wait::failed);
      }
      if (!woken && peer(true) == PeerStatus::died) return give_up(Wait::peer_died);
    }
  }

  /// Marks this side closed, wakes a sleeping peer, and releases everything. Does not throw.
  void close() noexcept {
    if (attached_) {  // never touch the slot of an endpoint that failed to attach: it is someone else's
      presence_.detach(region_.native_handle(), *header_, role_);
      wake(role_ == Role::sender);  // a sender's close ends the receiver's wait, and vice versa
    }
    attached_ = false;
    ready_.close();
    room_.close();
    region_.close();
    header_ = nullptr;
    ring_ = nullptr;
    capacity_ = 0;
  }

 private:
  static bool check_name(const Name& name, Status& status) noexcept {
    const NameCheck check = check_argument(name, status);
    if (status) return false;
    if (check.parts.object.size() + event_suffix_bytes > max_object_name_bytes) {
      status.set(std::errc::filename_too_long,
                 "a channel's name may have at most 249 bytes after its prefix: its events add \".ready\" and "
                 "\".room\" to it, and names have at most 255");
      return false;
    }
    return true;
  }

  bool make_objects(const Name& name, const std::string& ready_name, const std::string& room_name,
                    std::size_t requested, const ChannelOptions& options, Status& status) noexcept {
    if (requested == 0) {
      status.set(std::errc::invalid_argument, "the capacity is 0");
      return false;
    }
    const std::uint64_t capacity = round_capacity(requested);
    if (capacity == 0 || capacity > static_cast<std::uint64_t>(PTRDIFF_MAX) - ring_offset) {
      status.set(std::errc::invalid_argument, "the capacity is larger than 2 GiB, the largest ring");
      return false;
    }
    CreateOptions region_options;
    region_options.permissions = options.permissions;
    region_options.security_attributes = options.security_attributes;
    region_options.security_descriptor = options.security_descriptor;
    std::error_code ec;
    region_ = SharedRegion::create(name, static_cast<std::size_t>(ring_offset + capacity), region_options, ec);
    if (ec) return fail(status, ec, "cannot create the channel's region");
    EventOptions event_options;
    event_options.permissions = options.permissions;
    event_options.security_attributes = options.security_attributes;
    event_options.security_descriptor = options.security_descriptor;
    ready_ = Event::create(ready_name, event_options, ec);
    if (ec) return fail(status, ec, "cannot create the channel's event \"<name>.ready\"");
    room_ = Event::create(room_name, event_options, ec);
    if (ec) return fail(status, ec, "cannot create the channel's event \"<name>.room\"");
    header_ = &region_.object<Header>();
    header_->version = layout_version;
    header_->ring_offset = static_cast<std::uint32_t>(ring_offset);
    header_->capacity = capacity;
    use_ring(capacity);
    return true;
  }

  bool open_objects(const Name& name, const std::string& ready_name, const std::string& room_name,
                    Status& status) noexcept {
    std::error_code ec;
    region_ = SharedRegion::open(name, ec);
    if (ec) return fail(status, ec, "cannot open the channel's region");
    if (region_.size() < ring_offset + min_capacity) {
      status.set(std::errc::invalid_argument, "the region is too small to be a channel");
      return false;
    }
    Header& header = region_.object<Header>();
    // POSIX: the creator sizes the region before it writes the header, so wait a little.
    const auto deadline = Clock::now() + header_wait;
    std::uint64_t found = header.magic.load(std::memory_order_acquire);
    while (found == 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      found = header.magic.load(std::memory_order_acquire);
    }
    if (found != magic) {
      status.set(std::errc::invalid_argument,
                 found == 0 ? "the region is not a channel (it has no channel header, or its creator died making it)"
                            : "the region is not a channel (its first bytes are not a channel header)");
      return false;
    }
    if (header.version != layout_version) {
      status.set(std::errc::protocol_not_supported,
                 "the channel was made by a version of namedshm with another channel layout");
      return false;
    }
    const std::uint64_t capacity = header.capacity;
    const bool power_of_two = capacity != 0 && (capacity & (capacity - 1)) == 0;
    if (header.ring_offset != ring_offset || !power_of_two || capacity < min_capacity || capacity > max_capacity ||
        region_.size() - ring_offset < capacity) {
      status.set(std::errc::invalid_argument, "the channel's header is damaged (its capacity does not fit the region)");
      return false;
    }
    ready_ = Event::open(ready_name, ec);
    if (ec) return fail(status, ec, "cannot open the channel's event \"<name>.ready\"");
    room_ = Event::open(room_name, ec);
    if (ec) return fail(status, ec, "cannot open the channel's event \"<name>.room\"");
    header_ = &header;
    use_ring(capacity);
    return true;
  }

  static bool fail(Status& status, const std::error_code& ec, const char* why) noexcept {
    status.code = ec;
    status.detail = why;
    return false;
  }

  void use_ring(std::uint64_t capacity) noexcept {
    ring_ = region_.data() + ring_offset;
    capacity_ = capacity;
  }

  void take(Endpoint& other) noexcept {
    region_ = std::move(other.region_);
    ready_ = std::move(other.ready_);
    room_ = std::move(other.room_);
    presence_ = std::move(other.presence_);
    header_ = std::exchange(other.header_, nullptr);
    ring_ = std::exchange(other.ring_, nullptr);
    capacity_ = std::exchange(other.capacity_, 0);
    attached_ = std::exchange(other.attached_, false);
    role_ = other.role_;
    policy_ = other.policy_;
  }

  SharedRegion region_;
  Event ready_;  ///< the consumer sleeps on it
  Event room_;   ///< the producer sleeps on it
  Presence presence_;
  Header* header_ = nullptr;
  std::byte* ring_ = nullptr;
  std::uint64_t capacity_ = 0;
  bool attached_ = false;
  Role role_ = Role::sender;
  WaitPolicy policy_ = WaitPolicy::spin_then_block;
};

/// Throws the std::system_error of a failed channel operation.
[[noreturn]] inline void throw_channel_error(const char* verb, std::string_view name, std::uint64_t size,
                                             const Status& status) {
  throw_error({verb, name, size}, status);
}

/**
 * What both endpoint classes offer alike, written once: create and open, and the accessors of
 * the shared core. `Endpoint` is ChannelSender or ChannelReceiver; it names its verbs, builds
 * itself in `make` and keeps the core in `core_`.
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
    Status status;
    Endpoint endpoint = Endpoint::make(name, true, capacity, options, status);
    if (status) throw_channel_error(Endpoint::create_verb, name.utf8(), capacity, status);
    return endpoint;
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Endpoint create(const Name& name, std::size_t capacity, std::error_code& ec) noexcept {
    return create(name, capacity, ChannelOptions{}, ec);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Endpoint create(const Name& name, std::size_t capacity, const ChannelOptions& options,
                                       std::error_code& ec) noexcept {
    Status status;
    Endpoint endpoint = Endpoint::make(name, true, capacity, options, status);
    ec = status.code;
    return endpoint;
  }

  /**
   * Opens an existing channel as this end. Fails with `std::errc::no_such_file_or_directory`
   * if there is none, `std::errc::invalid_argument` if the region of that name is not a
   * channel, `std::errc::device_or_resource_busy` if a live endpoint of this kind is attached.
   * Throws std::system_error.
   */
  [[nodiscard]] static Endpoint open(const Name& name, const ChannelOptions& options = {}) {
    Status status;
    Endpoint endpoint = Endpoint::make(name, false, 0, options, status);
    if (status) throw_channel_error(Endpoint::open_verb, name.utf8(), 0, status);
    return endpoint;
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Endpoint open(const Name& name, std::error_code& ec) noexcept {
    return open(name, ChannelOptions{}, ec);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Endpoint open(const Name& name, const ChannelOptions& options, std::error_code& ec) noexcept {
    Status status;
    Endpoint endpoint = Endpoint::make(name, false, 0, options, status);
    ec = status.code;
    return endpoint;
  }

 private:
  const Endpoint& self() const noexcept { return static_cast<const Endpoint&>(*this); }
};

}  // namespace detail::channel

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
 * Messages sent before close() are all delivered: the receiver sees the end after the last.
 *
 * Lifetime: as regions and events; on POSIX the creating endpoint removes the names when it is
 * destroyed, so keep it alive until the other end has opened the channel (already open
 * endpoints keep working). Thread safety: one thread at a time per endpoint.
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
class ChannelSender : public detail::channel::Factories<ChannelSender> {
 public:
  /// An empty sender. Does not throw.
  ChannelSender() noexcept = default;
  ChannelSender(const ChannelSender&) = delete;
  ChannelSender& operator=(const ChannelSender&) = delete;
  /// Takes over `other`'s endpoint; `other` is left empty. Does not throw.
  ChannelSender(ChannelSender&& other) noexcept
      : core_(std::move(other.core_)),
        tail_(other.tail_),
        cached_head_(other.cached_head_),
        prepared_(std::exchange(other.prepared_, no_reservation)),
        state_(std::exchange(other.state_, ChannelState::closed)) {}
  /// Closes this sender, then takes over `other`'s endpoint. Does not throw.
  ChannelSender& operator=(ChannelSender&& other) noexcept {
    if (this != &other) {
      close();
      core_ = std::move(other.core_);
      tail_ = other.tail_;
      cached_head_ = other.cached_head_;
      prepared_ = std::exchange(other.prepared_, no_reservation);
      state_ = std::exchange(other.state_, ChannelState::closed);
    }
    return *this;
  }
  /// Closes (end of stream for the receiver). Does not throw.
  ~ChannelSender() { close(); }

  /**
   * Copies `size` bytes from `data` into the channel as one message, waiting while the ring is
   * full. Returns false, sending nothing, if the receiver has closed (or died while this call
   * waited for it). Throws std::system_error: `std::errc::message_size` if size >
   * max_message_size(), `std::errc::invalid_argument` for an empty sender, or an OS error of
   * the wait.
   */
  [[nodiscard]] bool send(const void* data, std::size_t size) {
    detail::Status status;
    const bool sent = send_until(data, size, (detail::channel::Clock::time_point::max)(), status);
    throw_if(status, "send on channel", size);
    return sent;
  }
  /// As above; reports failure through `ec` (and returns false). Does not throw.
  [[nodiscard]] bool send(const void* data, std::size_t size, std::error_code& ec) noexcept {
    detail::Status status;
    const bool sent = send_until(data, size, (detail::channel::Clock::time_point::max)(), status);
    ec = status.code;
    return sent;
  }
  /// send(message.data(), message.size()). Throws std::system_error.
  [[nodiscard]] bool send(Span<const std::byte> message) { return send(message.data(), message.size()); }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] bool send(Span<const std::byte> message, std::error_code& ec) noexcept {
    return send(message.data(), message.size(), ec);
  }

  /**
   * As send(), but never waits: false if the ring has no room now (or the receiver has
   * closed; state() tells which). It does not ask the OS whether the receiver lives.
   * Throws std::system_error.
   */
  [[nodiscard]] bool try_send(const void* data, std::size_t size) {
    detail::Status status;
    const bool sent = send_until(data, size, (detail::channel::Clock::time_point::min)(), status);
    throw_if(status, "try_send on channel", size);
    return sent;
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] bool try_send(const void* data, std::size_t size, std::error_code& ec) noexcept {
    detail::Status status;
    const bool sent = send_until(data, size, (detail::channel::Clock::time_point::min)(), status);
    ec = status.code;
    return sent;
  }

  /**
   * Zero-copy sending, step 1: waits for room for a message of `size` bytes and returns that
   * room in the ring; write the message there and commit() it. The span stays valid until
   * commit(), the next prepare() or send() (which abandon an uncommitted reservation) or
   * close(). Returns a span with `data() == nullptr` if the receiver has closed (or died while
   * this call waited); prepare(0) gives a non-null empty span. Throws std::system_error:
   * `std::errc::message_size` if size > max_message_size().
   */
  [[nodiscard]] Span<std::byte> prepare(std::size_t size) {
    detail::Status status;
    const Span<std::byte> room = prepare(size, status);
    throw_if(status, "prepare on channel", size);
    return room;
  }
  /// As above; reports failure through `ec` (and returns an empty span). Does not throw.
  [[nodiscard]] Span<std::byte> prepare(std::size_t size, std::error_code& ec) noexcept {
    detail::Status status;
    const Span<std::byte> room = prepare(size, status);
    ec = status.code;
    return room;
  }

  /**
   * Zero-copy sending, step 2: publishes the first `size` bytes of the room that prepare()
   * returned as one message. Throws std::system_error with `std::errc::invalid_argument` if
   * there is no reservation or `size` is larger than the one prepared (the reservation then
   * stays, so a correct commit may follow).
   */
  void commit(std::size_t size) {
    detail::Status status;
    commit(size, status);
    throw_if(status, "commit on channel", size);
  }
  /// As above; reports failure through `ec`. Does not throw.
  void commit(std::size_t size, std::error_code& ec) noexcept {
    detail::Status status;
    commit(size, status);
    ec = status.code;
  }

  /// `open` while sending may succeed; `closed` once the receiver closed (or this sender is
  /// empty); `peer_died` once a wait found the receiver dead. Does not throw.
  [[nodiscard]] ChannelState state() const noexcept {
    if (!core_.valid()) return ChannelState::closed;
    if (state_ == ChannelState::open && receiver_closed()) return ChannelState::closed;
    return state_;
  }

  /// Ends the stream: the receiver gets every message sent so far, then the end. An
  /// uncommitted reservation is dropped. The sender becomes empty. Does not throw.
  void close() noexcept {
    prepared_ = no_reservation;
    state_ = ChannelState::closed;
    core_.close();
  }

 private:
  friend class detail::channel::Factories<ChannelSender>;
  static constexpr const char* create_verb = "create channel sender";
  static constexpr const char* open_verb = "open channel sender";
  static constexpr std::uint64_t no_reservation = ~std::uint64_t{0};

  static ChannelSender make(const Name& name, bool create, std::size_t capacity, const ChannelOptions& options,
                            detail::Status& status) noexcept {
    ChannelSender sender;
    sender.core_ =
        detail::channel::Endpoint::make(name, detail::channel::Role::sender, create, capacity, options, status);
    if (status) return {};
    sender.state_ = ChannelState::open;
    sender.tail_ = sender.find_tail();
    return sender;
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

  void throw_if(const detail::Status& status, const char* verb, std::size_t size) const {
    if (status) detail::channel::throw_channel_error(verb, core_.name(), size, status);
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

  [[nodiscard]] Span<std::byte> prepare(std::size_t size, detail::Status& status) noexcept {
    std::byte* room = reserve(size, (detail::channel::Clock::time_point::max)(), status);
    if (room == nullptr) return {};
    prepared_ = size;
    return {room, size};
  }

  void commit(std::size_t size, detail::Status& status) noexcept {
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
class ChannelReceiver : public detail::channel::Factories<ChannelReceiver> {
 public:
  /// The view of one message.
  using Message = Span<const std::byte>;

  /// An empty receiver. Does not throw.
  ChannelReceiver() noexcept = default;
  ChannelReceiver(const ChannelReceiver&) = delete;
  ChannelReceiver& operator=(const ChannelReceiver&) = delete;
  /// Takes over `other`'s endpoint; `other` is left empty. Does not throw.
  ChannelReceiver(ChannelReceiver&& other) noexcept
      : core_(std::move(other.core_)),
        position_(other.position_),
        held_(std::exchange(other.held_, 0)),
        state_(std::exchange(other.state_, ChannelState::closed)),
        ending_(std::exchange(other.ending_, ChannelState::open)) {}
  /// Closes this receiver, then takes over `other`'s endpoint. Does not throw.
  ChannelReceiver& operator=(ChannelReceiver&& other) noexcept {
    if (this != &other) {
      close();
      core_ = std::move(other.core_);
      position_ = other.position_;
      held_ = std::exchange(other.held_, 0);
      state_ = std::exchange(other.state_, ChannelState::closed);
      ending_ = std::exchange(other.ending_, ChannelState::open);
    }
    return *this;
  }
  /// Closes: a sender then gets false from send(). Does not throw.
  ~ChannelReceiver() { close(); }

  /**
   * Releases the previous message, then waits for the next one and returns a view of it in
   * the ring; std::nullopt at the end of the stream (see state()). Throws std::system_error:
   * `std::errc::invalid_argument` for an empty receiver, or an OS error of the wait.
   */
  [[nodiscard]] std::optional<Message> receive() {
    detail::Status status;
    auto message = receive_until((detail::channel::Clock::time_point::max)(), status);
    throw_if(status, "receive on channel");
    return message;
  }
  /// As above; reports failure through `ec` (and returns std::nullopt). Does not throw.
  [[nodiscard]] std::optional<Message> receive(std::error_code& ec) noexcept {
    detail::Status status;
    auto message = receive_until((detail::channel::Clock::time_point::max)(), status);
    ec = status.code;
    return message;
  }

  /// As receive(), but waits at most `timeout`: std::nullopt with state() still `open` means
  /// that nothing came in time. Throws std::system_error.
  template <class Rep, class Period>
  [[nodiscard]] std::optional<Message> receive_for(const std::chrono::duration<Rep, Period>& timeout) {
    detail::Status status;
    auto message = receive_until(detail::channel::deadline_after(timeout), status);
    throw_if(status, "receive_for on channel");
    return message;
  }
  /// As above; reports failure through `ec`. Does not throw.
  template <class Rep, class Period>
  [[nodiscard]] std::optional<Message> receive_for(const std::chrono::duration<Rep, Period>& timeout,
                                                   std::error_code& ec) noexcept {
    detail::Status status;
    auto message = receive_until(detail::channel::deadline_after(timeout), status);
    ec = status.code;
    return message;
  }

  /// receive_for(0): the next message if one is there now. Throws std::system_error.
  [[nodiscard]] std::optional<Message> try_receive() { return receive_for(std::chrono::nanoseconds(0)); }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] std::optional<Message> try_receive(std::error_code& ec) noexcept {
    return receive_for(std::chrono::nanoseconds(0), ec);
  }

  /// Frees the last message received (its view becomes invalid) so that the sender can reuse
  /// its room. receive() does it too; calling it twice is harmless. Does not throw.
  void release() noexcept {
    if (held_ == 0) return;
    position_ += held_;
    held_ = 0;
    publish_head();
  }

  /// `open` while messages may come; after receive() returned std::nullopt at the end of the
  /// stream: `closed` (the sender closed, or this receiver is empty) or `peer_died`.
  /// Does not throw.
  [[nodiscard]] ChannelState state() const noexcept { return core_.valid() ? state_ : ChannelState::closed; }

  /// Releases the last message and detaches: a waiting sender returns false. The receiver
  /// becomes empty. Does not throw.
  void close() noexcept {
    if (core_.valid()) release();
    state_ = ChannelState::closed;
    ending_ = ChannelState::open;
    core_.close();
  }

 private:
  friend class detail::channel::Factories<ChannelReceiver>;
  static constexpr const char* create_verb = "create channel receiver";
  static constexpr const char* open_verb = "open channel receiver";

  static ChannelReceiver make(const Name& name, bool create, std::size_t capacity, const ChannelOptions& options,
                              detail::Status& status) noexcept {
    ChannelReceiver receiver;
    receiver.core_ =
        detail::channel::Endpoint::make(name, detail::channel::Role::receiver, create, capacity, options, status);
    if (status) return {};
    receiver.state_ = ChannelState::open;
    receiver.position_ = receiver.core_.header().head.load(std::memory_order_acquire);
    return receiver;
  }

  void throw_if(const detail::Status& status, const char* verb) const {
    if (status) detail::channel::throw_channel_error(verb, core_.name(), 0, status);
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
