// namedshm: who holds a slot, and does the holder still live, on POSIX (Linux).
// SPDX-License-Identifier: MIT
//
// The holder of slot `i` holds an open-file-description lock (fcntl F_OFD_SETLK) on byte `i` of
// the region's descriptor. The kernel drops such a lock when the process dies, however it
// dies, so
//  - a second taker of the slot fails to lock it while the holder lives (and succeeds once it
//    has died: no stale state to clean up), and
//  - anyone learns that the holder died by asking F_OFD_GETLK whether anyone holds the byte,
//    without any cooperation from the holder and without guessing from a timeout.
// Why OFD locks rather than the classic F_SETLK: classic record locks belong to the process, so
// two holders in one process would not exclude each other, F_GETLK never reports the caller's
// own locks, and closing *any* descriptor of the file drops them all. OFD locks belong to the
// open file description that each region's shm_open made. They are also independent of the
// flock(LOCK_SH) that every region holds to mark the object as in use (Linux keeps flock and
// fcntl locks apart), so neither disturbs the other.
#ifndef NAMEDSHM_DETAIL_LIVENESS_POSIX_HPP
#define NAMEDSHM_DETAIL_LIVENESS_POSIX_HPP

#include <fcntl.h>  // fcntl, F_OFD_SETLK, F_OFD_GETLK, struct flock

#include <cerrno>  // errno, EAGAIN, EACCES, EINTR

#include "error.hpp"       // Status
#include "posix.hpp"       // native::fcntl_lock
#include "slot_words.hpp"  // SlotWords, SlotState, Holder, Take
#include "system.hpp"      // NAMEDSHM_SYSTEM

#if !defined(F_OFD_SETLK)
#  error "namedshm's channels, broadcasts and mailboxes need open file description locks (F_OFD_SETLK: Linux 3.15+)"
#endif

namespace namedshm::detail {

/// One side's dealings with slots: take one, give it up, ask about one. POSIX keeps no state:
/// the locks live on the region's descriptor (`handle_type`), so a Liveness may ask about any
/// number of slots.
class Liveness {
 public:
  using handle_type = int;

  /// Locks the slot's byte; `busy` while a live holder has it. Writes no word: the caller
  /// publishes what it must and then marks the slot attached (publish_attached), so that a
  /// prober never sees `slot_attached` without the lock of a holder that lived.
  Take take(handle_type fd, const SlotWords& slot, Status& status) noexcept {
    struct flock lock = byte_of(slot.index, F_WRLCK);
    int result = 0;
    do {
      result = NAMEDSHM_SYSTEM(fcntl_lock)(fd, F_OFD_SETLK, &lock);
    } while (result == -1 && errno == EINTR);
    if (result == 0) return Take::taken;
    if (errno == EAGAIN || errno == EACCES) return Take::busy;
    status.set_system(errno, "cannot lock a slot's byte of the region (fcntl F_OFD_SETLK)");
    return Take::failed;
  }

  /// Marks the slot closed and unlocks it. Does not throw.
  void give_up(handle_type fd, const SlotWords& slot) noexcept {
    slot.state->store(slot_closed, std::memory_order_seq_cst);
    struct flock lock = byte_of(slot.index, F_UNLCK);
    NAMEDSHM_SYSTEM(fcntl_lock)(fd, F_OFD_SETLK, &lock);  // closing the descriptor would release it as well
  }

  /// The slot's holder. `ask_os`: also ask the kernel whether an `attached` holder still lives
  /// (one fcntl); without it, `attached` is taken at its word.
  Holder holder(handle_type fd, const SlotWords& slot, bool ask_os) noexcept {
    const std::uint32_t state = slot.state->load(std::memory_order_seq_cst);
    if (state == slot_empty) return Holder::absent;
    if (state == slot_closed) return Holder::closed;
    if (!ask_os) return Holder::attached;
    struct flock probe = byte_of(slot.index, F_WRLCK);
    if (NAMEDSHM_SYSTEM(fcntl_lock)(fd, F_OFD_GETLK, &probe) == -1) return Holder::attached;  // cannot tell
    if (probe.l_type != F_UNLCK) return Holder::attached;
    // Nobody holds the byte. A clean give_up marks the slot before it unlocks, so read it again.
    const std::uint32_t again = slot.state->load(std::memory_order_seq_cst);
    return again == slot_closed ? Holder::closed : Holder::died;
  }

 private:
  static struct flock byte_of(unsigned index, short type) noexcept {
    struct flock lock {};
    lock.l_type = type;
    lock.l_whence = SEEK_SET;
    lock.l_start = static_cast<off_t>(index);
    lock.l_len = 1;
    lock.l_pid = 0;  // F_OFD_* requires 0
    return lock;
  }
};

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_LIVENESS_POSIX_HPP
