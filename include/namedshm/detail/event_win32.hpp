// namedshm: the Win32 backend of Event (CreateEventW, OpenEventW, SetEvent, ResetEvent,
// WaitForSingleObject, NtQueryEvent for the mode of an opened event).
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_EVENT_WIN32_HPP
#define NAMEDSHM_DETAIL_EVENT_WIN32_HPP

#include <cstdint>  // std::int64_t
#include <utility>  // std::exchange

#include "event_request.hpp"  // EventRequest
#include "win32.hpp"          // <windows.h>, WideName, Security, NtApi, hint_for

namespace namedshm::detail::os {

/// An open event handle. Move-only; a moved-from one is empty.
class EventObject {
 public:
  EventObject() noexcept = default;
  EventObject(HANDLE handle, bool is_manual_reset, bool created) noexcept
      : manual_reset(is_manual_reset), handle_(handle), created_(created) {}
  EventObject(const EventObject&) = delete;
  EventObject& operator=(const EventObject&) = delete;
  EventObject(EventObject&& other) noexcept
      : manual_reset(other.manual_reset), handle_(std::exchange(other.handle_, nullptr)), created_(other.created_) {}
  EventObject& operator=(EventObject&& other) noexcept {
    if (this != &other) {
      close();
      handle_ = std::exchange(other.handle_, nullptr);
      manual_reset = other.manual_reset;
      created_ = other.created_;
    }
    return *this;
  }
  ~EventObject() { close(); }

  void close() noexcept {
    if (handle_ != nullptr) ::CloseHandle(std::exchange(handle_, nullptr));
  }
  HANDLE handle() const noexcept { return handle_; }
  bool valid() const noexcept { return handle_ != nullptr; }
  bool created() const noexcept { return created_; }

  bool manual_reset = false;

 private:
  HANDLE handle_ = nullptr;
  bool created_ = false;
};

/// Reads whether an event resets itself; needs EVENT_QUERY_STATE access.
inline bool query_manual_reset(HANDLE event, bool& manual_reset, Status& status) noexcept {
  const NtApi& nt = NtApi::get();
  if (nt.query_event == nullptr || nt.status_to_dos_error == nullptr) {
    status.set_system(ERROR_PROC_NOT_FOUND, "ntdll.dll does not export NtQueryEvent");
    return false;
  }
  NtApi::EventBasicInformation info{};
  const LONG result = nt.query_event(event, NtApi::event_basic_information, &info, sizeof info, nullptr);
  if (result < 0) {
    status.set_system(static_cast<int>(nt.status_to_dos_error(result)), "cannot query the event's type");
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
  const HANDLE handle = ::OpenEventW(event_access, FALSE, name.c_str());
  if (handle == nullptr) {
    const DWORD error = ::GetLastError();
    status.set_system(static_cast<int>(error), hint_for(error, parts, false));
    return {};
  }
  EventObject event(handle, false, false);
  if (!query_manual_reset(handle, event.manual_reset, status)) return {};
  return event;
}

inline EventObject create_event(const EventRequest& request, const WideName& name, Status& status) noexcept {
  Security security;
  if (!security.assign(request.security, request.sddl, status)) return {};
  const HANDLE handle = ::CreateEventExW(
      security.get(), name.c_str(),
      (request.manual_reset ? CREATE_EVENT_MANUAL_RESET : 0U) | (request.initially_set ? CREATE_EVENT_INITIAL_SET : 0U),
      event_access);
  const DWORD error = ::GetLastError();  // read before any other call can change it
  if (handle == nullptr) {
    status.set_system(static_cast<int>(error), hint_for(error, request.name, true));
    return {};
  }
  EventObject event(handle, request.manual_reset, error != ERROR_ALREADY_EXISTS);
  if (event.created()) return event;
  if (request.disposition == Disposition::create) {  // never hand out someone else's event
    status.set_system(ERROR_ALREADY_EXISTS);
    return {};
  }
  // open_or_create found an existing event: its mode is its creator's, not ours.
  if (!query_manual_reset(handle, event.manual_reset, status)) return {};
  return event;
}

inline EventObject event_acquire(const EventRequest& request, Status& status) noexcept {
  WideName name;
  if (!name.assign(request.name, status)) return {};
  if (request.disposition == Disposition::open) return open_event(name, request.name, status);
  return create_event(request, name, status);
}

inline void event_notify(EventObject& event, Status& status) noexcept {
  if (!::SetEvent(event.handle())) fail_with_last_error(status, "SetEvent failed");
}

inline void event_reset(EventObject& event, Status& status) noexcept {
  if (!::ResetEvent(event.handle())) fail_with_last_error(status, "ResetEvent failed");
}

/// Waits `timeout_ns` at most (negative: for ever), rounded up to whole milliseconds so that
/// a wait never ends early. True if the event was (or became) set.
inline bool event_wait(EventObject& event, std::int64_t timeout_ns, Status& status) noexcept {
  constexpr std::int64_t ns_per_ms = 1'000'000;
  // INFINITE is 0xFFFFFFFF; longer waits go in slices of just under 50 days.
  constexpr std::int64_t longest_slice_ms = 0xFFFFFFFEll;
  std::int64_t remaining_ms = timeout_ns < 0 ? -1 : timeout_ns / ns_per_ms + (timeout_ns % ns_per_ms != 0 ? 1 : 0);
  for (;;) {
    const DWORD slice = remaining_ms < 0
                            ? INFINITE
                            : static_cast<DWORD>(remaining_ms < longest_slice_ms ? remaining_ms : longest_slice_ms);
    const DWORD result = ::WaitForSingleObject(event.handle(), slice);
    if (result == WAIT_OBJECT_0) return true;
    if (result != WAIT_TIMEOUT) {
      fail_with_last_error(status, "WaitForSingleObject failed");
      return false;
    }
    if (remaining_ms >= 0) {
      remaining_ms -= static_cast<std::int64_t>(slice);
      if (remaining_ms <= 0) return false;
    }
  }
}

inline void event_release(EventObject& event) noexcept { event.close(); }

/// Windows removes a name with the object's last handle: nothing to do.
inline bool event_remove(const EventRequest& /*request*/, Status& /*status*/) noexcept { return false; }

}  // namespace namedshm::detail::os

#endif  // NAMEDSHM_DETAIL_EVENT_WIN32_HPP
