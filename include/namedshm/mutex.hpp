// namedshm: Mutex, a named mutex between processes that survives its owner's crash and says so.
// SPDX-License-Identifier: MIT
//
//   auto lock = namedshm::Mutex::open_or_create("Local\\ledger.lock");
//   {
//     std::lock_guard<namedshm::Mutex> hold(lock);
//     if (lock.owner_died()) {      // the previous owner crashed inside: repair, then say so
//       repair(ledger);
//       lock.mark_consistent();
//     }
//     ledger.balance += 10;
//   }
#ifndef NAMEDSHM_MUTEX_HPP
#define NAMEDSHM_MUTEX_HPP

#include <chrono>        // durations and time points of the timed locks
#include <string>        // std::string, the name
#include <system_error>  // std::error_code, std::system_error
#include <thread>        // std::thread::id, the holder that a close gives the mutex up for
#include <utility>       // std::exchange, std::move

#include "detail/mutex_backend.hpp"  // detail::os::mutex_*, the platform's backend
#include "detail/mutex_request.hpp"  // MutexRequest, LockOutcome, WaitClock
#include "detail/name_text.hpp"      // NameText
#include "detail/timeout.hpp"        // timeout_ns, steady_deadline
#include "namedshm.hpp"              // Name, SecurityOptions, detail::check_argument

namespace namedshm {

/// What a lock call that reports found.
enum class Locked : unsigned char {
  /// Not acquired: the time ran out, or the call failed (its error_code says which).
  no,
  /// Acquired.
  yes,
  /// Acquired, but the previous owner died holding it (a killed process, a thread that ended):
  /// what the mutex protects may be half-written. Repair it and call mark_consistent(), or
  /// unlock() without doing so, and every later lock fails with std::errc::state_not_recoverable.
  owner_died,
};

static_assert(static_cast<int>(Locked::no) == static_cast<int>(detail::LockOutcome::no) &&
                  static_cast<int>(Locked::yes) == static_cast<int>(detail::LockOutcome::yes) &&
                  static_cast<int>(Locked::owner_died) == static_cast<int>(detail::LockOutcome::owner_died),
              "Locked and detail::LockOutcome must list the same values in the same order");

/// How to create a mutex; every field has a safe default.
struct MutexOptions {
  /// POSIX: keep the name after every handle is gone, until Mutex::remove().
  bool keep_name = false;
  /// Who may use the new mutex (POSIX: the mode of the small region that holds it).
  SecurityOptions security;
};

/**
 * A named mutex that processes share: it meets the standard's Lockable and TimedLockable
 * requirements, so `std::lock_guard`, `std::unique_lock` and `std::scoped_lock` work with it.
 *
 * Owner death: when a process (or a thread) dies holding it, the next lock acquires it and
 * tells: lock() and the other Lockable calls set owner_died(), and the reporting calls return
 * Locked::owner_died. The new owner then decides: repair the state and mark_consistent(), or
 * unlock() without it, which leaves the mutex unusable: every later lock, in every process,
 * fails with std::errc::state_not_recoverable instead of handing out corrupt data. So a
 * `std::lock_guard` that never looks at owner_died() does not spread the damage silently.
 *
 * Not recursive, on both platforms: a thread that locks a mutex it holds gets
 * std::errc::resource_deadlock_would_occur (also through another Mutex of the same name), and
 * unlocking a mutex this thread does not hold fails with std::errc::operation_not_permitted.
 *
 * Windows: a kernel mutex (CreateMutexExW / OpenMutexW; WAIT_ABANDONED is the owner's death)
 * named NAME.lock, and a small section NAME that keeps the holder and the consistency, which
 * the kernel forgets. POSIX (Linux): a robust, error-checking, process-shared pthread mutex in
 * a small region NAME (EOWNERDEAD), with a consistency word beside it that keeps the rest, as
 * the Windows section does. Lifetime as for regions, on both platforms: the mutex lives while
 * any process has it open, and goes with its last handle (or with the last of its users to
 * die); a name whose users all died counts as gone.
 *
 * Closing (or destroying) a Mutex that this thread holds gives it up abandoned: it is released,
 * and the next owner is told owner_died(), exactly as if this thread had died holding it.
 * Unlock first to hand it on consistent.
 *
 * Thread safety: one Mutex may be locked from several threads, as a std::mutex is; moving and
 * close() are not thread-safe against other calls (closing a Mutex while another thread holds
 * it through the same Mutex is undefined, as destroying a held std::mutex is). Move-only: a
 * moved-from Mutex is empty, and moving onto a Mutex, or destroying it, closes it as close()
 * does, but silently.
 *
 * Example:
 * @code
 *   auto lock = namedshm::Mutex::create("Local\\ledger.lock");
 *   std::error_code ec;
 *   switch (lock.lock(ec)) {
 *     case namedshm::Locked::owner_died: repair(ledger); lock.mark_consistent(); [[fallthrough]];
 *     case namedshm::Locked::yes: ledger.balance += 10; lock.unlock(); break;
 *     case namedshm::Locked::no: report(ec); break;
 *   }
 * @endcode
 */
class Mutex {
 public:
  /// An empty Mutex. Does not throw.
  Mutex() noexcept = default;
  /// Takes over `other`'s mutex (and its hold, if `other` holds it); `other` is left empty.
  /// Does not throw.
  Mutex(Mutex&& other) noexcept
      : object_(std::move(other.object_)),
        name_(std::move(other.name_)),
        owner_died_(std::exchange(other.owner_died_, false)),
        holder_(std::exchange(other.holder_, std::thread::id())) {}
  /// Closes this Mutex as the destructor does, then takes over `other`'s. Does not throw.
  Mutex& operator=(Mutex&& other) noexcept {
    if (this != &other) {
      detail::Status ignored;
      static_cast<void>(release(ignored));
      object_ = std::move(other.object_);
      name_ = std::move(other.name_);
      owner_died_ = std::exchange(other.owner_died_, false);
      holder_ = std::exchange(other.holder_, std::thread::id());
    }
    return *this;
  }
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  /// Closes as close() does (a mutex this thread holds is given up abandoned), silently.
  ~Mutex() {
    detail::Status ignored;
    static_cast<void>(release(ignored));
  }

  /// Creates a new mutex, unlocked; fails with `std::errc::file_exists` if the name exists.
  /// Throws std::system_error.
  [[nodiscard]] static Mutex create(const Name& name, const MutexOptions& options = {}) {
    return detail::or_throw({"create mutex", name.utf8()}, [&](detail::Status& status) {
      return acquire(name, detail::Disposition::create, options, status);
    });
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Mutex create(const Name& name, std::error_code& ec) noexcept {
    return create(name, MutexOptions{}, ec);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Mutex create(const Name& name, const MutexOptions& options, std::error_code& ec) noexcept {
    return detail::or_report(
        ec, [&](detail::Status& status) { return acquire(name, detail::Disposition::create, options, status); });
  }

  /// Opens an existing mutex; fails with `std::errc::no_such_file_or_directory` if there is
  /// none, and with a message saying so if the name belongs to something else. Throws
  /// std::system_error.
  [[nodiscard]] static Mutex open(const Name& name) {
    return detail::or_throw({"open mutex", name.utf8()}, [&](detail::Status& status) {
      return acquire(name, detail::Disposition::open, {}, status);
    });
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Mutex open(const Name& name, std::error_code& ec) noexcept {
    return detail::or_report(
        ec, [&](detail::Status& status) { return acquire(name, detail::Disposition::open, {}, status); });
  }

  /// Opens the mutex if it exists, else creates it; created() tells which. Throws
  /// std::system_error.
  [[nodiscard]] static Mutex open_or_create(const Name& name, const MutexOptions& options = {}) {
    return detail::or_throw({"open_or_create mutex", name.utf8()}, [&](detail::Status& status) {
      return acquire(name, detail::Disposition::open_or_create, options, status);
    });
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Mutex open_or_create(const Name& name, std::error_code& ec) noexcept {
    return open_or_create(name, MutexOptions{}, ec);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Mutex open_or_create(const Name& name, const MutexOptions& options,
                                            std::error_code& ec) noexcept {
    return detail::or_report(ec, [&](detail::Status& status) {
      return acquire(name, detail::Disposition::open_or_create, options, status);
    });
  }

  /// POSIX: removes the name now (open mutexes keep working, but a later open meets another
  /// mutex): for keep_name mutexes. False if there was none. Windows: returns false. Throws
  /// std::system_error.
  static bool remove(const Name& name) {
    return detail::or_throw({"remove mutex", name.utf8()},
                            [&](detail::Status& status) { return remove_name(name, status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  static bool remove(const Name& name, std::error_code& ec) noexcept {
    return detail::or_report(ec, [&](detail::Status& status) { return remove_name(name, status); });
  }

  /**
   * Waits until this thread holds the mutex (Lockable). If the previous owner died holding
   * it, acquires it all the same and sets owner_died(). Throws std::system_error:
   * `std::errc::resource_deadlock_would_occur` if this thread holds it already,
   * `std::errc::state_not_recoverable` if it was given up, `std::errc::invalid_argument` for an
   * empty Mutex.
   */
  void lock() {
    detail::or_throw(Described{this, "lock mutex"}, [&](detail::Status& status) {
      return lock_until((detail::WaitClock::time_point::max)(), status);
    });
  }
  /// As above, and says how: Locked::yes, Locked::owner_died, or Locked::no with `ec` set.
  /// Does not throw.
  [[nodiscard]] Locked lock(std::error_code& ec) noexcept {
    return detail::or_report(
        ec, [&](detail::Status& status) { return lock_until((detail::WaitClock::time_point::max)(), status); });
  }

  /// Acquires the mutex if it is free now (Lockable): true if it did (see owner_died()).
  /// Throws std::system_error as lock() does.
  [[nodiscard]] bool try_lock() {
    return detail::or_throw(Described{this, "try_lock mutex"}, [&](detail::Status& status) {
             return lock_until((detail::WaitClock::time_point::min)(), status);
           }) != Locked::no;
  }
  /// As above, and says how; Locked::no with `ec` clear if it is held. Does not throw.
  [[nodiscard]] Locked try_lock(std::error_code& ec) noexcept {
    return detail::or_report(
        ec, [&](detail::Status& status) { return lock_until((detail::WaitClock::time_point::min)(), status); });
  }

  /// Waits at most `timeout` for the mutex (TimedLockable): true if it acquired it (see
  /// owner_died()). Throws std::system_error as lock() does.
  template <class Rep, class Period>
  [[nodiscard]] bool try_lock_for(const std::chrono::duration<Rep, Period>& timeout) {
    const auto deadline = deadline_after(timeout);
    return detail::or_throw(Described{this, "try_lock_for mutex"},
                            [&](detail::Status& status) { return lock_until(deadline, status); }) != Locked::no;
  }
  /// As above, and says how. Does not throw.
  template <class Rep, class Period>
  [[nodiscard]] Locked try_lock_for(const std::chrono::duration<Rep, Period>& timeout, std::error_code& ec) noexcept {
    const auto deadline = deadline_after(timeout);
    return detail::or_report(ec, [&](detail::Status& status) { return lock_until(deadline, status); });
  }

  /// Waits until `time` at most (TimedLockable), on `time`'s clock as the wait began: true if
  /// it acquired the mutex. Throws std::system_error as lock() does.
  template <class Clock, class Duration>
  [[nodiscard]] bool try_lock_until(const std::chrono::time_point<Clock, Duration>& time) {
    return try_lock_for(time - Clock::now());
  }
  /// As above, and says how. Does not throw.
  template <class Clock, class Duration>
  [[nodiscard]] Locked try_lock_until(const std::chrono::time_point<Clock, Duration>& time,
                                      std::error_code& ec) noexcept {
    return try_lock_for(time - Clock::now(), ec);
  }

  /**
   * Releases the mutex, which this thread must hold (Lockable). If it acquired the mutex from a
   * dead owner and did not mark_consistent(), the mutex is given up for good (see the class
   * comment). Throws std::system_error: `std::errc::operation_not_permitted` if this thread
   * does not hold it.
   */
  void unlock() {
    detail::or_throw(Described{this, "unlock mutex"}, [&](detail::Status& status) { unlock(status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  void unlock(std::error_code& ec) noexcept {
    detail::or_report(ec, [&](detail::Status& status) { unlock(status); });
  }

  /// True while this process holds the mutex that it acquired from a dead owner and has not
  /// marked consistent. Meant for the holder. Does not throw.
  [[nodiscard]] bool owner_died() const noexcept { return valid() && owner_died_; }

  /// Declares that what the mutex protects is consistent again, after the holder repaired it
  /// (owner_died() was true); the mutex then works as before. Throws std::system_error:
  /// `std::errc::invalid_argument` if this thread does not hold a mutex whose owner died.
  void mark_consistent() {
    detail::or_throw({"mark_consistent mutex", name()}, [&](detail::Status& status) { mark_consistent(status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  void mark_consistent(std::error_code& ec) noexcept {
    detail::or_report(ec, [&](detail::Status& status) { mark_consistent(status); });
  }

  /// True if this Mutex created the OS object. Does not throw.
  [[nodiscard]] bool created() const noexcept { return object_.created(); }
  /// False for an empty (default-constructed, moved-from or closed) Mutex. Does not throw.
  [[nodiscard]] bool valid() const noexcept { return object_.valid(); }
  /// The name as given to create/open; empty for an empty Mutex. Does not throw.
  [[nodiscard]] const std::string& name() const noexcept { return valid() ? name_.get() : detail::empty_name(); }

  /// Closes now, as the destructor would, and reports what the destructor must swallow (POSIX:
  /// a last handle's name that could not be removed; a held mutex that could not be given
  /// up). A mutex that this thread holds through this Mutex is given up abandoned (see the
  /// class comment). Throws std::system_error.
  void close() {
    detail::close_or_throw("close mutex", [&](detail::Status& status) { return release(status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  void close(std::error_code& ec) noexcept {
    detail::or_report(ec, [&](detail::Status& status) { static_cast<void>(release(status)); });
  }

 private:
  /// The text of a failed call, made only when it failed: a lock that succeeds costs no more
  /// than the OS's.
  struct Described {
    const Mutex* mutex;
    const char* verb;
    detail::OperationText operator()() const noexcept { return {verb, mutex->name()}; }
  };

  template <class Rep, class Period>
  static detail::WaitClock::time_point deadline_after(const std::chrono::duration<Rep, Period>& timeout) noexcept {
    return detail::steady_deadline(detail::timeout_ns(timeout), detail::WaitClock::now());
  }

  bool usable(detail::Status& status) const noexcept {
    if (valid()) return true;
    status.set(std::errc::invalid_argument, "the Mutex is empty (default-constructed, moved from or closed)");
    return false;
  }

  Locked lock_until(detail::WaitClock::time_point deadline, detail::Status& status) noexcept {
    if (!usable(status)) return Locked::no;
    const auto outcome = static_cast<Locked>(detail::os::mutex_lock(object_, deadline, status));
    if (outcome != Locked::no) {
      owner_died_ = outcome == Locked::owner_died;
      holder_ = std::this_thread::get_id();
    }
    return outcome;
  }
  void unlock(detail::Status& status) noexcept {
    if (!usable(status)) return;
    const bool holding = holder_ == std::this_thread::get_id();
    // Cleared before the OS lets go: the next owner, maybe another thread of this process,
    // writes them next. Put back if the OS refuses.
    if (holding) released_by_holder();
    detail::os::mutex_unlock(object_, status);
    if (status && holding) holder_ = std::this_thread::get_id();
  }
  void mark_consistent(detail::Status& status) noexcept {
    if (!usable(status)) return;
    if (holder_ != std::this_thread::get_id()) {
      status.set(std::errc::invalid_argument, detail::mutex_text::not_inconsistent);
      return;
    }
    detail::os::mutex_consistent(object_, status);
    if (!status) owner_died_ = false;
  }
  std::string release(detail::Status& status) noexcept {
    if (!valid()) return {};
    if (holder_ == std::this_thread::get_id()) {
      released_by_holder();
      detail::os::mutex_abandon(object_, status);
    }
    detail::os::mutex_close(object_, status);
    return name_.take();
  }
  void released_by_holder() noexcept {
    holder_ = std::thread::id();
    owner_died_ = false;
  }

  static bool remove_name(const Name& name, detail::Status& status) noexcept {
    detail::MutexRequest request;
    request.name = detail::check_argument(name, status).parts;
    return !status && detail::os::mutex_remove(request, status);
  }

  static Mutex acquire(const Name& name, detail::Disposition disposition, const MutexOptions& options,
                       detail::Status& status) noexcept {
    detail::MutexRequest request;
    request.name = detail::check_argument(name, status).parts;
    if (status) return {};
    if (request.name.object.size() + detail::mutex_suffix_bytes > detail::max_object_name_bytes) {
      status.set(std::errc::filename_too_long,
                 "a mutex's name may have at most 250 bytes after its prefix: on "
                 "Windows its kernel object adds \".lock\" to it");
      return {};
    }
    request.security = detail::security_request(options.security);
    if (!detail::check_security(request.security, status)) return {};
    request.utf8_name = name.utf8();
    request.disposition = disposition;
    request.keep_name = options.keep_name;
    Mutex mutex;
    if (!mutex.name_.assign(name.utf8(), status)) return {};
    mutex.object_ = detail::os::mutex_acquire(request, status);
    if (status) return {};
    return mutex;
  }

  detail::os::MutexObject object_;
  detail::NameText name_;
  bool owner_died_ = false;  ///< read and written by the holding thread only
  std::thread::id holder_;   ///< the thread that holds the mutex through this Mutex; written by it only
};

}  // namespace namedshm

#endif  // NAMEDSHM_MUTEX_HPP
