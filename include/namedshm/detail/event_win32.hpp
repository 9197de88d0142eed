// namedshm: the Win32 backend of Event (CreateEventExW, OpenEventW, SetEvent, ResetEvent,
// WaitForSingleObject, NtQueryEvent for the mode of an opened event).
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_EVENT_WIN32_HPP
#define NAMEDSHM_DETAIL_EVENT_WIN32_HPP

#include "win32.hpp"  // <windows.h>, Handle, WideName, Security, hint_for

#include <utility>  // std::move

#include "event_request.hpp"  // EventRequest, WaitClock
#include "wait_win32.hpp"     // wait_for_object

namespace namedshm::detail::os {

/// What notifying an event needs: its handle, which stays the same wherever the EventObject is
/// moved, as long as it is open.
struct EventRef {
  HANDLE handle = nullptr;
};

/// An open event handle. Its moves are its handle's.
class EventObject {
 public:
  EventObject() noexcept = default;
  EventObject(Handle handle, bool manual_reset, bool created) noexcept
      : handle_(std::move(handle)), manual_reset_(manual_reset), created_(created) {}

  [[nodiscard]] bool valid() const noexcept { return handle_.valid(); }
  [[nodiscard]] bool created() const noexcept { return created_ && valid(); }
  [[nodiscard]] bool manual_reset() const noexcept { return manual_reset_; }
  [[nodiscard]] HANDLE handle() const noexcept { return handle_.get(); }
  [[nodiscard]] EventRef ref() const noexcept { return {handle_.get()}; }
  Handle& owner() noexcept { return handle_; }

 private:
  Handle handle_;
  bool manual_reset_ = false;
  bool created_ = false;
};

/// Reads whether an event resets itself; needs EVENT_QUERY_STATE access.
inline bool query_manual_reset(HANDLE event, bool& manual_reset, Status& status) noexcept {
  struct EventBasicInformation {
    int event_type;  ///< 0: NotificationEvent (manual reset), 1: SynchronizationEvent (auto reset)
    LONG event_state;
  } info{};
  constexpr int event_basic_information = 0;
  const LONG result = NAMEDSHM_SYSTEM(NtQueryEvent)(event, event_basic_information, &info, sizeof info, nullptr);
  if (result < 0) {
    fail_with_ntstatus(result, status, "cannot query the event's type (NtQueryEvent)");
    return false;
  }
  manual_reset = info.event_type == 0;
  return true;
}

/// EVENT_QUERY_STATE (winnt.h of the Windows SDK; MinGW-w64's headers lack it).
inline constexpr DWORD event_query_state = 0x0001;
/// What every handle we hand out may do: set, reset, wait, and tell its mode.
inline constexpr DWORD event_access = EVENT_MODIFY_STATE | SYNCHRONIZE | event_query_state;

inline EventObject open_event(const WideName& name, const NameParts& parts, Status& status) noexcept {
  Handle handle(NAMEDSHM_SYSTEM(OpenEventW)(event_access, FALSE, name.c_str()));
  if (!handle) {
    const DWORD error = ::GetLastError();
    status.set_system(static_cast<int>(error), hint_for(error, parts, false));
    return {};
  }
  bool manual_reset = false;
  if (!query_manual_reset(handle.get(), manual_reset, status)) return {};
  return EventObject(std::move(handle), manual_reset, false);
}

inline EventObject create_event(const EventRequest& request, const WideName& name, Status& status) noexcept {
  Security security;
  if (!security.assign(request.security, status)) return {};
  const DWORD flags =
      (request.manual_reset ? CREATE_EVENT_MANUAL_RESET : 0U) | (request.initially_set ? CREATE_EVENT_INITIAL_SET : 0U);
  Handle handle(NAMEDSHM_SYSTEM(CreateEventExW)(security.get(), name.c_str(), flags, event_access));
  const DWORD error = ::GetLastError();  // read before any other call can change it
  if (!handle) {
    status.set_system(static_cast<int>(error), hint_for(error, request.name, true));
    return {};
  }
  if (error != ERROR_ALREADY_EXISTS) return EventObject(std::move(handle), request.manual_reset, true);
  if (request.disposition == Disposition::create) {  // never hand out someone else's event
    status.set_system(ERROR_ALREADY_EXISTS);
    return {};
  }
  // open_or_create found an existing event: its mode is its creator's, not ours.
  bool manual_reset = false;
  if (!query_manual_reset(handle.get(), manual_reset, status)) return {};
  return EventObject(std::move(handle), manual_reset, false);
}

inline EventObject event_acquire(const EventRequest& request, Status& status) noexcept {
  WideName name;
  if (!name.assign(request.name, status)) return {};
  if (request.disposition == Disposition::open) return open_event(name, request.name, status);
  return create_event(request, name, status);
}

inline void event_notify(const EventRef& event, Status& status) noexcept {
  if (!NAMEDSHM_SYSTEM(SetEvent)(event.handle)) fail_with_last_error(status, "cannot set the event (SetEvent)");
}

inline void event_reset(const EventObject& event, Status& status) noexcept {
  if (!NAMEDSHM_SYSTEM(ResetEvent)(event.handle())) fail_with_last_error(status, "cannot reset the event (ResetEvent)");
}

/// Waits until `deadline` at most (max(): for ever; min(): only takes a set event); see
/// wait_for_object. True if the event was (or became) set.
inline bool event_wait(const EventObject& event, WaitClock::time_point deadline, Status& status) noexcept {
  const DWORD result = wait_for_object(event.handle(), deadline);
  if (result == WAIT_OBJECT_0) return true;
  if (result != WAIT_TIMEOUT) fail_with_last_error(status, "cannot wait for the event (WaitForSingleObject)");
  return false;
}

/// Closes the event's handle now, reporting a failure. Does not throw.
inline void event_close(EventObject& event, Status& status) noexcept {
  note_close_error(event.owner().close(), "cannot close the event handle", status);
}

/// Windows removes a name with the object's last handle: nothing to do.
inline bool event_remove(const EventRequest& /*request*/, Status& /*status*/) noexcept { return false; }

}  // namespace namedshm::detail::os

#endif  // NAMEDSHM_DETAIL_EVENT_WIN32_HPP
