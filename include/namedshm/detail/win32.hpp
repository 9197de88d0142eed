// namedshm: the Win32 backend (CreateFileMappingW, OpenFileMappingW, MapViewOfFile,
// NtQuerySection). The only file of namedshm that includes <windows.h>.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_WIN32_HPP
#define NAMEDSHM_DETAIL_WIN32_HPP

// Keep <windows.h> small and free of min/max macros while we include it, but leave the user's
// configuration as we found it: define the two macros only if the user has not, and only here.
#ifndef WIN32_LEAN_AND_MEAN
#  define WIN32_LEAN_AND_MEAN
#  define NAMEDSHM_UNDEF_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#  define NOMINMAX
#  define NAMEDSHM_UNDEF_NOMINMAX
#endif
#include <windows.h>  // CreateFileMappingW, OpenFileMappingW, MapViewOfFile, GetProcAddress

#include <sddl.h>  // after windows.h: ConvertStringSecurityDescriptorToSecurityDescriptorW
#if defined(_MSC_VER)
// ConvertStringSecurityDescriptorToSecurityDescriptorW lives in advapi32: tell the MSVC linker
// (clang-cl honours it too), so that a plain `cl app.cpp` with only this header links. CMake's
// target and namedshm.pc name the library for every other toolchain.
#  pragma comment(lib, "advapi32.lib")
#endif
#ifdef NAMEDSHM_UNDEF_LEAN_AND_MEAN
#  undef WIN32_LEAN_AND_MEAN
#  undef NAMEDSHM_UNDEF_LEAN_AND_MEAN
#endif
#ifdef NAMEDSHM_UNDEF_NOMINMAX
#  undef NOMINMAX
#  undef NAMEDSHM_UNDEF_NOMINMAX
#endif

#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint64_t
#include <limits>       // std::numeric_limits
#include <string>       // std::wstring, SDDL text for the OS
#include <string_view>  // std::string_view

#include "error.hpp"    // Status, allocate_or_report
#include "request.hpp"  // Request, Disposition

namespace namedshm::detail::os {

using native_handle_type = void*;  // HANDLE, spelled so that users need not see <windows.h>
/// CreateFileMappingW and OpenFileMappingW fail with NULL, never INVALID_HANDLE_VALUE.
inline constexpr native_handle_type invalid_handle = nullptr;

/// A live mapping: the section handle and the view of the whole section.
struct Mapping {
  native_handle_type handle = invalid_handle;
  void* address = nullptr;
  std::size_t size = 0;
  bool created = false;
};

/// The prefix and object name as UTF-16, NUL-terminated, on the stack. 255 UTF-8 bytes never
/// need more than 255 UTF-16 units.
class WideName {
 public:
  /// Converts a checked name; fails only if the OS rejects the UTF-8 (it was validated before).
  bool assign(const NameParts& name, Status& status) noexcept {
    int length = 0;
    for (const std::string_view part : {name.prefix, name.object}) {
      if (part.empty()) continue;
      const int room = static_cast<int>(capacity) - 1 - length;
      const int written = ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, part.data(),
                                                static_cast<int>(part.size()), text_ + length, room);
      if (written == 0) {
        status.set_system(static_cast<int>(::GetLastError()), "cannot convert the name to UTF-16");
        return false;
      }
      length += written;
    }
    text_[length] = L'\0';
    return true;
  }
  const wchar_t* c_str() const noexcept { return text_; }

 private:
  static constexpr std::size_t capacity = 8 + max_object_name_bytes + 1;
  wchar_t text_[capacity];
};

inline void fail_with_last_error(Status& status, const char* why = nullptr) noexcept {
  status.set_system(static_cast<int>(::GetLastError()), why);
}

/// Explains the two errors that puzzle users of named sections most.
inline const char* hint_for(DWORD error, const NameParts& name, bool creating) noexcept {
  if (error == ERROR_ACCESS_DENIED && creating && name.scope == Scope::global) {
    // The OS does not say which of the two it was; both are common, so name both.
    return "creating a Global\\ object needs the SeCreateGlobalPrivilege privilege (services and "
           "administrators have it; use Local\\ for one session), or the object exists and its "
           "security descriptor refuses you";
  }
  if (error == ERROR_INVALID_HANDLE) return "the name belongs to another kind of object (an event, mutex, ...)";
  return nullptr;
}

/// NtQuerySection, NtQueryEvent and RtlNtStatusToDosError, resolved at run time: ntdll exports them, but the
/// import libraries of MSVC and MinGW do not declare them.
struct NtApi {
  struct SectionBasicInformation {
    void* base_address;
    ULONG allocation_attributes;
    LARGE_INTEGER maximum_size;
  };
  struct EventBasicInformation {
    int event_type;  ///< 0: NotificationEvent (manual reset), 1: SynchronizationEvent (auto reset)
    LONG event_state;
  };
  using QueryObject = LONG(WINAPI*)(HANDLE, int, void*, ULONG, ULONG*);
  using StatusToDosError = ULONG(WINAPI*)(LONG);
  static constexpr int section_basic_information = 0;
  static constexpr int event_basic_information = 0;

  QueryObject query_section = nullptr;
  QueryObject query_event = nullptr;
  StatusToDosError status_to_dos_error = nullptr;

  static const NtApi& get() noexcept {
    static const NtApi api = load();
    return api;
  }

 private:
  template <class Function>
  static Function resolve(HMODULE module, const char* symbol) noexcept {
    // The detour through a void(*)() keeps compilers from warning about the function-type cast.
    const auto address = reinterpret_cast<void (*)()>(::GetProcAddress(module, symbol));
    return reinterpret_cast<Function>(address);
  }
  static NtApi load() noexcept {
    NtApi api;
    if (const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll")) {
      api.query_section = resolve<QueryObject>(ntdll, "NtQuerySection");
      api.query_event = resolve<QueryObject>(ntdll, "NtQueryEvent");
      api.status_to_dos_error = resolve<StatusToDosError>(ntdll, "RtlNtStatusToDosError");
    }
    return api;
  }
};

/// The size of the section behind `section` (opened with SECTION_QUERY). Windows reports
/// the size the section was created with rounded up to whole pages.
inline std::uint64_t query_section_size(HANDLE section, Status& status) noexcept {
  const NtApi& nt = NtApi::get();
  if (nt.query_section == nullptr || nt.status_to_dos_error == nullptr) {
    status.set_system(ERROR_PROC_NOT_FOUND, "ntdll.dll does not export NtQuerySection");
    return 0;
  }
  NtApi::SectionBasicInformation info{};
  const LONG result = nt.query_section(section, NtApi::section_basic_information, &info, sizeof info, nullptr);
  if (result < 0) {
    status.set_system(static_cast<int>(nt.status_to_dos_error(result)), "cannot read the size of the section");
    return 0;
  }
  return static_cast<std::uint64_t>(info.maximum_size.QuadPart);
}

inline DWORD view_access(bool writable) noexcept { return writable ? FILE_MAP_READ | FILE_MAP_WRITE : FILE_MAP_READ; }

/// Maps the whole section; on failure closes `section` so that callers just return.
inline Mapping map_whole(HANDLE section, std::uint64_t size, bool writable, bool created, Status& status) noexcept {
  if (size > (std::numeric_limits<std::size_t>::max)()) {
    ::CloseHandle(section);
    status.set(std::errc::file_too_large, "the section is larger than this process can map");
    return {};
  }
  void* address = ::MapViewOfFile(section, view_access(writable), 0, 0, 0);
  if (address == nullptr) {
    fail_with_last_error(status, "cannot map a view of the section");
    ::CloseHandle(section);
    return {};
  }
  return Mapping{section, address, static_cast<std::size_t>(size), created};
}

/// The security a created section gets: the caller's SECURITY_ATTRIBUTES, one made from SDDL
/// text, or none (the creator's default, never a NULL DACL). Handles are never inheritable
/// unless the caller's attributes say so.
class Security {
 public:
  Security() = default;
  Security(const Security&) = delete;
  Security& operator=(const Security&) = delete;
  Security(Security&&) = delete;
  Security& operator=(Security&&) = delete;
  ~Security() {
    if (descriptor_ != nullptr) ::LocalFree(descriptor_);
  }

  bool assign(const Request& request, Status& status) noexcept {
    return assign(request.security, request.sddl, status);
  }
  /// `attributes`: the caller's SECURITY_ATTRIBUTES* or null; `sddl`: SDDL text or empty.
  bool assign(const void* attributes, std::string_view sddl, Status& status) noexcept {
    if (sddl.empty()) {
      chosen_ = static_cast<SECURITY_ATTRIBUTES*>(const_cast<void*>(attributes));
      return true;
    }
    std::wstring wide;
    // SDDL is ASCII: one UTF-16 unit per byte at most.
    if (!allocate_or_report(status, [&] { wide.resize(sddl.size()); })) return false;
    const int length = ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, sddl.data(), static_cast<int>(sddl.size()),
                                             wide.data(), static_cast<int>(wide.size()));
    if (length == 0) {
      fail_with_last_error(status, "the security descriptor (SDDL) is not valid UTF-8");
      return false;
    }
    wide.resize(static_cast<std::size_t>(length));
    if (!::ConvertStringSecurityDescriptorToSecurityDescriptorW(wide.c_str(), SDDL_REVISION_1, &descriptor_, nullptr)) {
      fail_with_last_error(status, "the security descriptor is not valid SDDL");
      return false;
    }
    attributes_.nLength = sizeof attributes_;
    attributes_.lpSecurityDescriptor = descriptor_;
    attributes_.bInheritHandle = FALSE;
    chosen_ = &attributes_;
    return true;
  }
  SECURITY_ATTRIBUTES* get() const noexcept { return chosen_; }

 private:
  PSECURITY_DESCRIPTOR descriptor_ = nullptr;
  SECURITY_ATTRIBUTES attributes_{};
  SECURITY_ATTRIBUTES* chosen_ = nullptr;
};

/// CreateFileMappingW for a pagefile-backed section. `existed` reports ERROR_ALREADY_EXISTS,
/// which must be read before any other call can overwrite the thread's last error.
inline HANDLE create_section(const Request& request, const WideName& name, bool& existed, Status& status) noexcept {
  const auto high = static_cast<DWORD>(request.size >> 32U);
  const auto low = static_cast<DWORD>(request.size & 0xFFFFFFFFU);
  Security security;
  if (!security.assign(request, status)) return nullptr;
  const HANDLE section =
      ::CreateFileMappingW(INVALID_HANDLE_VALUE, security.get(), PAGE_READWRITE, high, low, name.c_str());
  const DWORD error = ::GetLastError();
  existed = section != nullptr && error == ERROR_ALREADY_EXISTS;
  if (section == nullptr) status.set_system(static_cast<int>(error), hint_for(error, request.name, true));
  return section;
}

inline Mapping create(const Request& request, const WideName& name, Status& status) noexcept {
  bool existed = false;
  const HANDLE section = create_section(request, name, existed, status);
  if (section == nullptr) return {};
  if (existed) {  // never hand out someone else's object: that is how squatting works
    ::CloseHandle(section);
    status.set_system(ERROR_ALREADY_EXISTS);
    return {};
  }
  return map_whole(section, request.size, true, true, status);
}

inline Mapping open_existing(HANDLE section, const Request& request, Status& status) noexcept {
  const std::uint64_t size = query_section_size(section, status);
  if (status) {
    ::CloseHandle(section);
    return {};
  }
  if (size < request.size) {
    ::CloseHandle(section);
    status.set(std::errc::invalid_argument);
    status.actual_size = size;
    return {};
  }
  return map_whole(section, size, request.writable, false, status);
}

/// Maps a section that may not be queried: a DACL can grant FILE_MAP_READ without
/// SECTION_QUERY (raw-API programs rarely think of it). The view's extent, whole pages, is
/// then the size.
inline Mapping open_unqueryable(HANDLE section, const Request& request, Status& status) noexcept {
  Mapping mapping = map_whole(section, 0, request.writable, false, status);
  if (status) return {};
  MEMORY_BASIC_INFORMATION view{};
  if (::VirtualQuery(mapping.address, &view, sizeof view) == 0) {
    fail_with_last_error(status, "cannot read the size of the view");
  } else if (view.RegionSize < request.size) {
    status.set(std::errc::invalid_argument);
    status.actual_size = view.RegionSize;
  }
  if (status) {
    ::UnmapViewOfFile(mapping.address);
    ::CloseHandle(section);
    return {};
  }
  mapping.size = view.RegionSize;
  return mapping;
}

inline Mapping open(const Request& request, const WideName& name, Status& status) noexcept {
  const DWORD access = view_access(request.writable);
  HANDLE section = ::OpenFileMappingW(access | SECTION_QUERY, FALSE, name.c_str());
  if (section != nullptr) return open_existing(section, request, status);
  DWORD error = ::GetLastError();
  if (error == ERROR_ACCESS_DENIED) {
    section = ::OpenFileMappingW(access, FALSE, name.c_str());
    if (section != nullptr) return open_unqueryable(section, request, status);
    error = ::GetLastError();
  }
  status.set_system(static_cast<int>(error), hint_for(error, request.name, false));
  return {};
}

inline Mapping open_or_create(const Request& request, const WideName& name, Status& status) noexcept {
  bool existed = false;
  const HANDLE section = create_section(request, name, existed, status);
  if (section == nullptr) return {};
  if (existed) return open_existing(section, request, status);
  return map_whole(section, request.size, true, true, status);
}

inline Mapping acquire(const Request& request, Status& status) noexcept {
  WideName name;
  if (!name.assign(request.name, status)) return {};
  switch (request.disposition) {
    case Disposition::create:
      return create(request, name, status);
    case Disposition::open:
      return open(request, name, status);
    case Disposition::open_or_create:
      return open_or_create(request, name, status);
  }
  return {};
}

/// Unmaps and closes. Windows destroys the section with its last handle, so there is never a
/// name to remove.
inline void release(Mapping& mapping, const NameParts* /*unlink_name*/) noexcept {
  if (mapping.address != nullptr) ::UnmapViewOfFile(mapping.address);
  if (mapping.handle != invalid_handle) ::CloseHandle(mapping.handle);
  mapping = Mapping{};
}

/// Windows has no way to remove a name: the kernel does it when the last handle closes.
inline bool remove(const NameParts& /*name*/, Status& /*status*/) noexcept { return false; }

/// Nothing outlives its last handle on Windows, so nothing is ever stale.
inline bool remove_if_stale(const NameParts& /*name*/, Status& /*status*/) noexcept { return false; }

inline constexpr bool names_outlive_handles = false;

}  // namespace namedshm::detail::os

#endif  // NAMEDSHM_DETAIL_WIN32_HPP
