// namedshm: the POSIX (Linux) backend of Mutex: a robust, error-checking, process-shared
// pthread mutex in a small named region, so that the region's name rules, 0600 and lifetime
// (the last handle removes the name) are the mutex's. The pthread mutex tells that an owner
// died (EOWNERDEAD); the region's consistency word (mutex_consistency.hpp) keeps the rest, as
// the Windows backend's does, so that both say the same in every case.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_MUTEX_POSIX_HPP
#define NAMEDSHM_DETAIL_MUTEX_POSIX_HPP

#include <pthread.h>  // pthread_mutex_*, the robust mutex
#include <time.h>     // clock_gettime, CLOCK_MONOTONIC, timespec

#include <atomic>   // std::atomic, the magic word
#include <cerrno>   // EOWNERDEAD, ENOTRECOVERABLE, EDEADLK, ETIMEDOUT
#include <chrono>   // the remaining time of a timed lock
#include <cstdint>  // std::uint32_t
#include <new>      // std::launder
#include <utility>  // std::move

#include "mutex_consistency.hpp"  // ConsistencyWord, settle_acquired, unlock_settled, abandon_held
#include "mutex_request.hpp"      // MutexRequest, LockOutcome, WaitClock
#include "region.hpp"             // Region
#include "state_region.hpp"       // acquire_state_region, holds_published_state
#include "system.hpp"             // NAMEDSHM_SYSTEM

// The timed lock: pthread_mutex_clocklock (glibc 2.30) on the monotonic clock where there is
// one, else pthread_mutex_timedlock on the real-time clock. Also the latter under
// ThreadSanitizer, which (LLVM 14) intercepts it but not the former, so that it sees every
// acquisition.
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 30))
#  define NAMEDSHM_DETAIL_GLIBC_CLOCKLOCK 1
#else
#  define NAMEDSHM_DETAIL_GLIBC_CLOCKLOCK 0
#endif
#if defined(__SANITIZE_THREAD__)
#  define NAMEDSHM_DETAIL_TSAN 1
#elif defined(__has_feature)
#  if __has_feature(thread_sanitizer)
#    define NAMEDSHM_DETAIL_TSAN 1
#  endif
#endif
#if NAMEDSHM_DETAIL_GLIBC_CLOCKLOCK && !defined(NAMEDSHM_DETAIL_TSAN)
#  define NAMEDSHM_DETAIL_HAS_CLOCKLOCK 1
#else
#  define NAMEDSHM_DETAIL_HAS_CLOCKLOCK 0
#endif

/// The pthread calls of the POSIX mutex, as NAMEDSHM_SYSTEM reaches them in users' builds.
namespace namedshm::detail::os::native {
using ::clock_gettime;
using ::pthread_mutex_consistent;
using ::pthread_mutex_init;
using ::pthread_mutex_lock;
using ::pthread_mutex_timedlock;
using ::pthread_mutex_unlock;
using ::pthread_mutexattr_init;
using ::pthread_mutexattr_setpshared;
using ::pthread_mutexattr_setrobust;
using ::pthread_mutexattr_settype;
#if NAMEDSHM_DETAIL_GLIBC_CLOCKLOCK
using ::pthread_mutex_clocklock;
#endif
}  // namespace namedshm::detail::os::native

namespace namedshm::detail::os {

/// What a POSIX mutex's region holds. The creator initialises the pthread mutex, then writes
/// `magic` (release), so an opener that sees it may use the mutex.
struct MutexState {
  /// "nsM", layout version 2 (0.3.0): the consistency word decides, and the pthread mutex is
  /// made consistent as soon as it reports a dead owner. Version 1 left that to the pthread
  /// mutex alone; the two must not share a mutex, so each refuses the other's.
  static constexpr std::uint32_t expected_magic = 0x6E73'4D02U;
  static constexpr const char* other_object = mutex_text::other_object;
  static constexpr const char* other_region = mutex_text::other_region;

  std::atomic<std::uint32_t> magic;
  ConsistencyWord consistency;
  pthread_mutex_t mutex;
};

/// An open mutex: the region that holds it. Its moves are its region's.
class MutexObject {
 public:
  MutexObject() noexcept = default;
  explicit MutexObject(Region region) noexcept : region_(std::move(region)) {}

  [[nodiscard]] bool valid() const noexcept { return region_.valid(); }
  [[nodiscard]] bool created() const noexcept { return region_.created(); }
  [[nodiscard]] MutexState& state() const noexcept {
    return *std::launder(reinterpret_cast<MutexState*>(region_.data()));
  }
  [[nodiscard]] Region& region() noexcept { return region_; }

 private:
  Region region_;
};

/// Makes the new region's mutex robust (the next owner learns of a dead one), error-checking
/// (no silent relock, no unlock by another thread) and shared between processes.
inline bool initialise_mutex(MutexState& state, Status& status) noexcept {
  pthread_mutexattr_t attributes;
  int error = NAMEDSHM_SYSTEM(pthread_mutexattr_init)(&attributes);
  if (error == 0) {
    if ((error = NAMEDSHM_SYSTEM(pthread_mutexattr_setpshared)(&attributes, PTHREAD_PROCESS_SHARED)) == 0 &&
        (error = NAMEDSHM_SYSTEM(pthread_mutexattr_setrobust)(&attributes, PTHREAD_MUTEX_ROBUST)) == 0 &&
        (error = NAMEDSHM_SYSTEM(pthread_mutexattr_settype)(&attributes, PTHREAD_MUTEX_ERRORCHECK)) == 0) {
      error = NAMEDSHM_SYSTEM(pthread_mutex_init)(&state.mutex, &attributes);
    }
    // Gives nothing back on Linux (glibc's does nothing); its result tells nothing either.
    static_cast<void>(::pthread_mutexattr_destroy(&attributes));
  }
  if (error != 0) status.set_system(error, "cannot initialise the robust pthread mutex");
  return error == 0;
}

inline MutexObject mutex_acquire(const MutexRequest& request, Status& status) noexcept {
  MutexObject mutex(acquire_state_region<MutexState>(request, status));
  if (status) return {};
  if (mutex.created()) {
    if (!initialise_mutex(mutex.state(), status)) return {};
    mutex.state().magic.store(MutexState::expected_magic, std::memory_order_release);
    return mutex;
  }
  if (!holds_published_state<MutexState>(mutex.region(), status)) return {};
  return mutex;
}

/// The absolute time on CLOCK_MONOTONIC (or, without pthread_mutex_clocklock, CLOCK_REALTIME)
/// that is `deadline` on the steady clock, whatever the two clocks' origins; false, with
/// `status` set, if the clock cannot be read.
inline bool absolute_time(WaitClock::time_point deadline, clockid_t clock, timespec& at, Status& status) noexcept {
  const auto now = WaitClock::now();
  const auto left = deadline > now ? std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now).count() : 0;
  if (NAMEDSHM_SYSTEM(clock_gettime)(clock, &at) != 0) {
    fail_with_errno(status, "cannot read the clock of the timed lock");
    return false;
  }
  constexpr long billion = 1'000'000'000;
  at.tv_sec += static_cast<time_t>(left / billion);
  at.tv_nsec += static_cast<long>(left % billion);
  if (at.tv_nsec >= billion) {
    at.tv_nsec -= billion;
    ++at.tv_sec;
  }
  return true;
}

#if NAMEDSHM_DETAIL_HAS_CLOCKLOCK
/// The clock of timed locks: the monotonic one, which no one can set.
inline constexpr clockid_t lock_clock = CLOCK_MONOTONIC;
inline int timed_lock(pthread_mutex_t* mutex, const timespec& at) noexcept {
  return NAMEDSHM_SYSTEM(pthread_mutex_clocklock)(mutex, lock_clock, &at);
}
#else
/// The clock of timed locks: pthread_mutex_timedlock knows only the real-time one.
inline constexpr clockid_t lock_clock = CLOCK_REALTIME;
inline int timed_lock(pthread_mutex_t* mutex, const timespec& at) noexcept {
  return NAMEDSHM_SYSTEM(pthread_mutex_timedlock)(mutex, &at);
}
#endif

/// A time before every deadline: a timed lock with it acquires a free mutex, or fails at once.
inline constexpr timespec time_passed{};

/// Unlocks the pthread mutex; false, with `status` set, if it refuses.
inline bool unlock_pthread(const MutexObject& mutex, Status& status) noexcept {
  const int result = NAMEDSHM_SYSTEM(pthread_mutex_unlock)(&mutex.state().mutex);
  if (result == 0) return true;
  status.set_system(result, result == EPERM ? mutex_text::not_held : "cannot unlock the mutex");
  return false;
}

/// The pthread mutex reported a dead owner: takes it over consistent, so that the consistency
/// word alone decides from now on. Cannot fail for a robust mutex in this state; if it did, the
/// mutex is given up for good (the pthread mutex would refuse every later lock anyway).
inline bool take_over(const MutexObject& mutex, Status& status) noexcept {
  const int result = NAMEDSHM_SYSTEM(pthread_mutex_consistent)(&mutex.state().mutex);
  if (result == 0) return true;
  mutex.state().consistency.store(not_recoverable, std::memory_order_release);
  if (unlock_pthread(mutex, status)) status.set_system(result, "cannot take the mutex over from its dead owner");
  return false;
}

/// Locks until `deadline` (min(): only if free now; max(): for ever).
inline LockOutcome mutex_lock(const MutexObject& mutex, WaitClock::time_point deadline, Status& status) noexcept {
  pthread_mutex_t* handle = &mutex.state().mutex;
  int result = 0;
  if (deadline == (WaitClock::time_point::max)()) {
    result = NAMEDSHM_SYSTEM(pthread_mutex_lock)(handle);
  } else {
    // try_lock too, not pthread_mutex_trylock: glibc's (2.36, seen here) reports ENOTRECOVERABLE
    // for a given-up mutex but leaves it locked by the caller, so every later lock in every
    // process would wait for ever; the timed lock releases it again before it reports.
    timespec at = time_passed;
    if (deadline != (WaitClock::time_point::min)() && !absolute_time(deadline, lock_clock, at, status)) {
      return LockOutcome::no;
    }
    result = timed_lock(handle, at);
  }
  if (result == 0 || result == EOWNERDEAD) {  // first: the path that must cost nothing more
    const bool died = result == EOWNERDEAD;
    if (died && !take_over(mutex, status)) return LockOutcome::no;
    return settle_acquired(
        mutex.state().consistency, died, [&] { return unlock_pthread(mutex, status); }, status);
  }
  switch (result) {
    case ETIMEDOUT:
      return LockOutcome::no;
    case ENOTRECOVERABLE:
      status.set_system(result, mutex_text::given_up);
      return LockOutcome::no;
    case EDEADLK:
      status.set_system(result, mutex_text::relocked);
      return LockOutcome::no;
    default:
      status.set_system(result, "cannot lock the mutex");
      return LockOutcome::no;
  }
}

/// Unlocks the mutex, which this thread holds; one found inconsistent and not repaired is
/// given up.
inline void mutex_unlock(const MutexObject& mutex, Status& status) noexcept {
  static_cast<void>(unlock_settled(mutex.state().consistency, [&] { return unlock_pthread(mutex, status); }));
}

/// Declares the state that the mutex protects consistent again, after an owner died. The
/// caller holds the mutex.
inline void mutex_consistent(const MutexObject& mutex, Status& status) noexcept {
  if (!mark_repaired(mutex.state().consistency)) status.set(std::errc::invalid_argument, mutex_text::not_inconsistent);
}

/// Gives up the mutex, which this thread holds, as if the thread had died: the next owner is
/// told that its owner died.
inline void mutex_abandon(const MutexObject& mutex, Status& status) noexcept {
  static_cast<void>(abandon_held(mutex.state().consistency, [&] { return unlock_pthread(mutex, status); }));
}

/// Closes the mutex now, reporting what failed (see Region::close). Does not throw.
inline void mutex_close(MutexObject& mutex, Status& status) noexcept {
  static_cast<void>(mutex.region().close(status));
}

inline bool mutex_remove(const MutexRequest& request, Status& status) noexcept { return remove(request.name, status); }

}  // namespace namedshm::detail::os

#endif  // NAMEDSHM_DETAIL_MUTEX_POSIX_HPP
