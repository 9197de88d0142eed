// namedshm: the consistency of what a mutex protects, kept in the mutex's shared state on both
// platforms. The OS only says that an owner died (EOWNERDEAD, WAIT_ABANDONED); this word keeps
// what follows: whether a later owner declared the state repaired, gave it up, or died too.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_MUTEX_CONSISTENCY_HPP
#define NAMEDSHM_DETAIL_MUTEX_CONSISTENCY_HPP

#include <atomic>   // std::atomic, the word in the mutex's region
#include <cstdint>  // std::uint32_t

#include "error.hpp"          // Status
#include "mutex_request.hpp"  // LockOutcome, mutex_text

namespace namedshm::detail {

/// The word: written only by the thread that holds the mutex.
using ConsistencyWord = std::atomic<std::uint32_t>;

/// The state the mutex protects is as its last owner left it on purpose; an owner died holding
/// it (or closed it while holding it) and nobody has declared it repaired; or an owner that
/// found it so unlocked without repairing it, which gives the mutex up for good.
enum Consistency : std::uint32_t { consistent = 0, inconsistent = 1, not_recoverable = 2 };

static_assert(ConsistencyWord::is_always_lock_free, "the consistency word lives in shared memory");

/**
 * What a lock call reports once the OS has handed this thread the mutex; `died`: the OS said
 * that the previous owner died holding it. A given-up mutex is handed back at once with
 * `release()` (false, with `status` set, if the OS refuses), and the lock fails with
 * state_not_recoverable. Does not throw.
 */
template <class Release>
LockOutcome settle_acquired(ConsistencyWord& word, bool died, Release&& release, Status& status) noexcept {
  if (died) word.store(inconsistent, std::memory_order_release);
  const std::uint32_t consistency = word.load(std::memory_order_acquire);
  if (consistency == not_recoverable) {
    if (release()) status.set(std::errc::state_not_recoverable, mutex_text::given_up);
    return LockOutcome::no;
  }
  return consistency == inconsistent ? LockOutcome::owner_died : LockOutcome::yes;
}

/**
 * Unlocks a mutex that this thread holds with `release()` (false, with `status` set, if the OS
 * refuses). A mutex found inconsistent and not repaired is given up first, for every later
 * owner; on a refusal the word is as it was, since the mutex is still held. Does not throw.
 */
template <class Release>
bool unlock_settled(ConsistencyWord& word, Release&& release) noexcept {
  if (word.load(std::memory_order_acquire) == consistent) return release();  // no write: the hot path
  word.store(not_recoverable, std::memory_order_release);
  if (release()) return true;
  word.store(inconsistent, std::memory_order_release);
  return false;
}

/**
 * Gives up a mutex that this thread holds as if the thread had died holding it: the next owner
 * is told that its owner died. On a refusal of `release()` the word is as it was. Does not
 * throw.
 */
template <class Release>
bool abandon_held(ConsistencyWord& word, Release&& release) noexcept {
  const std::uint32_t before = word.exchange(inconsistent, std::memory_order_acq_rel);
  if (release()) return true;
  word.store(before, std::memory_order_release);
  return false;
}

/// Declares the state repaired; false if it was not inconsistent (no owner died). The caller
/// holds the mutex.
inline bool mark_repaired(ConsistencyWord& word) noexcept {
  std::uint32_t expected = inconsistent;
  return word.compare_exchange_strong(expected, consistent, std::memory_order_acq_rel);
}

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_MUTEX_CONSISTENCY_HPP
