// namedshm: what the two channel endpoint classes share: the region (header + ring), the two
// events, this side's attachment, and the wait loop. Not for users; see ChannelSender and
// ChannelReceiver in namedshm/channel.hpp.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_CHANNEL_ENDPOINT_HPP
#define NAMEDSHM_DETAIL_CHANNEL_ENDPOINT_HPP

#include <atomic>       // std::atomic, std::memory_order
#include <cstddef>      // std::byte, std::size_t
#include <cstdint>      // std::uint32_t, std::uint64_t, PTRDIFF_MAX
#include <new>          // std::launder
#include <string>       // std::string, the events' names
#include <string_view>  // std::string_view
#include <utility>      // std::exchange, std::move

#include "channel_layout.hpp"    // Header, record words
#include "creator_wait.hpp"      // check_magic
#include "error.hpp"             // Status, allocate_or_report
#include "event_backend.hpp"     // os::EventObject, the events' backend
#include "liveness_backend.hpp"  // Liveness: the one platform switch of channels
#include "name.hpp"              // check_name, max_object_name_bytes
#include "region.hpp"            // Region
#include "wait_loop.hpp"         // wait_for, WaitMode, Wait

namespace namedshm::detail::channel {

using Clock = WaitClock;
using detail::Wait;
using detail::WaitMode;

/// What an endpoint knows about the other side.
using PeerStatus = Holder;

/// The suffixes of a channel's two events, and the longest of them.
inline constexpr std::string_view ready_suffix = ".ready";
inline constexpr std::string_view room_suffix = ".room";
inline constexpr std::size_t event_suffix_bytes = ready_suffix.size();

/// How to make or open an endpoint (namedshm::ChannelOptions, as the machinery sees it).
struct EndpointOptions {
  WaitMode wait = WaitMode::spin_then_block;
  SecurityRequest security;
};

/// Sets `event` if the side that sleeps on it announced so in `waiting`. A failed notify is not
/// reported: the sleeper looks again every wait_slice anyway.
inline void wake_if_waiting(std::atomic<std::uint32_t>& waiting, const os::EventRef& event) noexcept {
  if (waiting.load(std::memory_order_seq_cst) == 0) return;
  if (waiting.exchange(0, std::memory_order_seq_cst) == 0) return;
  Status ignored;
  os::event_notify(event, ignored);
}

/**
 * This side's attachment to a channel: marks the slot attached while it lives, and on release
 * marks it closed and wakes the peer if it sleeps. Moves like an owner: the duty goes with it.
 * It points into the region's mapping and names the peer's event by what the OS keeps of it,
 * so it stays valid wherever the endpoint is moved, as long as the region and events live.
 */
class Attachment {
 public:
  Attachment() noexcept = default;
  Attachment(const Attachment&) = delete;
  Attachment& operator=(const Attachment&) = delete;
  Attachment(Attachment&& other) noexcept
      : header_(std::exchange(other.header_, nullptr)),
        liveness_(std::move(other.liveness_)),
        section_(other.section_),
        peer_event_(other.peer_event_),
        role_(other.role_) {}
  Attachment& operator=(Attachment&& other) noexcept {
    if (this != &other) {
      detach();
      header_ = std::exchange(other.header_, nullptr);
      liveness_ = std::move(other.liveness_);
      section_ = other.section_;
      peer_event_ = other.peer_event_;
      role_ = other.role_;
    }
    return *this;
  }
  ~Attachment() { detach(); }

  /// Takes this side's slot: fails with errc::device_or_resource_busy while a live endpoint of
  /// the same role holds it.
  bool attach(Header& header, Role role, Liveness::handle_type section, const os::EventRef& peer_event,
              Status& status) noexcept {
    const SlotWords own = words_of(header, role);
    switch (liveness_.take(section, own, status)) {
      case Take::taken:
        break;
      case Take::busy:
        status.set(std::errc::device_or_resource_busy, role == Role::sender
                                                           ? "another live sender is attached to the channel"
                                                           : "another live receiver is attached to the channel");
        return false;
      case Take::failed:
        return false;
    }
    // The claim first, then the state: a prober that sees `attached` without a live holder
    // knows the holder died.
    own.state->store(slot_attached, std::memory_order_seq_cst);
    header_ = &header;
    section_ = section;
    peer_event_ = peer_event;
    role_ = role;
    return true;
  }

  /// The peer's status; `ask_os`: also ask the OS whether an attached peer still lives.
  PeerStatus peer(bool ask_os) noexcept {
    return liveness_.holder(section_, words_of(*header_, role_ == Role::sender ? Role::receiver : Role::sender),
                            ask_os);
  }

  /// Marks the slot closed and wakes a sleeping peer: a sender's close ends the receiver's
  /// wait, and the other way round. Does nothing when not attached.
  void detach() noexcept {
    if (header_ == nullptr) return;  // never touch the slot of an endpoint that failed to attach
    Header& header = *std::exchange(header_, nullptr);
    liveness_.give_up(section_, words_of(header, role_));
    wake_if_waiting(role_ == Role::sender ? header.consumer_waiting : header.producer_waiting, peer_event_);
  }

 private:
  /// The words of `role`'s slot; its POSIX lock byte is the role's number.
  static SlotWords words_of(Header& header, Role role) noexcept {
    const auto index = static_cast<unsigned>(role);
    return {&header.state[index], &header.owner[index], index};
  }

  Header* header_ = nullptr;  ///< null: not attached
  Liveness liveness_;
  Liveness::handle_type section_{};
  os::EventRef peer_event_;
  Role role_ = Role::sender;
};

/**
 * One side of a channel. Events: `<name>.ready` (the producer sets it for a consumer blocked
 * on an empty ring) and `<name>.room` (the consumer sets it for a producer blocked on a full
 * ring), both auto-reset. A waiter announces itself in its `*_waiting` word (seq_cst), checks
 * its condition once more, and only then sleeps; the other side notifies only if it sees the
 * word set, so a stream without sleepers makes no system call. Moves and clean-up are its
 * members': the attachment (declared last, so released first), the events, the region.
 */
class Endpoint {
 public:
  Endpoint() noexcept = default;
  Endpoint(Endpoint&& other) noexcept = default;
  /// Member-wise, but the attachment first: it points into the region that the next line
  /// releases (the destructor's order, attachment last declared, needs no help).
  Endpoint& operator=(Endpoint&& other) noexcept {
    if (this != &other) {
      attachment_.detach();
      region_ = std::move(other.region_);
      ready_ = std::move(other.ready_);
      room_ = std::move(other.room_);
      role_ = other.role_;
      policy_ = other.policy_;
      capacity_ = other.capacity_;
      attachment_ = std::move(other.attachment_);
    }
    return *this;
  }

  /// Creates the channel (region, then events, then the header, `magic` last) or opens it, and
  /// attaches as `role`. `name` (as the caller wrote it) and `parts` passed check_name.
  /// Empty with `status` set on failure.
  static Endpoint make(std::string_view name, const NameParts& parts, Role role, bool create, std::size_t capacity,
                       const EndpointOptions& options, Status& status) noexcept {
    if (!check_length(parts, status)) return {};
    std::string ready_name;
    std::string room_name;
    const bool named = allocate_or_report(status, [&] {
      ready_name.assign(name).append(ready_suffix);
      room_name.assign(name).append(room_suffix);
    });
    if (!named) return {};
    Endpoint endpoint;
    endpoint.role_ = role;
    endpoint.policy_ = options.wait;
    const EventNames events{ready_name, room_name};
    const bool made = create ? endpoint.make_objects(name, parts, events, capacity, options, status)
                             : endpoint.open_objects(name, parts, events, status);
    if (!made) return {};
    const os::EventObject& peer_event = role == Role::sender ? endpoint.ready_ : endpoint.room_;
    if (!endpoint.attachment_.attach(endpoint.header(), role, endpoint.region_.native_handle(), peer_event.ref(),
                                     status)) {
      return {};
    }
    if (create) endpoint.header().magic.store(magic, std::memory_order_release);
    return endpoint;
  }

  /**
   * Removes each of the channel's three names (`name`, `name.ready`, `name.room`) that no live
   * namedshm handle holds, as SharedRegion::remove_if_stale does for one; true if it removed
   * any. `parts` passed check_name. POSIX only: on Windows nothing outlives its last handle.
   */
  static bool remove_stale(std::string_view name, const NameParts& parts, Status& status) noexcept {
    if (!check_length(parts, status)) return false;
    bool removed = os::remove_if_stale(parts, status);
    for (const std::string_view suffix : {ready_suffix, room_suffix}) {
      std::string event_name;
      if (!allocate_or_report(status, [&] { event_name.assign(name).append(suffix); })) return removed;
      const NameCheck check = check_name(event_name);
      if (!status) removed = os::remove_if_stale(check.parts, status) || removed;
    }
    return removed;
  }

  [[nodiscard]] bool valid() const noexcept { return region_.valid(); }
  Header& header() const noexcept { return *std::launder(reinterpret_cast<Header*>(region_.data())); }
  std::byte* ring() const noexcept { return region_.data() + ring_offset; }
  /// As the creator wrote it or the opener checked it: read from the header once, so that
  /// nothing a peer writes there later can move an access out of the region.
  std::uint64_t capacity() const noexcept { return valid() ? capacity_ : 0; }
  std::uint64_t mask() const noexcept { return capacity() - 1; }
  [[nodiscard]] const std::string& name() const noexcept { return region_.name(); }
  std::atomic<std::uint64_t>& word(std::uint64_t position) const noexcept { return word_at(ring(), mask(), position); }

  /// The peer's status; `ask_os`: also ask the OS whether an attached peer still lives.
  PeerStatus peer(bool ask_os) noexcept { return attachment_.peer(ask_os); }

  /// Wakes the consumer (`consumer` true) or the producer if it announced that it sleeps.
  void wake(bool consumer) noexcept {
    wake_if_waiting(consumer ? header().consumer_waiting : header().producer_waiting,
                    (consumer ? ready_ : room_).ref());
  }

  /**
   * Waits until `ready()` (which must read the shared words with seq_cst) is true, the peer
   * has closed or died, or `deadline` passes; `consumer` says which side this is.
   */
  template <class Ready>
  Wait wait(Ready ready, bool consumer, Clock::time_point deadline, Status& status) noexcept {
    Waiter<Ready> waiter{*this, ready, consumer ? header().consumer_waiting : header().producer_waiting,
                         consumer ? ready_ : room_};
    return wait_for(waiter, policy_, deadline, status);
  }

  /**
   * Marks this side closed, wakes a sleeping peer, and releases everything now; returns the
   * channel's name, for a message. `status` reports the first step that failed (POSIX: a
   * last handle's name that could not be removed). Does not throw.
   */
  std::string close(Status& status) noexcept {
    attachment_.detach();
    os::event_close(ready_, status);
    os::event_close(room_, status);
    return region_.close(status);
  }

 private:
  /// The names of the two events, as written and as checked.
  struct EventNames {
    const std::string& ready;
    const std::string& room;
  };

  /// What wait_for() needs of a channel: the condition, the peer, the `*_waiting` word and the
  /// event this side sleeps on.
  template <class Ready>
  struct Waiter {
    Endpoint& endpoint;
    Ready& condition;
    std::atomic<std::uint32_t>& waiting;
    const os::EventObject& event;

    bool ready() { return condition(); }
    Wait peer(bool ask_os) { return peer_wait(endpoint.peer(ask_os)); }
    void announce() noexcept { waiting.store(1, std::memory_order_seq_cst); }
    void retract() noexcept { waiting.store(0, std::memory_order_relaxed); }
    bool sleep(Clock::time_point until, Status& status) noexcept {
      const bool woken = os::event_wait(event, until, status);
      if (status) status.detail = "cannot wait for the channel's event";
      return woken;
    }
  };

  static bool check_length(const NameParts& parts, Status& status) noexcept {
    if (parts.object.size() + event_suffix_bytes <= max_object_name_bytes) return true;
    status.set(std::errc::filename_too_long,
               "a channel's name may have at most 249 bytes after its prefix: its events add \".ready\" and "
               "\".room\" to it, and names have at most 255");
    return false;
  }

  /// The request for one of the channel's events, whose name is the channel's with a suffix.
  static EventRequest event_request(const std::string& name, Disposition disposition,
                                    const SecurityRequest& security) noexcept {
    EventRequest request;
    request.name = check_name(name).parts;  // valid: the channel's name passed, and fits with the suffix
    request.utf8_name = name;
    request.disposition = disposition;
    request.security = security;
    return request;
  }

  bool make_objects(std::string_view name, const NameParts& parts, const EventNames& events, std::size_t requested,
                    const EndpointOptions& options, Status& status) noexcept {
    if (requested == 0) {
      status.set(std::errc::invalid_argument, "the capacity is 0");
      return false;
    }
    const std::uint64_t capacity = round_capacity(requested);
    if (capacity == 0 || capacity > static_cast<std::uint64_t>(PTRDIFF_MAX) - ring_offset) {
      status.set(std::errc::invalid_argument, "the capacity is larger than 2 GiB, the largest ring");
      return false;
    }
    Request request;
    request.name = parts;
    request.disposition = Disposition::create;
    request.size = ring_offset + capacity;
    request.security = options.security;
    region_ = Region::acquire(name, request, status);
    if (status) return fail(status, "cannot create the channel's region");
    ready_ = os::event_acquire(event_request(events.ready, Disposition::create, options.security), status);
    if (status) return fail(status, "cannot create the channel's event \"<name>.ready\"");
    room_ = os::event_acquire(event_request(events.room, Disposition::create, options.security), status);
    if (status) return fail(status, "cannot create the channel's event \"<name>.room\"");
    Header& header = this->header();
    header.version = layout_version;
    header.ring_offset = static_cast<std::uint32_t>(ring_offset);
    header.capacity = capacity;
    capacity_ = capacity;
    return true;
  }

  bool open_objects(std::string_view name, const NameParts& parts, const EventNames& events, Status& status) noexcept {
    Request request;
    request.name = parts;
    region_ = Region::acquire(name, request, status);
    if (status) return fail(status, "cannot open the channel's region");
    if (region_.size() < ring_offset + min_capacity) {
      status.set(std::errc::invalid_argument, "the region is too small to be a channel");
      return false;
    }
    const Header& header = this->header();
    const HeaderTexts texts{"the region is not a channel (it has no channel header, or its creator died making it)",
                            "the region is not a channel (its first bytes are not a channel header)",
                            "the channel was made by a version of namedshm with another channel layout"};
    if (!check_magic(header.magic, magic, header.version, layout_version, texts, status)) return false;
    const std::uint64_t capacity = header.capacity;
    const bool power_of_two = capacity != 0 && (capacity & (capacity - 1)) == 0;
    if (header.ring_offset != ring_offset || !power_of_two || capacity < min_capacity || capacity > max_capacity ||
        region_.size() - ring_offset < capacity) {
      status.set(std::errc::invalid_argument, "the channel's header is damaged (its capacity does not fit the region)");
      return false;
    }
    capacity_ = capacity;
    ready_ = os::event_acquire(event_request(events.ready, Disposition::open, {}), status);
    if (status) return fail(status, "cannot open the channel's event \"<name>.ready\"");
    room_ = os::event_acquire(event_request(events.room, Disposition::open, {}), status);
    if (status) return fail(status, "cannot open the channel's event \"<name>.room\"");
    return true;
  }

  static bool fail(Status& status, const char* why) noexcept {
    status.detail = why;
    return false;
  }

  Region region_;
  os::EventObject ready_;  ///< the consumer sleeps on it
  os::EventObject room_;   ///< the producer sleeps on it
  Role role_ = Role::sender;
  WaitMode policy_ = WaitMode::spin_then_block;
  std::uint64_t capacity_ = 0;
  Attachment attachment_;  ///< last, so that it detaches before the events and the region close
};

}  // namespace namedshm::detail::channel

#endif  // NAMEDSHM_DETAIL_CHANNEL_ENDPOINT_HPP
