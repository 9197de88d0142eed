// namedshm: one endpoint of a primitive built on a slot table: its region, the table's
// doorbells, its slot in the table (slot_table.hpp), and how it waits. The broadcast (a sender
// and its receivers) and the mailbox (a receiver and its senders) are both made of it; each adds
// its own layout. Not for users; see broadcast_core.hpp and mailbox_core.hpp.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_SLOT_ENDPOINT_HPP
#define NAMEDSHM_DETAIL_SLOT_ENDPOINT_HPP

#include <atomic>       // std::atomic, the sleepers word
#include <cstddef>      // std::byte, std::size_t
#include <cstdint>      // std::uint64_t
#include <new>          // std::launder
#include <string>       // std::string, the name a close returns
#include <string_view>  // std::string_view
#include <utility>      // std::exchange, std::move

#include "doorbell_backend.hpp"  // Doorbells
#include "error.hpp"             // Status
#include "liveness_backend.hpp"  // Liveness
#include "name.hpp"              // NameParts, max_object_name_bytes
#include "region.hpp"            // Region
#include "request.hpp"           // Request, SecurityRequest
#include "slot_table.hpp"        // SlotTable, Slot, hub_slot
#include "slot_wait.hpp"         // wait_in_slot
#include "wait_loop.hpp"         // WaitMode, Wait, WaitClock

namespace namedshm::detail {

/// Bytes that Windows adds to a primitive's name for its slots' events (".<slot>", up to
/// ".1024"); names keep room for six, as a channel's do, on both platforms.
inline constexpr std::size_t slot_event_suffix_bytes = 6;

/**
 * One endpoint of a slot-table primitive: the region, the doorbells, and this endpoint's slot
 * (hub_slot for the hub), given up (marked closed, with the other side woken) when the endpoint
 * closes, is destroyed, or is moved onto. The primitive binds the table into its layout
 * (bind_table) and writes its own header. Move-only; a moved-from endpoint is empty.
 */
class SlotEndpoint {
 public:
  SlotEndpoint() noexcept = default;
  SlotEndpoint(const SlotEndpoint&) = delete;
  SlotEndpoint& operator=(const SlotEndpoint&) = delete;
  SlotEndpoint(SlotEndpoint&& other) noexcept
      : region_(std::move(other.region_)),
        bells_(std::move(other.bells_)),
        table_(other.table_),
        liveness_(std::move(other.liveness_)),
        index_(std::exchange(other.index_, no_slot)),
        policy_(other.policy_),
        ring_offset_(other.ring_offset_),
        capacity_(other.capacity_) {}
  /// Gives up this slot first (it lies in the region that the next lines release).
  SlotEndpoint& operator=(SlotEndpoint&& other) noexcept {
    if (this != &other) {
      detach();
      region_ = std::move(other.region_);
      bells_ = std::move(other.bells_);
      table_ = other.table_;
      liveness_ = std::move(other.liveness_);
      index_ = std::exchange(other.index_, no_slot);
      policy_ = other.policy_;
      ring_offset_ = other.ring_offset_;
      capacity_ = other.capacity_;
    }
    return *this;
  }
  ~SlotEndpoint() { detach(); }

  /// False with `status` set (errc::filename_too_long, `rule`) if the name leaves no room for
  /// the slots' event suffixes.
  static bool check_length(const NameParts& parts, const char* rule, Status& status) noexcept {
    if (parts.object.size() + slot_event_suffix_bytes <= max_object_name_bytes) return true;
    status.set(std::errc::filename_too_long, rule);
    return false;
  }

  /// Removes the primitive's name if no live namedshm process holds it (POSIX; Windows: false).
  static bool remove_stale(const NameParts& parts, const char* rule, Status& status) noexcept {
    return check_length(parts, rule, status) && os::remove_if_stale(parts, status);
  }

  /// The hub's first step: creates the region (`size` bytes, zero-filled) and the doorbells of
  /// `slots` slots. `region_failure` is the message's detail if the region cannot be made.
  bool create_objects(std::string_view name, const NameParts& parts, std::uint64_t size, unsigned slots,
                      const SecurityRequest& security, WaitMode policy, const char* region_failure,
                      Status& status) noexcept {
    policy_ = policy;
    Request request;
    request.name = parts;
    request.disposition = Disposition::create;
    request.size = size;
    request.security = security;
    region_ = Region::acquire(name, request, status);
    if (status) {
      status.detail = region_failure;
      return false;
    }
    return bells_.create(name, slots, security, status);
  }

  /// A member's first step: opens the region.
  bool open_region(std::string_view name, const NameParts& parts, WaitMode policy, const char* region_failure,
                   Status& status) noexcept {
    policy_ = policy;
    Request request;
    request.name = parts;
    region_ = Region::acquire(name, request, status);
    if (status) status.detail = region_failure;
    return !status;
  }

  /// Finds the table of `count` slots at `offset` in the region, with its sleepers word.
  void bind_table(std::size_t offset, unsigned count, std::atomic<std::uint64_t>* sleepers) noexcept {
    table_ = SlotTable(std::launder(reinterpret_cast<Slot*>(region_.data() + offset)), count, sleepers);
  }

  /// Takes the hub's slot and marks it attached; false with `status` set (`busy`) if a live hub
  /// holds it.
  bool attach_hub(const char* busy, Status& status) noexcept {
    if (!table_.take_hub(liveness_, handle(), busy, status)) return false;
    index_ = hub_slot;
    table_.publish_attached(hub_slot);
    return true;
  }

  /// Takes a free member slot, its cursor set to `cursor`, and opens its doorbells; false with
  /// `status` set (`full`: every slot is held by a live member). Does not mark it attached:
  /// the caller does (publish_attached) once it has set up what others may read.
  bool attach_member(std::string_view name, std::uint64_t cursor, const char* full, Status& status) noexcept {
    const unsigned index = table_.take_member(liveness_, handle(), cursor, full, status);
    if (index == 0) return false;
    index_ = index;  // from here on, destroying the endpoint gives the slot up
    return bells_.open(name, index, status);
  }

  /// Keeps where the ring lies and its size, as the creator wrote them or the opener checked
  /// them: read from the header once, so that nothing a peer writes there later can move an
  /// access of this endpoint out of the region (and the hot paths read no shared header word).
  void keep_ring(std::uint64_t offset, std::uint64_t capacity) noexcept {
    ring_offset_ = offset;
    capacity_ = capacity;
  }
  std::byte* ring() const noexcept { return data() + ring_offset_; }
  std::uint64_t capacity() const noexcept { return valid() ? capacity_ : 0; }
  std::uint64_t mask() const noexcept { return capacity() - 1; }

  [[nodiscard]] bool valid() const noexcept { return region_.valid(); }
  [[nodiscard]] std::byte* data() const noexcept { return region_.data(); }
  [[nodiscard]] std::size_t size() const noexcept { return region_.size(); }
  [[nodiscard]] const std::string& name() const noexcept { return region_.name(); }
  const SlotTable& table() const noexcept { return table_; }
  unsigned index() const noexcept { return index_; }
  Slot& slot() const noexcept { return table_[index_]; }
  Liveness::handle_type handle() const noexcept { return region_.native_handle(); }

  /// Marks this endpoint's slot attached (a member, once it is set up).
  void publish_attached() const noexcept { table_.publish_attached(index_); }

  /// The hub's slot as a member sees it; `ask_os`: ask the OS whether it lives.
  Holder hub(bool ask_os) noexcept { return liveness_.holder(handle(), table_.words(hub_slot), ask_os); }

  /// What rings a slot's doorbell, through the doorbells this endpoint holds.
  struct Ringer {
    SlotEndpoint* endpoint;
    void operator()(unsigned index) const noexcept { endpoint->bells_.ring(endpoint->table_[index], index); }
  };
  Ringer ringer() noexcept { return {this}; }

  /// Wakes the hub if it sleeps (a member, after a change the hub waits for, or its close).
  void wake_hub() noexcept { table_.wake(hub_slot, ringer()); }
  /// Wakes every member that sleeps (the hub, after a change members wait for, or its close).
  void wake_members() noexcept { table_.wake_members(ringer()); }

  /// Waits in this endpoint's slot (see wait_in_slot).
  template <class Ready, class Peer>
  Wait wait(Ready&& ready, Peer&& peer, WaitClock::time_point deadline, Status& status) noexcept {
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
      wake_members();
    } else {
      wake_hub();
    }
  }

  Region region_;
  Doorbells bells_;
  SlotTable table_;
  Liveness liveness_;  ///< this endpoint's claim, and a member's look at the hub
  unsigned index_ = no_slot;
  WaitMode policy_ = WaitMode::spin_then_block;
  std::uint64_t ring_offset_ = 0;
  std::uint64_t capacity_ = 0;
};

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_SLOT_ENDPOINT_HPP
