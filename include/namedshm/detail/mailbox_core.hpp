// namedshm: what the mailbox's receiver and senders share: a SlotEndpoint (the region, the
// doorbells, this endpoint's slot, and how it waits) with the mailbox's layout. Not for users;
// see Mailbox and MailboxSender in namedshm/mailbox.hpp, and the design in mailbox_layout.hpp.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_MAILBOX_CORE_HPP
#define NAMEDSHM_DETAIL_MAILBOX_CORE_HPP

#include <atomic>       // std::atomic, std::memory_order
#include <cstddef>      // std::byte, std::size_t
#include <cstdint>      // std::uint32_t, std::uint64_t
#include <new>          // std::launder
#include <string_view>  // std::string_view

#include "creator_wait.hpp"    // check_magic
#include "error.hpp"           // Status
#include "mailbox_layout.hpp"  // Header, claim words, granule
#include "name.hpp"            // NameParts
#include "request.hpp"         // SecurityRequest
#include "ring_record.hpp"     // round_capacity, min_capacity, max_capacity
#include "slot_endpoint.hpp"   // SlotEndpoint: region, doorbells, slot, waits
#include "wait_loop.hpp"       // WaitMode, WaitClock, valid_mode

namespace namedshm::detail::mailbox {

using Clock = WaitClock;

/// How to make the mailbox (namedshm::MailboxOptions, as the machinery sees it).
struct CreateOptions {
  WaitMode wait = WaitMode::spin_then_block;
  std::uint64_t max_senders = 64;
  SecurityRequest security;
};

/// Why a mailbox's name may be at most 249 bytes long.
inline constexpr const char* name_rule =
    "a mailbox's name may have at most 249 bytes after its prefix: on Windows its slots' events add "
    "\".<slot>\" to it, and names have at most 255";

/**
 * One endpoint of a mailbox: a SlotEndpoint (slot 0 for the receiver) with the mailbox's
 * layout. Move-only; a moved-from Core is empty.
 */
class Core : public SlotEndpoint {
 public:
  /// Creates the mailbox (region, doorbells, header, `magic` last) and takes slot 0. `name` (as
  /// the caller wrote it) and `parts` passed check_name. Empty with `status` set on failure.
  /// Does not throw.
  static Core create(std::string_view name, const NameParts& parts, std::size_t requested, const CreateOptions& options,
                     Status& status) noexcept {
    if (!check_length(parts, name_rule, status)) return {};
    const std::uint64_t capacity = ring::round_capacity(requested);
    if (!check_options(requested, capacity, options, status)) return {};
    const auto slots = static_cast<std::uint32_t>(options.max_senders + 1);
    const std::uint64_t ring_at = ring_offset_for(slots, capacity);
    Core core;
    if (!core.create_objects(name, parts, ring_at + capacity, slots, options.security, options.wait,
                             "cannot create the mailbox's region", status)) {
      return {};
    }
    Header& header = core.header();
    header.version = layout_version;
    header.slot_count = slots;
    header.capacity = capacity;
    header.claims_offset = claims_offset_for(slots);
    header.ring_offset = ring_at;
    core.keep_ring(ring_at, capacity);
    core.claims_offset_ = claims_offset_for(slots);
    core.bind_table(table_offset, slots, &header.sleepers);  // the claim words are free(0): zero-filled
    if (!core.attach_hub("another live receiver holds the mailbox", status)) return {};
    header.magic.store(magic, std::memory_order_release);
    return core;
  }

  /// Opens the mailbox and takes a free sender slot (not marked attached: the sender does).
  /// Empty with `status` set on failure. Does not throw.
  static Core open(std::string_view name, const NameParts& parts, WaitMode policy, Status& status) noexcept {
    if (!check_length(parts, name_rule, status)) return {};
    Core core;
    if (!core.open_region(name, parts, policy, "cannot open the mailbox's region", status)) return {};
    std::uint32_t slots = 0;
    if (!core.check_header(slots, status)) return {};
    core.bind_table(table_offset, slots, &core.header().sleepers);
    if (!core.attach_member(name, 0, "every sender slot is held by a live sender (MailboxOptions::max_senders)",
                            status)) {
      return {};
    }
    return core;
  }

  /// Removes the mailbox's name if no live namedshm process holds it (POSIX; Windows: false).
  static bool remove_stale(const NameParts& parts, Status& status) noexcept {
    return SlotEndpoint::remove_stale(parts, name_rule, status);
  }

  Header& header() const noexcept { return *std::launder(reinterpret_cast<Header*>(data())); }
  /// Granules in the ring: what a free() word adds for the next lap.
  std::uint64_t granules() const noexcept { return capacity() / granule; }
  /// The bytes of the record at `position` (granule-aligned).
  std::byte* bytes_at(std::uint64_t position) const noexcept { return ring() + (position & mask()); }
  /// The claim word of the granule at `position` (any granule-aligned stream position), where
  /// claim_index() puts it.
  std::atomic<std::uint64_t>& claim(std::uint64_t position) const noexcept {
    auto* words = std::launder(reinterpret_cast<std::atomic<std::uint64_t>*>(data() + claims_offset_));
    return words[claim_index((position & mask()) / granule, granules())];
  }

  /// Moves `tail` from `from` to `to` if it still stands at `from`: a record at `from` that
  /// ends at `to` has been claimed (or is done with), and whoever claimed it may be slow or dead.
  void help_tail(std::uint64_t from, std::uint64_t to) const noexcept {
    auto& tail = header().tail;
    if (tail.load(std::memory_order_acquire) != from) return;
    tail.compare_exchange_strong(from, to, std::memory_order_acq_rel, std::memory_order_acquire);
  }

 private:
  static bool check_options(std::size_t requested, std::uint64_t capacity, const CreateOptions& options,
                            Status& status) noexcept {
    if (requested == 0) {
      status.set(std::errc::invalid_argument, "the capacity is 0");
    } else if (capacity == 0) {
      status.set(std::errc::invalid_argument, "the capacity is larger than 2 GiB, the largest ring");
    } else if (options.max_senders == 0 || options.max_senders > max_senders_limit) {
      status.set(std::errc::invalid_argument, "max_senders must be from 1 to 1024");
    } else if (!valid_mode(options.wait)) {
      status.set(std::errc::invalid_argument, "the wait policy is not one of WaitPolicy's values");
    } else {
      return true;
    }
    return false;
  }

  /// Checks what the creator wrote (after waiting a little for it, as POSIX sizes the region
  /// before the header is written), reading each field once, and keeps what it checked: the
  /// ring, the claim words, and in `slots` the number of slots.
  bool check_header(std::uint32_t& slots, Status& status) noexcept {
    if (size() < ring_offset_for(2, ring::min_capacity) + ring::min_capacity) {
      status.set(std::errc::invalid_argument, "the region is too small to be a mailbox");
      return false;
    }
    const Header& header = this->header();
    const HeaderTexts texts{"the region is not a mailbox (it has no mailbox header, or its creator died making it)",
                            "the region is not a mailbox (its first bytes are not a mailbox header)",
                            "the mailbox was made by a version of namedshm with another mailbox layout"};
    if (!check_magic(header.magic, magic, header.version, layout_version, texts, status)) return false;
    const std::uint64_t capacity = header.capacity;
    const std::uint64_t claims_at = header.claims_offset;
    const std::uint64_t ring_at = header.ring_offset;
    slots = header.slot_count;
    const bool power_of_two = capacity != 0 && (capacity & (capacity - 1)) == 0;
    const bool slots_fit = slots >= 2 && slots <= max_senders_limit + 1;
    if (!slots_fit || !power_of_two || capacity < ring::min_capacity || capacity > ring::max_capacity ||
        claims_at != claims_offset_for(slots) || ring_at != ring_offset_for(slots, capacity) || size() < ring_at ||
        size() - ring_at < capacity) {
      status.set(std::errc::invalid_argument, "the mailbox's header is damaged (its sizes do not fit the region)");
      return false;
    }
    keep_ring(ring_at, capacity);
    claims_offset_ = claims_at;
    return true;
  }

  std::uint64_t claims_offset_ = 0;  ///< where the claim words start, kept as keep_ring() keeps the ring
};

}  // namespace namedshm::detail::mailbox

#endif  // NAMEDSHM_DETAIL_MAILBOX_CORE_HPP
