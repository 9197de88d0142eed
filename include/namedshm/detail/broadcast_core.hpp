// namedshm: what the broadcast's sender and receivers share: a SlotEndpoint (the region, the
// doorbells, this endpoint's slot, and how it waits) with the broadcast's layout. Not for users; see
// BroadcastSender and BroadcastReceiver in namedshm/broadcast.hpp, and the design in
// broadcast_layout.hpp.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_BROADCAST_CORE_HPP
#define NAMEDSHM_DETAIL_BROADCAST_CORE_HPP

#include <atomic>       // std::atomic, std::memory_order
#include <cstddef>      // std::byte, std::size_t
#include <cstdint>      // std::uint32_t, std::uint64_t
#include <new>          // std::launder
#include <string_view>  // std::string_view

#include "broadcast_layout.hpp"  // Header, records, Full
#include "creator_wait.hpp"      // check_magic
#include "error.hpp"             // Status
#include "name.hpp"              // NameParts
#include "request.hpp"           // SecurityRequest
#include "slot_endpoint.hpp"     // SlotEndpoint: region, doorbells, slot, waits
#include "wait_loop.hpp"         // WaitMode, WaitClock, valid_mode

namespace namedshm::detail::broadcast {

using Clock = WaitClock;

/// How to make the broadcast (namedshm::BroadcastOptions, as the machinery sees it).
struct CreateOptions {
  WaitMode wait = WaitMode::spin_then_block;
  Full full = Full::wait;
  std::uint64_t max_receivers = 16;
  SecurityRequest security;
};

/// Where a receiver starts (namedshm::BroadcastStart).
enum class Start : unsigned char { next, oldest };

/// Why a broadcast's name may be at most 249 bytes long.
inline constexpr const char* name_rule =
    "a broadcast's name may have at most 249 bytes after its prefix: on Windows its slots' events add "
    "\".<slot>\" to it, and names have at most 255";

/**
 * One endpoint of a broadcast: a SlotEndpoint (slot 0 for the sender) with the broadcast's
 * layout. Move-only; a moved-from Core is empty.
 */
class Core : public SlotEndpoint {
 public:
  /// Creates the broadcast (region, doorbells, header, `magic` last) and takes slot 0.
  /// `name` (as the caller wrote it) and `parts` passed check_name. Empty with `status` set on
  /// failure. Does not throw.
  static Core create(std::string_view name, const NameParts& parts, std::size_t requested, const CreateOptions& options,
                     Status& status) noexcept {
    if (!check_length(parts, name_rule, status)) return {};
    const std::uint64_t capacity = ring::round_capacity(requested);
    if (!check_options(requested, capacity, options, status)) return {};
    const auto slots = static_cast<std::uint32_t>(options.max_receivers + 1);
    const std::uint64_t ring_at = ring_offset_for(slots);
    Core core;
    if (!core.create_objects(name, parts, ring_at + capacity, slots, options.security, options.wait,
                             "cannot create the broadcast's region", status)) {
      return {};
    }
    Header& header = core.header();
    header.version = layout_version;
    header.ring_offset = static_cast<std::uint32_t>(ring_at);
    header.capacity = capacity;
    header.slot_count = slots;
    header.when_full = static_cast<std::uint32_t>(options.full);
    core.keep_ring(ring_at, capacity);
    core.word(0).store(pending_word(0), std::memory_order_relaxed);  // the first message's number
    core.bind_table(table_offset, slots, &header.sleepers);
    if (!core.attach_hub("another live sender holds the broadcast", status)) return {};
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
    if (!check_length(parts, name_rule, status)) return {};
    Core core;
    if (!core.open_region(name, parts, policy, "cannot open the broadcast's region", status)) return {};
    std::uint32_t slots = 0;
    if (!core.check_header(slots, status)) return {};
    const Header& header = core.header();
    core.bind_table(table_offset, slots, &core.header().sleepers);
    const std::uint64_t provisional =
        (start == Start::oldest ? header.oldest : header.tail).load(std::memory_order_seq_cst);
    if (!core.attach_member(name, provisional_cursor(provisional),
                            "every receiver slot is held by a live receiver (BroadcastOptions::max_receivers)",
                            status)) {
      return {};
    }
    return core;
  }

  /// Removes the broadcast's name if no live namedshm process holds it (POSIX; Windows: false).
  static bool remove_stale(const NameParts& parts, Status& status) noexcept {
    return SlotEndpoint::remove_stale(parts, name_rule, status);
  }

  Header& header() const noexcept { return *std::launder(reinterpret_cast<Header*>(data())); }
  Full full() const noexcept { return static_cast<Full>(header().when_full); }
  /// The 64-bit word of the ring at `position` (any 8-aligned stream position).
  std::atomic<std::uint64_t>& word(std::uint64_t position) const noexcept {
    return ring::word_at(ring(), mask(), position);
  }

 private:
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
    } else if (!valid_mode(options.wait)) {
      status.set(std::errc::invalid_argument, "the wait policy is not one of WaitPolicy's values");
    } else {
      return true;
    }
    return false;
  }

  /// Checks what the creator wrote (after waiting a little for it, as POSIX sizes the region
  /// before the header is written), reading each field once, and keeps what it checked: the
  /// ring, and in `slots` the number of slots.
  bool check_header(std::uint32_t& slots, Status& status) noexcept {
    if (size() < ring_offset_for(2) + ring::min_capacity) {
      status.set(std::errc::invalid_argument, "the region is too small to be a broadcast");
      return false;
    }
    const Header& header = this->header();
    const HeaderTexts texts{"the region is not a broadcast (it has no broadcast header, or its creator died making it)",
                            "the region is not a broadcast (its first bytes are not a broadcast header)",
                            "the broadcast was made by a version of namedshm with another broadcast layout"};
    if (!check_magic(header.magic, magic, header.version, layout_version, texts, status)) return false;
    const std::uint64_t capacity = header.capacity;
    const std::uint64_t ring_at = header.ring_offset;
    slots = header.slot_count;
    const bool power_of_two = capacity != 0 && (capacity & (capacity - 1)) == 0;
    const bool slots_fit = slots >= 2 && slots <= max_receivers_limit + 1;
    if (!slots_fit || ring_at != ring_offset_for(slots) || !power_of_two || capacity < ring::min_capacity ||
        capacity > ring::max_capacity || header.when_full > 1 || size() - ring_at < capacity) {
      status.set(std::errc::invalid_argument, "the broadcast's header is damaged (its sizes do not fit the region)");
      return false;
    }
    keep_ring(ring_at, capacity);
    return true;
  }
};

}  // namespace namedshm::detail::broadcast

#endif  // NAMEDSHM_DETAIL_BROADCAST_CORE_HPP
