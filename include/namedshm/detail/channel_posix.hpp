// namedshm: channel endpoints on POSIX (Linux): who is attached, and is the peer still alive.
// SPDX-License-Identifier: MIT
//
// Each endpoint holds an open-file-description lock (fcntl F_OFD_SETLK) on one byte of the
// channel region's descriptor: byte 0 for the sender, byte 1 for the receiver. The kernel drops
// such a lock when the process dies, however it dies, so
//  - a second endpoint of the same role fails to take the lock while the first one lives
//    (and succeeds once it has died: no stale state to clean up), and
//  - a waiter learns that its peer died by asking F_OFD_GETLK whether anyone holds the peer's
//    byte, without any cooperation from the peer and without guessing from a timeout.
// Why OFD locks rather than the classic F_SETLK: classic record locks belong to the process, so
// two endpoints in one process would not exclude each other, F_GETLK never reports the caller's
// own locks, and closing *any* descriptor of the file drops them all. OFD locks belong to the
// open file description that each region's shm_open made. They are also independent of the
// flock(LOCK_SH) that every region holds to mark the object as in use (Linux keeps flock and
// fcntl locks apart), so neither disturbs the other.
#ifndef NAMEDSHM_DETAIL_CHANNEL_POSIX_HPP
#define NAMEDSHM_DETAIL_CHANNEL_POSIX_HPP

#include <fcntl.h>  // fcntl, F_OFD_SETLK, F_OFD_GETLK, struct flock

#include <cerrno>  // errno, EAGAIN, EACCES, EINTR

#include "channel_layout.hpp"  // Header, Role, SlotState
#include "error.hpp"           // Status
#include "posix.hpp"           // native::fcntl_lock
#include "system.hpp"          // NAMEDSHM_SYSTEM

#if !defined(F_OFD_SETLK)
#  error "namedshm/channel.hpp needs open file description locks (F_OFD_SETLK: Linux 3.15 or later)"
#endif

namespace namedshm::detail::channel {

/// What an endpoint knows about the other side.
enum class PeerStatus : unsigned char { absent, attached, closed, died };

/// The OS side of one endpoint's presence in a channel. POSIX keeps no state of its own: the
/// lock lives on the region's descriptor.
class Presence {
 public:
  using handle_type = int;

  /// Takes this endpoint's slot. Fails with errc::device_or_resource_busy if a live endpoint
  /// of the same role holds it.
  bool attach(handle_type fd, Header& header, Role role, Status& status) noexcept {
    struct flock lock = byte_of(role, F_WRLCK);
    int result = 0;
    do {
      result = NAMEDSHM_SYSTEM(fcntl_lock)(fd, F_OFD_SETLK, &lock);
    } while (result == -1 && errno == EINTR);
    if (result == -1) {
      if (errno == EAGAIN || errno == EACCES) {
        status.set(std::errc::device_or_resource_busy, busy_message(role));
      } else {
        status.set_system(errno, "cannot lock the endpoint's byte of the channel region (fcntl F_OFD_SETLK)");
      }
      return false;
    }
    // The lock first, then the state: a reader that sees `attached` without a lock knows the
    // holder died.
    header.state[index(role)].store(slot_attached, std::memory_order_seq_cst);
    return true;
  }

  /// Marks the slot closed and gives it up. Does not throw.
  void detach(handle_type fd, Header& header, Role role) noexcept {
    header.state[index(role)].store(slot_closed, std::memory_order_seq_cst);
    struct flock lock = byte_of(role, F_UNLCK);
    NAMEDSHM_SYSTEM(fcntl_lock)(fd, F_OFD_SETLK, &lock);  // closing the descriptor would release it as well
  }

  /// The peer's status. `ask_os`: also ask the kernel whether an `attached` peer still lives
  /// (one fcntl); without it, `attached` is taken at its word.
  PeerStatus peer(handle_type fd, const Header& header, Role self, bool ask_os) noexcept {
    const Role other = self == Role::sender ? Role::receiver : Role::sender;
    const std::uint32_t state = header.state[index(other)].load(std::memory_order_seq_cst);
    if (state == slot_empty) return PeerStatus::absent;
    if (state == slot_closed) return PeerStatus::closed;
    if (!ask_os) return PeerStatus::attached;
    struct flock probe = byte_of(other, F_WRLCK);
    if (NAMEDSHM_SYSTEM(fcntl_lock)(fd, F_OFD_GETLK, &probe) == -1)
      return PeerStatus::attached;  // cannot tell: keep waiting
    if (probe.l_type != F_UNLCK) return PeerStatus::attached;
    // Nobody holds the byte. A clean close marks the slot before it unlocks, so read it again.
    const std::uint32_t again = header.state[index(other)].load(std::memory_order_seq_cst);
    return again == slot_closed ? PeerStatus::closed : PeerStatus::died;
  }

 private:
  static int index(Role role) noexcept { return static_cast<int>(role); }

  static struct flock byte_of(Role role, short type) noexcept {
    struct flock lock {};
    lock.l_type = type;
    lock.l_whence = SEEK_SET;
    lock.l_start = static_cast<off_t>(role);
    lock.l_len = 1;
    lock.l_pid = 0;  // F_OFD_* requires 0
    return lock;
  }

  static const char* busy_message(Role role) noexcept {
    return role == Role::sender ? "another live sender is attached to the channel"
                                : "another live receiver is attached to the channel";
  }
};

}  // namespace namedshm::detail::channel

#endif  // NAMEDSHM_DETAIL_CHANNEL_POSIX_HPP
