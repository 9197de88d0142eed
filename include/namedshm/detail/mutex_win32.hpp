// namedshm: the Win32 backend of Mutex: a kernel mutex (CreateMutexExW, OpenMutexW,
// WaitForSingleObject, which says WAIT_ABANDONED when the owner died), and a small section of
// the mutex's own name that keeps what the kernel does not: who holds it, so that a thread's
// second lock is an error as on POSIX (a kernel mutex is recursive), and whether the state it
// protects was left inconsistent or given up (the kernel forgets an abandonment at the next
// release). The kernel mutex is named NAME.lock.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_MUTEX_WIN32_HPP
#define NAMEDSHM_DETAIL_MUTEX_WIN32_HPP

#include "win32.hpp"  // <windows.h>, Handle, WideName, Security, hint_for

#include <atomic>       // std::atomic, the words the processes share
#include <cstdint>      // std::uint32_t, std::uint64_t
#include <new>          // std::launder
#include <string>       // std::string, the kernel mutex's name
#include <string_view>  // std::string_view
#include <utility>      // std::move

#include "mutex_consistency.hpp"  // ConsistencyWord, settle_acquired, unlock_settled, abandon_held
#include "mutex_request.hpp"      // MutexRequest, LockOutcome, WaitClock
#include "region.hpp"             // Region
#include "state_region.hpp"       // acquire_state_region, holds_published_state
#include "wait_win32.hpp"         // wait_for_object

namespace namedshm::detail::os::native {
using ::CreateMutexExW;
using ::OpenMutexW;
using ::ReleaseMutex;
}  // namespace namedshm::detail::os::native

namespace namedshm::detail::os {

/// The suffix of the kernel mutex's name, after the section's.
inline constexpr std::string_view mutex_suffix = ".lock";
static_assert(mutex_suffix.size() == mutex_suffix_bytes, "the name limit must leave room for the suffix");

/// What the section of a Windows mutex holds.
struct MutexState {
  static constexpr std::uint32_t expected_magic = 0x6E73'4D01U;  // "nsM", layout version 1
  static constexpr const char* other_object = mutex_text::other_object;
  static constexpr const char* other_region = mutex_text::other_region;

  std::atomic<std::uint32_t> magic;
  ConsistencyWord consistency;
  std::atomic<std::uint64_t> owner;  ///< process id << 32 | thread id of the holder, 0 if none
};

/// An open mutex: the section with its state, and the kernel mutex.
class MutexObject {
 public:
  [[nodiscard]] bool valid() const noexcept { return region_.valid() && lock_.valid(); }
  [[nodiscard]] bool created() const noexcept { return region_.created() && valid(); }
  [[nodiscard]] MutexState& state() const noexcept {
    return *std::launder(reinterpret_cast<MutexState*>(region_.data()));
  }
  [[nodiscard]] HANDLE lock_handle() const noexcept { return lock_.get(); }
  Region& region() noexcept { return region_; }
  Handle& lock_owner() noexcept { return lock_; }

 private:
  Region region_;
  Handle lock_;
};

/// The caller's owner word: its process and thread.
inline std::uint64_t this_thread_owner() noexcept {
  return (static_cast<std::uint64_t>(::GetCurrentProcessId()) << 32U) | ::GetCurrentThreadId();
}

/// What every handle we hand out may do: wait for it and release it.
inline constexpr DWORD mutex_access = SYNCHRONIZE | MUTEX_MODIFY_STATE;

/// Creates or opens the kernel mutex NAME.lock.
inline bool acquire_kernel_mutex(MutexObject& mutex, const MutexRequest& request, bool create,
                                 Status& status) noexcept {
  std::string lock_name;
  if (!allocate_or_report(status, [&] { lock_name.assign(request.utf8_name).append(mutex_suffix); })) return false;
  WideName name;
  if (!name.assign(check_name(lock_name).parts, status)) return false;
  if (create) {
    Security security;
    if (!security.assign(request.security, status)) return false;
    mutex.lock_owner().reset(NAMEDSHM_SYSTEM(CreateMutexExW)(security.get(), name.c_str(), 0, mutex_access));
    const DWORD error = ::GetLastError();
    if (mutex.lock_owner() && error == ERROR_ALREADY_EXISTS) {  // someone else's: never share it
      mutex.lock_owner().reset();
      status.set_system(ERROR_ALREADY_EXISTS, "the mutex's kernel object (NAME.lock) exists already");
      return false;
    }
    if (!mutex.lock_owner()) status.set_system(static_cast<int>(error), hint_for(error, request.name, true));
  } else {
    mutex.lock_owner().reset(NAMEDSHM_SYSTEM(OpenMutexW)(mutex_access, FALSE, name.c_str()));
    if (!mutex.lock_owner()) {
      const DWORD error = ::GetLastError();
      status.set_system(static_cast<int>(error), "cannot open the mutex's kernel object (NAME.lock)");
    }
  }
  return static_cast<bool>(mutex.lock_owner());
}

inline MutexObject mutex_acquire(const MutexRequest& request, Status& status) noexcept {
  MutexObject mutex;
  mutex.region() = acquire_state_region<MutexState>(request, status);
  if (status) return {};
  if (mutex.region().created()) {
    if (!acquire_kernel_mutex(mutex, request, true, status)) return {};
    mutex.state().magic.store(MutexState::expected_magic, std::memory_order_release);
    return mutex;
  }
  if (!holds_published_state<MutexState>(mutex.region(), status)) return {};
  if (!acquire_kernel_mutex(mutex, request, false, status)) return {};
  return mutex;
}

/// Releases the kernel mutex, which this thread holds, and clears the owner word first (the
/// next owner writes its own); false, with `status` set and the word restored, if the kernel
/// refuses (the mutex then stays held by this thread).
inline bool release_kernel_mutex(const MutexObject& mutex, Status& status) noexcept {
  MutexState& state = mutex.state();
  const std::uint64_t owner = state.owner.exchange(0, std::memory_order_acq_rel);
  if (NAMEDSHM_SYSTEM(ReleaseMutex)(mutex.lock_handle())) return true;
  state.owner.store(owner, std::memory_order_release);
  fail_with_last_error(status, "cannot release the mutex");
  return false;
}

/// Locks until `deadline` (min(): only if free now; max(): for ever).
inline LockOutcome mutex_lock(const MutexObject& mutex, WaitClock::time_point deadline, Status& status) noexcept {
  MutexState& state = mutex.state();
  const std::uint64_t self = this_thread_owner();
  if (state.owner.load(std::memory_order_acquire) == self) {
    // The kernel would let this thread in again. Unless the word is stale: a thread that died
    // holding the mutex, whose id this thread now has (the kernel then says WAIT_ABANDONED).
    const DWORD probe = NAMEDSHM_SYSTEM(WaitForSingleObject)(mutex.lock_handle(), 0);
    if (probe == WAIT_OBJECT_0) {  // undo the kernel's recursion: the thread holds it once, as before
      if (NAMEDSHM_SYSTEM(ReleaseMutex)(mutex.lock_handle())) {
        status.set(std::errc::resource_deadlock_would_occur, mutex_text::relocked);
      } else {
        fail_with_last_error(status, "cannot release the mutex after a failed lock");
      }
      return LockOutcome::no;
    }
    if (probe == WAIT_ABANDONED) {
      state.consistency.store(inconsistent, std::memory_order_release);
      return LockOutcome::owner_died;
    }
    if (probe == WAIT_FAILED) {  // the wait below would let this thread in a second time
      fail_with_last_error(status, "cannot lock the mutex (WaitForSingleObject)");
      return LockOutcome::no;
    }
  }
  const DWORD result = wait_for_object(mutex.lock_handle(), deadline);
  if (result == WAIT_TIMEOUT) return LockOutcome::no;
  if (result != WAIT_OBJECT_0 && result != WAIT_ABANDONED) {
    fail_with_last_error(status, "cannot lock the mutex (WaitForSingleObject)");
    return LockOutcome::no;
  }
  state.owner.store(self, std::memory_order_release);
  // An earlier owner that found the state inconsistent and died before deciding leaves it so.
  return settle_acquired(
      state.consistency, result == WAIT_ABANDONED, [&] { return release_kernel_mutex(mutex, status); }, status);
}

/// True if this thread holds the mutex, as the owner word says; else `status` says so.
inline bool held_here(const MutexObject& mutex, Status& status) noexcept {
  if (mutex.state().owner.load(std::memory_order_acquire) == this_thread_owner()) return true;
  status.set(std::errc::operation_not_permitted, mutex_text::not_held);
  return false;
}

/// Unlocks the mutex, which this thread must hold; one found inconsistent and not repaired is
/// given up, as POSIX does.
inline void mutex_unlock(const MutexObject& mutex, Status& status) noexcept {
  if (!held_here(mutex, status)) return;
  static_cast<void>(unlock_settled(mutex.state().consistency, [&] { return release_kernel_mutex(mutex, status); }));
}

/// Declares the state that the mutex protects consistent again, after an owner died.
inline void mutex_consistent(const MutexObject& mutex, Status& status) noexcept {
  if (mutex.state().owner.load(std::memory_order_acquire) != this_thread_owner() ||
      !mark_repaired(mutex.state().consistency)) {
    status.set(std::errc::invalid_argument, mutex_text::not_inconsistent);
  }
}

/// Gives up the mutex, which this thread holds, as if the thread had died: the next owner is
/// told that its owner died. (The kernel would keep it held by this thread until it ends.)
inline void mutex_abandon(const MutexObject& mutex, Status& status) noexcept {
  if (!held_here(mutex, status)) return;
  static_cast<void>(abandon_held(mutex.state().consistency, [&] { return release_kernel_mutex(mutex, status); }));
}

/// Closes the mutex now, reporting what failed. Does not throw.
inline void mutex_close(MutexObject& mutex, Status& status) noexcept {
  note_close_error(mutex.lock_owner().close(), "cannot close the mutex handle", status);
  static_cast<void>(mutex.region().close(status));
}

/// Windows removes a name with the object's last handle: nothing to do.
inline bool mutex_remove(const MutexRequest& /*request*/, Status& /*status*/) noexcept { return false; }

}  // namespace namedshm::detail::os

#endif  // NAMEDSHM_DETAIL_MUTEX_WIN32_HPP
