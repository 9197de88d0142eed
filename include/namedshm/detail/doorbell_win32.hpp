// namedshm: the doorbells of a slot table on Windows: one auto-reset event per slot, named
// "<name>.<index>", made by the hub with the table; a member opens the hub's and its own.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_DOORBELL_WIN32_HPP
#define NAMEDSHM_DETAIL_DOORBELL_WIN32_HPP

#include "win32.hpp"  // <windows.h>, included the way namedshm does it: first

#include <string>       // std::string, std::to_string: the events' names
#include <string_view>  // std::string_view
#include <utility>      // std::move
#include <vector>       // std::vector, the hub's events

#include "error.hpp"          // Status, allocate_or_report
#include "event_request.hpp"  // EventRequest, WaitClock
#include "event_win32.hpp"    // os::EventObject, event_acquire, event_notify, event_wait, event_close
#include "name.hpp"           // check_name
#include "request.hpp"        // SecurityRequest, Disposition
#include "slot_table.hpp"     // Slot, hub_slot

namespace namedshm::detail {

/// The doorbells of a slot table, as one side holds them: the hub all of them, a member the
/// hub's and its own.
class Doorbells {
 public:
  /// The hub's side: makes the events of slots 0..count-1. Does not throw.
  bool create(std::string_view name, unsigned count, const SecurityRequest& security, Status& status) noexcept {
    if (!allocate_or_report(status, [&] { events_.resize(count); })) return false;
    for (unsigned index = 0; index < count; ++index) {
      events_[index] = acquire(name, index, Disposition::create, security, status);
      if (status) return false;
    }
    own_ = hub_slot;
    return true;
  }

  /// A member's side: opens the hub's event and that of slot `own`. Does not throw.
  bool open(std::string_view name, unsigned own, Status& status) noexcept {
    if (!allocate_or_report(status, [&] { events_.resize(2); })) return false;
    events_[0] = acquire(name, hub_slot, Disposition::open, {}, status);
    if (status) return false;
    events_[1] = acquire(name, own, Disposition::open, {}, status);
    if (status) return false;
    own_ = own;
    return true;
  }

  /// Rings the doorbell of slot `index`. A failed ring is not reported: the sleeper looks again
  /// every wait_slice anyway. Does not throw.
  void ring(Slot& /*slot*/, unsigned index) noexcept {
    if (events_.empty()) return;  // an endpoint that failed before its doorbells were made
    Status ignored;
    os::event_notify(at(index).ref(), ignored);
  }

  /// Sleeps on the doorbell of slot `index` until it rings (true) or `until`. Does not throw.
  bool wait(Slot& /*slot*/, unsigned index, WaitClock::time_point until, Status& status) noexcept {
    const bool woken = os::event_wait(at(index), until, status);
    if (status) status.detail = "cannot wait on a slot's doorbell (WaitForSingleObject)";
    return woken;
  }

  /// Closes every event now, reporting the first failure. Does not throw.
  void close(Status& status) noexcept {
    for (os::EventObject& event : events_) os::event_close(event, status);
    events_.clear();
  }

 private:
  /// The event of slot `index`: the hub holds them in order, a member holds [hub, own].
  os::EventObject& at(unsigned index) noexcept {
    if (own_ == hub_slot) return events_[index];
    return events_[index == hub_slot ? 0 : 1];
  }

  static os::EventObject acquire(std::string_view name, unsigned index, Disposition disposition,
                                 const SecurityRequest& security, Status& status) noexcept {
    std::string full;
    if (!allocate_or_report(status, [&] { full.assign(name).append(".").append(std::to_string(index)); })) return {};
    EventRequest request;
    request.name = check_name(full).parts;  // valid: the table's name passed, and leaves room for the suffix
    request.utf8_name = full;
    request.disposition = disposition;
    request.security = security;
    os::EventObject event = os::event_acquire(request, status);
    if (status)
      status.detail = disposition == Disposition::create ? "cannot create a slot's event \"<name>.<slot>\""
                                                         : "cannot open a slot's event \"<name>.<slot>\"";
    return event;
  }

  std::vector<os::EventObject> events_;
  unsigned own_ = hub_slot;
};

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_DOORBELL_WIN32_HPP
