// namedshm: Event, a named wake-up that works across processes.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_EVENT_HPP
#define NAMEDSHM_EVENT_HPP

#include <chrono>        // std::chrono::duration, timeouts
#include <cstdint>       // std::int64_t, std::uint32_t
#include <string>        // std::string, the name
#include <string_view>   // std::string_view
#include <system_error>  // std::error_code, std::system_error
#include <utility>       // std::move, std::exchange

#include "detail/config.hpp"         // NAMEDSHM_WINDOWS
#include "detail/event_request.hpp"  // EventRequest
#include "detail/timeout.hpp"        // timeout_ns
#include "namedshm.hpp"              // Name, detail::Status, detail::check_name
#if NAMEDSHM_WINDOWS
#  include "detail/event_win32.hpp"
#else
#  include "detail/event_posix.hpp"
#endif

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
  /// POSIX: the mode of the small region that holds the event (fchmod, as for regions).
  std::uint32_t permissions = 0600;
  /// POSIX: keep the name after the creating Event is gone, until Event::remove().
  bool keep_name = false;
  /// Windows: a `SECURITY_ATTRIBUTES*` for the new event; null: the creator's default.
  const void* security_attributes = nullptr;
  /// Windows: the new event's security descriptor as SDDL text; see CreateOptions.
  std::string_view security_descriptor;
};

/**
 * A named event that processes wait on and notify: the answer to "when do I read?".
 *
 * Windows: a kernel event (CreateEventW / OpenEventW), living while any process holds a
 * handle. POSIX (Linux): a futex word in a small region of the same name, with the lifetime
 * rules of SharedRegion (the creator removes the name when it is destroyed, unless keep_name).
 * On both, events and regions share one namespace: an event cannot have a region's name.
 *
 * Robust: no lock is ever held, so a process that dies while waiting or notifying leaves the
 * event usable. One Event object may be used by several threads at once; move and close() are
 * not thread-safe against other calls.
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
  /// An empty event: owns nothing. Does not throw.
  Event() noexcept = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  /// Takes over `other`'s event; `other` is left empty. Does not throw.
  Event(Event&& other) noexcept
      : object_(std::move(other.object_)),
        name_(std::move(other.name_)),
        created_(std::exchange(other.created_, false)) {}
  /// Closes this event, then takes over `other`'s. Does not throw.
  Event& operator=(Event&& other) noexcept {
    if (this != &other) {
      close();
      object_ = std::move(other.object_);
      name_ = std::move(other.name_);
      created_ = std::exchange(other.created_, false);
    }
    return *this;
  }
  /// Closes the event; see the class comment for what happens to the name. Does not throw.
  ~Event() { close(); }

  /// Creates a new event; fails with `std::errc::file_exists` if the name exists (never opens
  /// someone else's). Throws std::system_error.
  [[nodiscard]] static Event create(const Name& name, const EventOptions& options = {}) {
    return acquire_or_throw("create event", name, detail::Disposition::create, options);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Event create(const Name& name, std::error_code& ec) noexcept {
    return create(name, EventOptions{}, ec);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Event create(const Name& name, const EventOptions& options, std::error_code& ec) noexcept {
    return acquire_or_report(name, detail::Disposition::create, options, ec);
  }

  /// Opens an existing event; fails with `std::errc::no_such_file_or_directory` if there is
  /// none, and with a message saying so if the name belongs to another kind of object.
  /// Throws std::system_error.
  [[nodiscard]] static Event open(const Name& name) {
    return acquire_or_throw("open event", name, detail::Disposition::open, {});
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Event open(const Name& name, std::error_code& ec) noexcept {
    return acquire_or_report(name, detail::Disposition::open, {}, ec);
  }

  /// Opens the event if it exists (keeping its creator's mode), else creates it; created()
  /// tells which. Throws std::system_error.
  [[nodiscard]] static Event open_or_create(const Name& name, const EventOptions& options = {}) {
    return acquire_or_throw("open_or_create event", name, detail::Disposition::open_or_create, options);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Event open_or_create(const Name& name, std::error_code& ec) noexcept {
    return open_or_create(name, EventOptions{}, ec);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static Event open_or_create(const Name& name, const EventOptions& options,
                                            std::error_code& ec) noexcept {
    return acquire_or_report(name, detail::Disposition::open_or_create, options, ec);
  }

  /// POSIX: removes the name now (open events keep working); false if there was none.
  /// Windows: returns false. Throws std::system_error.
  static bool remove(const Name& name) {
    detail::Status status;
    const bool removed = remove(name, status);
    if (status) detail::throw_error({"remove event", name.utf8()}, status);
    return removed;
  }
  /// As above; reports failure through `ec`. Does not throw.
  static bool remove(const Name& name, std::error_code& ec) noexcept {
    detail::Status status;
    const bool removed = remove(name, status);
    ec = status.code;
    return removed;
  }

  /// Sets the event: wakes one waiter (auto_reset) or all (manual_reset). Throws std::system_error.
  void notify() { throw_if(notify_status(), "notify event"); }
  /// As above; reports failure through `ec`. Does not throw.
  void notify(std::error_code& ec) noexcept { ec = notify_status().code; }

  /// Clears the event. Throws std::system_error.
  void reset() { throw_if(reset_status(), "reset event"); }
  /// As above; reports failure through `ec`. Does not throw.
  void reset(std::error_code& ec) noexcept { ec = reset_status().code; }

  /// Waits until the event is set; an auto_reset event is cleared on the way out.
  /// Throws std::system_error.
  void wait() {
    detail::Status status;
    wait_ns(detail::wait_forever, status);
    throw_if(status, "wait for event");
  }
  /// As above; reports failure through `ec`. Does not throw.
  void wait(std::error_code& ec) noexcept {
    detail::Status status;
    wait_ns(detail::wait_forever, status);
    ec = status.code;
  }

  /// Waits at most `timeout`; true if the event was set (and, auto_reset, is now cleared),
  /// false on time-out. Throws std::system_error.
  template <class Rep, class Period>
  [[nodiscard]] bool wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    detail::Status status;
    const bool set = wait_ns(detail::timeout_ns(timeout), status);
    throw_if(status, "wait for event");
    return set;
  }
  /// As above; reports failure through `ec` (and returns false). Does not throw.
  template <class Rep, class Period>
  [[nodiscard]] bool wait_for(const std::chrono::duration<Rep, Period>& timeout, std::error_code& ec) noexcept {
    detail::Status status;
    const bool set = wait_ns(detail::timeout_ns(timeout), status);
    ec = status.code;
    return set;
  }

  /// wait_for(0): takes the event if it is set, never sleeps. Throws std::system_error.
  [[nodiscard]] bool try_wait() { return wait_for(std::chrono::nanoseconds(0)); }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] bool try_wait(std::error_code& ec) noexcept { return wait_for(std::chrono::nanoseconds(0), ec); }

  /// The event's mode (for an opened event, its creator's choice). Does not throw.
  [[nodiscard]] EventMode mode() const noexcept {
    return object_.manual_reset ? EventMode::manual_reset : EventMode::auto_reset;
  }
  /// True if this Event created the OS object. Does not throw.
  [[nodiscard]] bool created() const noexcept { return created_; }
  /// False for an empty (default-constructed, moved-from or closed) Event. Does not throw.
  [[nodiscard]] bool valid() const noexcept { return object_.valid(); }
  /// The name as given to create/open. Does not throw.
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

  /// Closes now, as the destructor would; the Event becomes empty. Does not throw.
  void close() noexcept {
    if (!object_.valid()) return;
    detail::os::event_release(object_);
    name_.clear();
    created_ = false;
  }

 private:
  bool usable(detail::Status& status) const noexcept {
    if (object_.valid()) return true;
    status.set(std::errc::invalid_argument, "the Event is empty (default-constructed, moved from or closed)");
    return false;
  }

  detail::Status notify_status() noexcept {
    detail::Status status;
    if (usable(status)) detail::os::event_notify(object_, status);
    return status;
  }
  detail::Status reset_status() noexcept {
    detail::Status status;
    if (usable(status)) detail::os::event_reset(object_, status);
    return status;
  }
  bool wait_ns(std::int64_t timeout_ns, detail::Status& status) noexcept {
    return usable(status) && detail::os::event_wait(object_, timeout_ns, status);
  }

  void throw_if(const detail::Status& status, const char* verb) const {
    if (status) detail::throw_error({verb, name_}, status);
  }

  static bool remove(const Name& name, detail::Status& status) noexcept {
    detail::EventRequest request;
    request.name = detail::check_argument(name, status).parts;
    request.utf8_name = name.utf8();
    return !status && detail::os::event_remove(request, status);
  }

  static Event acquire(const Name& name, detail::Disposition disposition, const EventOptions& options,
                       detail::Status& status) noexcept {
    const detail::NameCheck check = detail::check_argument(name, status);
    if (status) return {};
    if (!detail::check_security(options.security_attributes, options.security_descriptor, options.permissions,
                                status)) {
      return {};
    }
    Event event;
    if (!detail::allocate_or_report(status, [&] { event.name_.assign(name.utf8()); })) return {};
    detail::EventRequest request;
    request.name = check.parts;
    request.utf8_name = name.utf8();
    request.disposition = disposition;
    request.manual_reset = options.mode == EventMode::manual_reset;
    request.initially_set = options.initially_set;
    request.permissions = options.permissions;
    request.keep_name = options.keep_name;
    request.security = options.security_attributes;
    request.sddl = options.security_descriptor;
    event.object_ = detail::os::event_acquire(request, status);
    if (status) return {};
    event.created_ = event.object_.created();
    return event;
  }

  static Event acquire_or_throw(const char* verb, const Name& name, detail::Disposition disposition,
                                const EventOptions& options) {
    detail::Status status;
    Event event = acquire(name, disposition, options, status);
    if (status) detail::throw_error({verb, name.utf8()}, status);
    return event;
  }
  static Event acquire_or_report(const Name& name, detail::Disposition disposition, const EventOptions& options,
                                 std::error_code& ec) noexcept {
    detail::Status status;
    Event event = acquire(name, disposition, options, status);
    ec = status.code;
    return event;
  }

  detail::os::EventObject object_;
  std::string name_;
  bool created_ = false;
};

}  // namespace namedshm

#endif  // NAMEDSHM_EVENT_HPP
