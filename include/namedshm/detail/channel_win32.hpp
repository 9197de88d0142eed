// namedshm: channel endpoints on Windows: who is attached, and is the peer still alive.
// SPDX-License-Identifier: MIT
//
// Each endpoint records its process in its header slot (owner word: process id << 32 | the
// low 32 bits of the process's creation time) with a compare-and-swap. A waiter asks the
// kernel about that process: OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION),
// GetProcessTimes to check the creation time (so that a reused process id is not taken for the
// peer), and WaitForSingleObject(process, 0), which is signalled once the process has ended,
// however it ended. A second endpoint of a role whose owner lives is refused; one whose owner
// has died replaces it.
// Why not a named mutex held by each endpoint (abandoned on death)? A mutex belongs to a
// thread, not a process: an endpoint moved to another thread, or made by a thread that then
// exits, would look dead, and a mutex is recursive for its owner thread, so two endpoints in
// one thread could not exclude each other. A process handle has none of these problems. The
// waiter polls it between slices of its event wait (Event hides its HANDLE, so a
// WaitForMultipleObjects on both is not available); a slice is 50 ms.
#ifndef NAMEDSHM_DETAIL_CHANNEL_WIN32_HPP
#define NAMEDSHM_DETAIL_CHANNEL_WIN32_HPP

#include "win32.hpp"  // <windows.h>, included the way namedshm does it: first

#include <cstdint>  // std::uint64_t

#include "channel_layout.hpp"  // Header, Role, SlotState
#include "error.hpp"           // Status

namespace namedshm::detail::channel {

/// What an endpoint knows about the other side.
enum class PeerStatus : unsigned char { absent, attached, closed, died };

/// The OS side of one endpoint's presence in a channel: the peer's process handle, cached.
class Presence {
 public:
  using handle_type = void*;  // the section HANDLE; unused here

  /// Takes this endpoint's slot. Fails with errc::device_or_resource_busy if a live endpoint
  /// of the same role holds it.
  bool attach(handle_type /*section*/, Header& header, Role role, Status& status) noexcept {
    std::uint64_t self = 0;
    if (!owner_of(::GetCurrentProcess(), ::GetCurrentProcessId(), self)) {
      // Without it, a peer would take this endpoint for a dead one whose id was reused.
      os::fail_with_last_error(status, "cannot read this process's creation time (GetProcessTimes)");
      return false;
    }
    auto& owner = header.owner[index(role)];
    std::uint64_t current = owner.load(std::memory_order_seq_cst);
    for (;;) {
      if (current != 0 && alive(current)) {
        status.set(std::errc::device_or_resource_busy, role == Role::sender
                                                           ? "another live sender is attached to the channel"
                                                           : "another live receiver is attached to the channel");
        return false;
      }
      if (owner.compare_exchange_weak(current, self, std::memory_order_seq_cst)) break;
    }
    header.state[index(role)].store(slot_attached, std::memory_order_seq_cst);
    return true;
  }

  /// Marks the slot closed and gives it up. Does not throw.
  void detach(handle_type /*section*/, Header& header, Role role) noexcept {
    header.state[index(role)].store(slot_closed, std::memory_order_seq_cst);
    header.owner[index(role)].store(0, std::memory_order_seq_cst);
    forget();
  }

  /// The peer's status. `ask_os`: also ask the kernel whether an `attached` peer still lives.
  PeerStatus peer(handle_type /*section*/, const Header& header, Role self, bool ask_os) noexcept {
    const int other = index(self == Role::sender ? Role::receiver : Role::sender);
    const std::uint32_t state = header.state[other].load(std::memory_order_seq_cst);
    if (state == slot_empty) return PeerStatus::absent;
    if (state == slot_closed) return PeerStatus::closed;
    if (!ask_os) return PeerStatus::attached;
    const std::uint64_t owner = header.owner[other].load(std::memory_order_seq_cst);
    // 0: attaching (the owner is written before the state) or closing (after it): not dead.
    if (owner == 0 || alive(owner)) return PeerStatus::attached;
    // A clean close marks the slot before it clears the owner, and a replacement changes the
    // owner: only an unchanged owner in an unchanged state is a death.
    const std::uint32_t again = header.state[other].load(std::memory_order_seq_cst);
    if (again == slot_closed) return PeerStatus::closed;
    return header.owner[other].load(std::memory_order_seq_cst) == owner ? PeerStatus::died : PeerStatus::attached;
  }

 private:
  static int index(Role role) noexcept { return static_cast<int>(role); }

  /// The owner word of `process`, whose id is `id`: false if the kernel does not tell its
  /// creation time.
  static bool owner_of(HANDLE process, DWORD id, std::uint64_t& owner) noexcept {
    FILETIME created{};
    FILETIME exited{};
    FILETIME kernel{};
    FILETIME user{};
    if (!NAMEDSHM_SYSTEM(GetProcessTimes)(process, &created, &exited, &kernel, &user)) return false;
    owner = (static_cast<std::uint64_t>(id) << 32U) | created.dwLowDateTime;
    return true;
  }

  /// True unless the kernel says that the process recorded in `owner` has ended.
  bool alive(std::uint64_t owner) noexcept {
    if (owner != process_owner_) {
      forget();
      const auto id = static_cast<DWORD>(owner >> 32U);
      process_.reset(NAMEDSHM_SYSTEM(OpenProcess)(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION, FALSE, id));
      if (!process_) {
        // ERROR_INVALID_PARAMETER: no process has this id any more. Anything else (access
        // denied: another user's process) cannot prove a death, so the peer counts as alive.
        return ::GetLastError() != ERROR_INVALID_PARAMETER;
      }
      std::uint64_t actual = 0;
      if (!owner_of(process_.get(), id, actual)) {
        forget();  // cannot tell: ask again next time
        return true;
      }
      process_owner_ = owner;
      reused_ = actual != owner;  // the id now belongs to another process
    }
    // Only a signalled process has ended; a wait that fails proves nothing.
    return !reused_ && NAMEDSHM_SYSTEM(WaitForSingleObject)(process_.get(), 0) != WAIT_OBJECT_0;
  }

  void forget() noexcept {
    process_.reset();
    process_owner_ = 0;
    reused_ = false;
  }

  os::Handle process_;               ///< the process last asked about, or none
  std::uint64_t process_owner_ = 0;  ///< the owner word that process_ belongs to
  bool reused_ = false;              ///< process_ has the owner's id but not its creation time
};

}  // namespace namedshm::detail::channel

#endif  // NAMEDSHM_DETAIL_CHANNEL_WIN32_HPP
