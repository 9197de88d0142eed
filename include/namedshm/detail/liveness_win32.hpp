// namedshm: who holds a slot, and does the holder still live, on Windows.
// SPDX-License-Identifier: MIT
//
// The holder records its process in the slot's owner word (process id << 32 | the low 32 bits
// of the process's creation time) with a compare-and-swap. A prober asks the kernel about that
// process: OpenProcess(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION), GetProcessTimes to
// check the creation time (so that a reused process id is not taken for the holder), and
// WaitForSingleObject(process, 0), which is signalled once the process has ended, however it
// ended. A second taker of a slot whose owner lives is refused; one whose owner has died
// replaces it.
// Why not a named mutex held by each holder (abandoned on death)? A mutex belongs to a thread,
// not a process: a holder moved to another thread, or made by a thread that then exits, would
// look dead, and a mutex is recursive for its owner thread, so two holders in one thread could
// not exclude each other. A process handle has none of these problems. A waiter polls it between
// slices of its event wait (the event hides its HANDLE, so a WaitForMultipleObjects on both is
// not available); a slice is 50 ms.
#ifndef NAMEDSHM_DETAIL_LIVENESS_WIN32_HPP
#define NAMEDSHM_DETAIL_LIVENESS_WIN32_HPP

#include "win32.hpp"  // <windows.h>, included the way namedshm does it: first

#include <cstdint>  // std::uint64_t

#include "error.hpp"       // Status
#include "slot_words.hpp"  // SlotWords, SlotState, Holder, Take

namespace namedshm::detail {

/// One side's dealings with slots: take one, give it up, ask about one. It caches the handle of
/// the process it last asked about, so ask about one slot per Liveness when asking often.
class Liveness {
 public:
  using handle_type = void*;  // the section HANDLE; unused here

  /// Records this process as the slot's owner; `busy` while a live owner has it. Writes no other
  /// word: the caller publishes what it must and then marks the slot attached.
  Take take(handle_type /*section*/, const SlotWords& slot, Status& status) noexcept {
    std::uint64_t self = 0;
    if (!owner_of(::GetCurrentProcess(), ::GetCurrentProcessId(), self)) {
      // Without it, a prober would take this holder for a dead one whose id was reused.
      os::fail_with_last_error(status, "cannot read this process's creation time (GetProcessTimes)");
      return Take::failed;
    }
    std::uint64_t current = slot.owner->load(std::memory_order_seq_cst);
    for (;;) {
      if (current != 0 && alive(current)) return Take::busy;
      if (slot.owner->compare_exchange_weak(current, self, std::memory_order_seq_cst)) return Take::taken;
    }
  }

  /// Marks the slot closed and clears its owner. Does not throw.
  void give_up(handle_type /*section*/, const SlotWords& slot) noexcept {
    slot.state->store(slot_closed, std::memory_order_seq_cst);
    slot.owner->store(0, std::memory_order_seq_cst);
    forget();
  }

  /// The slot's holder. `ask_os`: also ask the kernel whether an `attached` holder still lives.
  Holder holder(handle_type /*section*/, const SlotWords& slot, bool ask_os) noexcept {
    const std::uint32_t state = slot.state->load(std::memory_order_seq_cst);
    if (state == slot_empty) return Holder::absent;
    if (state == slot_closed) return Holder::closed;
    if (!ask_os) return Holder::attached;
    const std::uint64_t owner = slot.owner->load(std::memory_order_seq_cst);
    // 0: attaching (the owner is written before the state) or closing (after it): not dead.
    if (owner == 0 || alive(owner)) return Holder::attached;
    // A clean close marks the slot before it clears the owner, and a replacement changes the
    // owner: only an unchanged owner in an unchanged state is a death.
    const std::uint32_t again = slot.state->load(std::memory_order_seq_cst);
    if (again == slot_closed) return Holder::closed;
    return slot.owner->load(std::memory_order_seq_cst) == owner ? Holder::died : Holder::attached;
  }

 private:
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
        // denied: another user's process) cannot prove a death, so the holder counts as alive.
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

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_LIVENESS_WIN32_HPP
