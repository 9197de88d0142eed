// namedshm: Event, a named wake-up that works across processes.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_EVENT_HPP
#define NAMEDSHM_EVENT_HPP

#include <chrono>        // std::chrono::duration, timeouts
#include <string>        // std::string, the name
#include <system_error>  // std::error_code, std::system_error
#include <utility>       // std::move

#include "detail/event_backend.hpp"  // detail::os::event_*, the platform's backend
#include "detail/event_request.hpp"  // EventRequest, WaitClock
#include "detail/name_text.hpp"      // NameText
#include "detail/timeout.hpp"        // timeout_ns, steady_deadline
#include "namedshm.hpp"              // Name, SecurityOptions, detail::check_argument

namespace namedshm {

/// Whether a notify() wakes one waiter and clears itself, or stays set for all until reset().
enum class EventMode : unsigned char {
  /// notify() releases one waiter (or the next to come) and the event clears itself.
  auto_reset,
  /// notify() releases every waiter, and the event stays set until reset().
  manual_reset,
};

/// How to create an event; every field has a safe default.
struct EventOptions {
  /// Whether notify() releases one waiter or all of them; see EventMode.
  EventMode mode = EventMode::auto_reset;
  /// Start set, as if notify() had been called.
  bool initially_set = false;
  /// POSIX: keep the name after every handle is gone, until Event::remove().
  bool keep_name = false;
  /// Who may use the new event (POSIX: the mode of the small region that holds it).
  SecurityOptions security;
};

/**
 * A named event that processes wait on and notify: the answer to "when do I read?".
 *
 * Windows: a kernel event (CreateEventW / OpenEventW). POSIX (Linux): a futex word in a small
 * region of the same name. Lifetime as SharedRegion's, on both: the event lives while any
 * process holds it and goes with its last handle; one whose users all died counts as gone.
 * On both, events and regions share one namespace: an event cannot have a region's name.
 *
 * Robust: no lock is ever held, so a process that dies while waiting or notifying leaves the
 * event usable. One Event object may be used by several threads at once; move and close() are
 * not thread-safe against other calls.
 *
 * Move-only, and nothing of it throws: a default-constructed or moved-from Event is empty, and
 * moving onto an Event, or destroying it, closes it as close() does, but silently (call close()
 * to hear of a failure).
 *
 * Example:
 * @code
 *   auto done = namedshm::Event::create("Local\\job-done");   // process A
 *   done.wait();
 *   namedshm::Event::open("Local\\job-done").notify();          // process B
 * @endcode
 */
class Event {
 public:
  /// Creates a new event; fails with `std::errc::file_exists` if the name exists (never opens
  /// someone else's). Throws std::system_error.
  [[nodiscard]] static Event create(const Name& name, const EventOptions& options = {}) {
    return detail::or_throw({"create event", name.utf8()}, [&](detail::Status& status) {
      return acquire(name, detail::Disposition::create, options, status);
    });
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Event create(const Name& name, std::error_code& ec) noexcept {
    return create(name, EventOptions{}, ec);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Event create(const Name& name, const EventOptions& options, std::error_code& ec) noexcept {
    return detail::or_report(
        ec, [&](detail::Status& status) { return acquire(name, detail::Disposition::create, options, status); });
  }

  /// Opens an existing event; fails with `std::errc::no_such_file_or_directory` if there is
  /// none, and with a message saying so if the name belongs to another kind of object.
  /// Throws std::system_error.
  [[nodiscard]] static Event open(const Name& name) {
    return detail::or_throw({"open event", name.utf8()}, [&](detail::Status& status) {
      return acquire(name, detail::Disposition::open, {}, status);
    });
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Event open(const Name& name, std::error_code& ec) noexcept {
    return detail::or_report(
        ec, [&](detail::Status& status) { return acquire(name, detail::Disposition::open, {}, status); });
  }

  /// Opens the event if it exists (keeping its creator's mode), else creates it; created()
  /// tells which. Throws std::system_error.
  [[nodiscard]] static Event open_or_create(const Name& name, const EventOptions& options = {}) {
    return detail::or_throw({"open_or_create event", name.utf8()}, [&](detail::Status& status) {
      return acquire(name, detail::Disposition::open_or_create, options, status);
    });
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Event open_or_create(const Name& name, std::error_code& ec) noexcept {
    return open_or_create(name, EventOptions{}, ec);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Event open_or_create(const Name& name, const EventOptions& options,
                                            std::error_code& ec) noexcept {
    return detail::or_report(ec, [&](detail::Status& status) {
      return acquire(name, detail::Disposition::open_or_create, options, status);
    });
  }

  /// POSIX: removes the name now (open events keep working, but a later open meets another
  /// event): for keep_name events. False if there was none. Windows: returns false. Throws
  /// std::system_error.
  static bool remove(const Name& name) {
    return detail::or_throw({"remove event", name.utf8()},
                            [&](detail::Status& status) { return remove_name(name, status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  static bool remove(const Name& name, std::error_code& ec) noexcept {
    return detail::or_report(ec, [&](detail::Status& status) { return remove_name(name, status); });
  }

  /// Sets the event: wakes one waiter (auto_reset) or all (manual_reset). Throws std::system_error.
  void notify() {
    detail::or_throw({"notify event", name()}, [&](detail::Status& status) { notify(status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  void notify(std::error_code& ec) noexcept {
    detail::or_report(ec, [&](detail::Status& status) { notify(status); });
  }

  /// Clears the event. Throws std::system_error.
  void reset() {
    detail::or_throw({"reset event", name()}, [&](detail::Status& status) { reset(status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  void reset(std::error_code& ec) noexcept {
    detail::or_report(ec, [&](detail::Status& status) { reset(status); });
  }

  /// Waits until the event is set; an auto_reset event is cleared on the way out.
  /// Throws std::system_error.
  void wait() {
    detail::or_throw({"wait for event", name()}, [&](detail::Status& status) {
      static_cast<void>(wait_until((detail::WaitClock::time_point::max)(), status));
    });
  }
  /// As above; reports failure through `ec`. Does not throw.
  void wait(std::error_code& ec) noexcept {
    detail::or_report(ec, [&](detail::Status& status) {
      static_cast<void>(wait_until((detail::WaitClock::time_point::max)(), status));
    });
  }

  /// Waits at most `timeout`; true if the event was set (and, auto_reset, is now cleared),
  /// false on time-out. Throws std::system_error.
  template <class Rep, class Period>
  [[nodiscard]] bool wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    const auto deadline = deadline_after(timeout);
    return detail::or_throw({"wait for event", name()},
                            [&](detail::Status& status) { return wait_until(deadline, status); });
  }
  /// As above; reports failure through `ec` (and returns false). Does not throw.
  template <class Rep, class Period>
  [[nodiscard]] bool wait_for(const std::chrono::duration<Rep, Period>& timeout, std::error_code& ec) noexcept {
    const auto deadline = deadline_after(timeout);
    return detail::or_report(ec, [&](detail::Status& status) { return wait_until(deadline, status); });
  }

  /// wait_for(0): takes the event if it is set, never sleeps. Throws std::system_error.
  [[nodiscard]] bool try_wait() { return wait_for(std::chrono::nanoseconds(0)); }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] bool try_wait(std::error_code& ec) noexcept { return wait_for(std::chrono::nanoseconds(0), ec); }

  /// The event's mode (for an opened event, its creator's choice). Does not throw.
  [[nodiscard]] EventMode mode() const noexcept {
    return object_.manual_reset() ? EventMode::manual_reset : EventMode::auto_reset;
  }
  /// True if this Event created the OS object. Does not throw.
  [[nodiscard]] bool created() const noexcept { return object_.created(); }
  /// False for an empty (default-constructed, moved-from or closed) Event. Does not throw.
  [[nodiscard]] bool valid() const noexcept { return object_.valid(); }
  /// The name as given to create/open; empty for an empty Event. Does not throw.
  [[nodiscard]] const std::string& name() const noexcept { return valid() ? name_.get() : detail::empty_name(); }

  /**
   * Closes now, as the destructor would, and reports what the destructor must swallow (POSIX:
   * a last handle's name that could not be removed). The Event is empty afterwards either way;
   * closing an empty Event does nothing. Throws std::system_error.
   */
  void close() {
    detail::close_or_throw("close event", [&](detail::Status& status) { return release(status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  void close(std::error_code& ec) noexcept {
    detail::or_report(ec, [&](detail::Status& status) { static_cast<void>(release(status)); });
  }

 private:
  template <class Rep, class Period>
  static detail::WaitClock::time_point deadline_after(const std::chrono::duration<Rep, Period>& timeout) noexcept {
    return detail::steady_deadline(detail::timeout_ns(timeout), detail::WaitClock::now());
  }

  bool usable(detail::Status& status) const noexcept {
    if (valid()) return true;
    status.set(std::errc::invalid_argument, "the Event is empty (default-constructed, moved from or closed)");
    return false;
  }

  void notify(detail::Status& status) noexcept {
    if (usable(status)) detail::os::event_notify(object_.ref(), status);
  }
  void reset(detail::Status& status) noexcept {
    if (usable(status)) detail::os::event_reset(object_, status);
  }
  bool wait_until(detail::WaitClock::time_point deadline, detail::Status& status) noexcept {
    return usable(status) && detail::os::event_wait(object_, deadline, status);
  }
  std::string release(detail::Status& status) noexcept {
    if (!valid()) return {};
    detail::os::event_close(object_, status);
    return name_.take();
  }

  static bool remove_name(const Name& name, detail::Status& status) noexcept {
    detail::EventRequest request;
    request.name = detail::check_argument(name, status).parts;
    request.utf8_name = name.utf8();
    return !status && detail::os::event_remove(request, status);
  }

  static Event acquire(const Name& name, detail::Disposition disposition, const EventOptions& options,
                       detail::Status& status) noexcept {
    detail::EventRequest request;
    request.name = detail::check_argument(name, status).parts;
    request.security = detail::security_request(options.security);
    if (status || !detail::check_security(request.security, status)) return {};
    request.utf8_name = name.utf8();
    request.disposition = disposition;
    request.manual_reset = options.mode == EventMode::manual_reset;
    request.initially_set = options.initially_set;
    request.keep_name = options.keep_name;
    Event event;
    if (!event.name_.assign(name.utf8(), status)) return {};
    event.object_ = detail::os::event_acquire(request, status);
    if (status) return {};
    return event;
  }

  detail::os::EventObject object_;
  detail::NameText name_;
};

}  // namespace namedshm

#endif  // NAMEDSHM_EVENT_HPP
