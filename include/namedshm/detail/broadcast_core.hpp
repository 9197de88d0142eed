// namedshm: what the broadcast's sender and receivers share: the region (header, slot table,
// ring), the doorbells, this endpoint's slot, and how it waits. Not for users; see
// BroadcastSender and BroadcastReceiver in namedshm/broadcast.hpp, and the design in
// broadcast_layout.hpp.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_BROADCAST_CORE_HPP
#define NAMEDSHM_DETAIL_BROADCAST_CORE_HPP

#include <atomic>       // std::atomic, std::memory_order
#include <cstddef>      // std::byte, std::size_t
#include <cstdint>      // std::uint32_t, std::uint64_t, PTRDIFF_MAX
#include <new>          // std::launder
#include <string>       // std::string, the name a close returns
#include <string_view>  // std::string_view
#include <utility>      // std::exchange, std::move

#include "broadcast_layout.hpp"  // Header, records, Full
#include "creator_wait.hpp"      // wait_for_creator
#include "doorbell_backend.hpp"  // Doorbells
#include "error.hpp"             // Status
#include "liveness_backend.hpp"  // Liveness
#include "name.hpp"              // NameParts, max_object_name_bytes
#include "region.hpp"            // Region
#include "request.hpp"           // Request, SecurityRequest
#include "slot_table.hpp"        // SlotTable, hub_slot
#include "slot_wait.hpp"         // wait_in_slot
#include "wait_loop.hpp"         // WaitMode, Wait

namespace namedshm::detail::broadcast {

using Clock = WaitClock;

/// Bytes that Windows adds to a broadcast's name for its slots' events (".<slot>", up to
/// ".1024"); names keep room for six, as a channel's do, on both platforms.
inline constexpr std::size_t event_suffix_bytes = 6;

/// How to make the broadcast (namedshm::BroadcastOptions, as the machinery sees it).
struct CreateOptions {
  WaitMode wait = WaitMode::spin_then_block;
  Full full = Full::wait;
  std::uint64_t max_receivers = 16;
  SecurityRequest security;
};

/// Where a receiver starts (namedshm::BroadcastStart).
enum class Start : unsigned char { next, oldest };

/**
 * One endpoint of a broadcast: the region, the doorbells, and this endpoint's slot (0 for the
 * sender), given up (marked closed, with the other side woken) when the Core closes, is
 * destroyed, or is moved onto. Move-only; a moved-from Core is empty.
 */
class Core {
 public:
  Core() noexcept = default;
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;
  Core(Core&& other) noexcept
      : region_(std::move(other.region_)),
        bells_(std::move(other.bells_)),
        table_(other.table_),
        liveness_(std::move(other.liveness_)),
        index_(std::exchange(other.index_, no_slot)),
        policy_(other.policy_) {}
  /// Gives up this slot first (it lies in the region that the next lines release).
  Core& operator=(Core&& other) noexcept {
    if (this != &other) {
      detach();
      region_ = std::move(other.region_);
      bells_ = std::move(other.bells_);
      table_ = other.table_;
      liveness_ = std::move(other.liveness_);
      index_ = std::exchange(other.index_, no_slot);
      policy_ = other.policy_;
    }
    return *this;
  }
  ~Core() { detach(); }

  /// Creates the broadcast (region, doorbells, header, `magic` last) and takes slot 0.
  /// `name` (as the caller wrote it) and `parts` passed check_name. Empty with `status` set on
  /// failure. Does not throw.
  static Core create(std::string_view name, const NameParts& parts, std::size_t requested, const CreateOptions& options,
                     Status& status) noexcept {
    if (!check_length(parts, status)) return {};
    const std::uint64_t capacity = ring::round_capacity(requested);
    if (!check_options(requested, capacity, options, status)) return {};
    const auto slots = static_cast<std::uint32_t>(options.max_receivers + 1);
    const std::uint64_t ring_at = ring_offset_for(slots);
    Core core;
    core.policy_ = options.wait;
    Request request;
    request.name = parts;
    request.disposition = Disposition::create;
    request.size = ring_at + capacity;
    request.security = options.security;
    core.region_ = Region::acquire(name, request, status);
    if (status) return fail(status, "cannot create the broadcast's region");
    if (!core.bells_.create(name, slots, options.security, status)) return {};
    Header& header = core.header();
    header.version = layout_version;
    header.ring_offset = static_cast<std::uint32_t>(ring_at);
    header.capacity = capacity;
    header.slot_count = slots;
    header.when_full = static_cast<std::uint32_t>(options.full);
    core.word(0).store(pending_word(0), std::memory_order_relaxed);  // the first message's number
    core.bind_table();
    if (!core.table_.take_hub(core.liveness_, core.handle(), "another live sender holds the broadcast", status)) {
      return {};
    }
    core.index_ = hub_slot;
    core.table_.publish_attached(hub_slot);
    header.magic.store(magic, std::memory_order_release);
    return core;
  }

  /**
   * Opens the broadcast and takes a free receiver slot, its cursor at the `start` position as
   * read before marking the slot (a provisional one; see the attach in broadcast_layout.hpp).
   * Does not mark it attached: the receiver does. Empty with `status` set on failure.
   */
  static Core open(std::string_view name, const NameParts& parts, WaitMode policy, Start start,
                   Status& status) noexcept {
    if (!check_length(parts, status)) return {};
    Core core;
    core.policy_ = policy;
    Request request;
    request.name = parts;
    core.region_ = Region::acquire(name, request, status);
    if (status) return fail(status, "cannot open the broadcast's region");
    if (!core.check_header(status)) return {};
    core.bind_table();
    const Header& header = core.header();
    const std::uint64_t provisional =
        (start == Start::oldest ? header.oldest : header.tail).load(std::memory_order_seq_cst);
    const unsigned index = core.table_.take_member(
        core.liveness_, core.handle(), provisional,
        "every receiver slot is held by a live receiver (BroadcastOptions::max_receivers)", status);
    if (index == 0) return {};
    core.index_ = index;  // from here on, destroying the Core gives the slot up
    if (!core.bells_.open(name, index, status)) return {};
    return core;
  }

  /// Removes the broadcast's name if no live namedshm process holds it (POSIX; Windows: false).
  static bool remove_stale(const NameParts& parts, Status& status) noexcept {
    return check_length(parts, status) && os::remove_if_stale(parts, status);
  }

  [[nodiscard]] bool valid() const noexcept { return region_.valid(); }
  Header& header() const noexcept { return *std::launder(reinterpret_cast<Header*>(region_.data())); }
  std::byte* ring() const noexcept { return region_.data() + header().ring_offset; }
  std::uint64_t capacity() const noexcept { return valid() ? header().capacity : 0; }
  std::uint64_t mask() const noexcept { return capacity() - 1; }
  Full full() const noexcept { return static_cast<Full>(header().when_full); }
  [[nodiscard]] const std::string& name() const noexcept { return region_.name(); }
  const SlotTable& table() const noexcept { return table_; }
  unsigned index() const noexcept { return index_; }
  Slot& slot() const noexcept { return table_[index_]; }
  Liveness::handle_type handle() const noexcept { return region_.native_handle(); }
  /// The 64-bit word of the ring at `position` (any 8-aligned stream position).
  std::atomic<std::uint64_t>& word(std::uint64_t position) const noexcept {
    return ring::word_at(ring(), mask(), position);
  }

  /// Marks this endpoint's slot attached (a receiver, once its cursor is set).
  void publish_attached() const noexcept { table_.publish_attached(index_); }

  /// The sender's slot as seen by a receiver; `ask_os`: ask the OS whether it lives.
  Holder sender(bool ask_os) noexcept { return liveness_.holder(handle(), table_.words(hub_slot), ask_os); }

  /// What rings a slot's doorbell, through the doorbells this Core holds.
  struct Ringer {
    Core* core;
    void operator()(unsigned index) const noexcept { core->bells_.ring(core->table_[index], index); }
  };
  Ringer ringer() noexcept { return {this}; }

  /// Wakes the sender if it sleeps (a receiver, after moving its cursor or closing).
  void wake_sender() noexcept { table_.wake(hub_slot, ringer()); }
  /// Wakes every receiver that sleeps (the sender, after a record or its close).
  void wake_receivers() noexcept { table_.wake_members(ringer()); }

  /// Waits in this endpoint's slot (see wait_in_slot).
  template <class Ready, class Peer>
  Wait wait(Ready&& ready, Peer&& peer, Clock::time_point deadline, Status& status) noexcept {
    return wait_in_slot(table_, bells_, index_, policy_, ready, peer, deadline, status);
  }

  /// Gives up the slot, wakes the other side, and releases everything now; returns the name,
  /// for a message. `status` reports the first step that failed. Does not throw.
  std::string close(Status& status) noexcept {
    detach();
    bells_.close(status);
    table_ = {};
    return region_.close(status);
  }

 private:
  static constexpr unsigned no_slot = ~0U;

  void detach() noexcept {
    if (index_ == no_slot) return;
    const unsigned index = std::exchange(index_, no_slot);
    liveness_.give_up(handle(), table_.words(index));
    if (index == hub_slot) {
      table_.wake_members(ringer());
    } else {
      table_.wake(hub_slot, ringer());
    }
  }

  void bind_table() noexcept {
    table_ = SlotTable(std::launder(reinterpret_cast<Slot*>(region_.data() + table_offset)), header().slot_count,
                       &header().sleepers);
  }

  static bool check_length(const NameParts& parts, Status& status) noexcept {
    if (parts.object.size() + event_suffix_bytes <= max_object_name_bytes) return true;
    status.set(std::errc::filename_too_long,
               "a broadcast's name may have at most 249 bytes after its prefix: on Windows its slots' events add "
               "\".<slot>\" to it, and names have at most 255");
    return false;
  }

  static bool check_options(std::size_t requested, std::uint64_t capacity, const CreateOptions& options,
                            Status& status) noexcept {
    if (requested == 0) {
      status.set(std::errc::invalid_argument, "the capacity is 0");
    } else if (capacity == 0) {
      status.set(std::errc::invalid_argument, "the capacity is larger than 2 GiB, the largest ring");
    } else if (options.max_receivers == 0 || options.max_receivers > max_receivers_limit) {
      status.set(std::errc::invalid_argument, "max_receivers must be from 1 to 1024");
    } else if (options.full != Full::wait && options.full != Full::overwrite) {
      status.set(std::errc::invalid_argument, "when_full is neither WhenFull::wait nor WhenFull::overwrite");
    } else if (options.wait != WaitMode::spin && options.wait != WaitMode::block &&
               options.wait != WaitMode::spin_then_block) {
      status.set(std::errc::invalid_argument, "the wait policy is not one of WaitPolicy's values");
    } else {
      return true;
    }
    return false;
  }

  /// Checks what the creator wrote (after waiting a little for it, as POSIX sizes the region
  /// before the header is written).
  bool check_header(Status& status) const noexcept {
    if (region_.size() < ring_offset_for(2) + ring::min_capacity) {
      status.set(std::errc::invalid_argument, "the region is too small to be a broadcast");
      return false;
    }
    const Header& header = this->header();
    std::uint64_t found = 0;
    wait_for_creator([&] { return (found = header.magic.load(std::memory_order_acquire)) != 0; });
    if (found != magic) {
      status.set(std::errc::invalid_argument,
                 found == 0
                     ? "the region is not a broadcast (it has no broadcast header, or its creator died making it)"
                     : "the region is not a broadcast (its first bytes are not a broadcast header)");
      return false;
    }
    if (header.version != layout_version) {
      status.set(std::errc::protocol_not_supported,
                 "the broadcast was made by a version of namedshm with another broadcast layout");
      return false;
    }
    const std::uint64_t capacity = header.capacity;
    const bool power_of_two = capacity != 0 && (capacity & (capacity - 1)) == 0;
    const bool slots_fit = header.slot_count >= 2 && header.slot_count <= max_receivers_limit + 1;
    if (!slots_fit || header.ring_offset != ring_offset_for(header.slot_count) || !power_of_two ||
        capacity < ring::min_capacity || capacity > ring::max_capacity || header.when_full > 1 ||
        region_.size() - header.ring_offset < capacity) {
      status.set(std::errc::invalid_argument, "the broadcast's header is damaged (its sizes do not fit the region)");
      return false;
    }
    return true;
  }

  static Core fail(Status& status, const char* why) noexcept {
    status.detail = why;
    return {};
  }

  Region region_;
  Doorbells bells_;
  SlotTable table_;
  Liveness liveness_;  ///< this endpoint's claim, and a receiver's look at the sender
  unsigned index_ = no_slot;
  WaitMode policy_ = WaitMode::spin_then_block;
};

}  // namespace namedshm::detail::broadcast

#endif  // NAMEDSHM_DETAIL_BROADCAST_CORE_HPP
