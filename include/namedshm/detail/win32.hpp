// namedshm: the Win32 backend (CreateFileMappingW, OpenFileMappingW, MapViewOfFile,
// VirtualQuery). The only file of namedshm that includes <windows.h> (the other Win32
// headers include this one).
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
#include "request.hpp"  // Request, Disposition, SecurityRequest
#include "system.hpp"   // NAMEDSHM_SYSTEM, the seam for every system call
#include "unique.hpp"   // Unique

namespace namedshm::detail::os {

/// NtQueryEvent and RtlNtStatusToDosError, resolved at run time: ntdll exports them, but the
/// import libraries of MSVC and MinGW do not declare them.
struct NtApi {
  using QueryObject = LONG(WINAPI*)(HANDLE, int, void*, ULONG, ULONG*);
  using StatusToDosError = ULONG(WINAPI*)(LONG);

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
      api.query_event = resolve<QueryObject>(ntdll, "NtQueryEvent");
      api.status_to_dos_error = resolve<StatusToDosError>(ntdll, "RtlNtStatusToDosError");
    }
    return api;
  }
};

}  // namespace namedshm::detail::os

/// The system calls of the Win32 backends, as NAMEDSHM_SYSTEM reaches them in users' builds.
namespace namedshm::detail::os::native {
using ::CloseHandle;
using ::ConvertStringSecurityDescriptorToSecurityDescriptorW;
using ::CreateEventExW;
using ::CreateFileMappingW;
using ::GetProcessTimes;
using ::LocalFree;
using ::MapViewOfFile;
using ::MultiByteToWideChar;
using ::OpenEventW;
using ::OpenFileMappingW;
using ::OpenProcess;
using ::ResetEvent;
using ::SetEvent;
using ::UnmapViewOfFile;
using ::VirtualQuery;
using ::WaitForSingleObject;

/// What a missing ntdll function answers, as an NTSTATUS: STATUS_PROCEDURE_NOT_FOUND.
inline constexpr LONG procedure_not_found = static_cast<LONG>(0xC000007AUL);

/// NtQueryEvent (an NTSTATUS: negative on failure), or procedure_not_found.
inline LONG NtQueryEvent(HANDLE event, int information_class, void* information, ULONG length,
                         ULONG* returned) noexcept {
  const NtApi& nt = NtApi::get();
  return nt.query_event != nullptr ? nt.query_event(event, information_class, information, length, returned)
                                   : procedure_not_found;
}
}  // namespace namedshm::detail::os::native

namespace namedshm::detail::os {

using native_handle_type = void*;  // HANDLE, spelled so that users need not see <windows.h>
/// CreateFileMappingW and OpenFileMappingW fail with NULL, never INVALID_HANDLE_VALUE.
inline constexpr native_handle_type invalid_handle = nullptr;

/// Owner policy of a kernel object handle (section, event, process): null is none. The
/// functions that make them fail with NULL, never INVALID_HANDLE_VALUE (WIL's
/// handle_null_resource_policy).
struct HandleTraits {
  using value_type = HANDLE;
  static constexpr HANDLE none() noexcept { return nullptr; }
  static bool owns(HANDLE handle) noexcept { return handle != nullptr; }
  static int close(HANDLE handle) noexcept {
    return NAMEDSHM_SYSTEM(CloseHandle)(handle) ? 0 : static_cast<int>(::GetLastError());
  }
};
using Handle = Unique<HandleTraits>;

inline int unmap(ViewExtent view) noexcept {
  return NAMEDSHM_SYSTEM(UnmapViewOfFile)(view.address) ? 0 : static_cast<int>(::GetLastError());
}
using View = Unique<ViewTraits<unmap>>;

/// Owner policy of memory the system allocated with LocalAlloc (a converted security
/// descriptor): LocalFree.
struct LocalMemoryTraits {
  using value_type = void*;
  static constexpr void* none() noexcept { return nullptr; }
  static bool owns(void* memory) noexcept { return memory != nullptr; }
  static int close(void* memory) noexcept {
    return NAMEDSHM_SYSTEM(LocalFree)(memory) == nullptr ? 0 : static_cast<int>(::GetLastError());
  }
};
using LocalMemory = Unique<LocalMemoryTraits>;

/// A live mapping: the section handle and the view of the whole section. Its members release
/// themselves; Windows destroys the section, and its name, with the last handle.
struct Mapping {
  Handle handle;
  View view;
  bool created = false;

  [[nodiscard]] void* address() const noexcept { return view.get().address; }
  [[nodiscard]] std::size_t size() const noexcept { return view.get().size; }
};

inline void fail_with_last_error(Status& status, const char* why = nullptr) noexcept {
  status.set_system(static_cast<int>(::GetLastError()), why);
}

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
      const int written = NAMEDSHM_SYSTEM(MultiByteToWideChar)(CP_UTF8, MB_ERR_INVALID_CHARS, part.data(),
                                                               static_cast<int>(part.size()), text_ + length, room);
      if (written == 0) {
        fail_with_last_error(status, "cannot convert the name to UTF-16");
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

/// Records a failed NT call: its NTSTATUS turned into the Win32 error code users know.
inline void fail_with_ntstatus(LONG result, Status& status, const char* why) noexcept {
  const NtApi& nt = NtApi::get();
  const ULONG error = result == native::procedure_not_found || nt.status_to_dos_error == nullptr
                          ? ERROR_PROC_NOT_FOUND
                          : nt.status_to_dos_error(result);
  status.set_system(static_cast<int>(error), why);
}

inline DWORD view_access(bool writable) noexcept { return writable ? FILE_MAP_READ | FILE_MAP_WRITE : FILE_MAP_READ; }

/// Maps the whole section, which `mapping.handle` holds, and records `size` as its size.
inline bool map_whole(Mapping& mapping, std::uint64_t size, bool writable, Status& status) noexcept {
  if (size > (std::numeric_limits<std::size_t>::max)()) {
    status.set(std::errc::file_too_large, "the section is larger than this process can map");
    return false;
  }
  void* address = NAMEDSHM_SYSTEM(MapViewOfFile)(mapping.handle.get(), view_access(writable), 0, 0, 0);
  if (address == nullptr) {
    fail_with_last_error(status, "cannot map a view of the section");
    return false;
  }
  mapping.view.reset({address, static_cast<std::size_t>(size)});
  return true;
}

/// The security a created object gets: the caller's SECURITY_ATTRIBUTES, one made from SDDL
/// text, or none (the creator's default, never a NULL DACL). Handles are never inheritable
/// unless the caller's attributes say so.
class Security {
 public:
  bool assign(const SecurityRequest& request, Status& status) noexcept {
    if (request.sddl.empty()) {
      chosen_ = static_cast<SECURITY_ATTRIBUTES*>(const_cast<void*>(request.attributes));
      return true;
    }
    std::wstring wide;
    // SDDL is ASCII: one UTF-16 unit per byte at most.
    if (!allocate_or_report(status, [&] { wide.resize(request.sddl.size()); })) return false;
    const int length = NAMEDSHM_SYSTEM(MultiByteToWideChar)(CP_UTF8, MB_ERR_INVALID_CHARS, request.sddl.data(),
                                                            static_cast<int>(request.sddl.size()), wide.data(),
                                                            static_cast<int>(wide.size()));
    if (length == 0) {
      fail_with_last_error(status, "the security descriptor (SDDL) is not valid UTF-8");
      return false;
    }
    wide.resize(static_cast<std::size_t>(length));
    PSECURITY_DESCRIPTOR converted = nullptr;
    if (!NAMEDSHM_SYSTEM(ConvertStringSecurityDescriptorToSecurityDescriptorW)(wide.c_str(), SDDL_REVISION_1,
                                                                               &converted, nullptr)) {
      fail_with_last_error(status, "the security descriptor is not valid SDDL");
      return false;
    }
    descriptor_.reset(converted);
    attributes_.nLength = sizeof attributes_;
    attributes_.lpSecurityDescriptor = descriptor_.get();
    attributes_.bInheritHandle = FALSE;
    chosen_ = &attributes_;
    return true;
  }
  SECURITY_ATTRIBUTES* get() const noexcept { return chosen_; }

 private:
  LocalMemory descriptor_;
  SECURITY_ATTRIBUTES attributes_{};
  SECURITY_ATTRIBUTES* chosen_ = nullptr;
};

/// CreateFileMappingW for a pagefile-backed section. `existed` reports ERROR_ALREADY_EXISTS,
/// which must be read before any other call can overwrite the thread's last error.
inline Handle create_section(const Request& request, const WideName& name, bool& existed, Status& status) noexcept {
  const auto high = static_cast<DWORD>(request.size >> 32U);
  const auto low = static_cast<DWORD>(request.size & 0xFFFFFFFFU);
  Security security;
  if (!security.assign(request.security, status)) return {};
  Handle section(NAMEDSHM_SYSTEM(CreateFileMappingW)(INVALID_HANDLE_VALUE, security.get(), PAGE_READWRITE, high, low,
                                                     name.c_str()));
  const DWORD error = ::GetLastError();
  existed = section && error == ERROR_ALREADY_EXISTS;
  if (!section) status.set_system(static_cast<int>(error), hint_for(error, request.name, true));
  return section;
}

/**
 * Maps all of an existing section, whose handle `mapping` holds, and takes its size from the
 * view (VirtualQuery): Windows rounds a section's size up to whole pages, and a view of all of
 * it spans just those pages, so the view tells the same size as NtQuerySection would, without
 * asking the object manager (one wineserver request less under Wine), and without the
 * SECTION_QUERY access that a DACL may refuse.
 */
inline Mapping map_existing(Mapping mapping, const Request& request, Status& status) noexcept {
  if (!map_whole(mapping, 0, request.writable, status)) return {};
  MEMORY_BASIC_INFORMATION view{};
  if (NAMEDSHM_SYSTEM(VirtualQuery)(mapping.address(), &view, sizeof view) == 0) {
    fail_with_last_error(status, "cannot read the size of the view");
    return {};
  }
  if (view.RegionSize < request.size) {
    status.set(std::errc::invalid_argument);
    status.actual_size = view.RegionSize;
    return {};
  }
  mapping.view.reset({mapping.view.release().address, view.RegionSize});
  return mapping;
}

inline Mapping create(const Request& request, const WideName& name, Status& status) noexcept {
  bool existed = false;
  Mapping mapping;
  mapping.handle = create_section(request, name, existed, status);
  if (!mapping.handle) return {};
  if (existed) {  // never hand out someone else's object: that is how squatting works
    status.set_system(ERROR_ALREADY_EXISTS);
    return {};
  }
  if (!map_whole(mapping, request.size, true, status)) return {};
  mapping.created = true;
  return mapping;
}

inline Mapping open(const Request& request, const WideName& name, Status& status) noexcept {
  Mapping mapping;
  mapping.handle.reset(NAMEDSHM_SYSTEM(OpenFileMappingW)(view_access(request.writable), FALSE, name.c_str()));
  if (mapping.handle) return map_existing(std::move(mapping), request, status);
  const DWORD error = ::GetLastError();
  status.set_system(static_cast<int>(error), hint_for(error, request.name, false));
  return {};
}

inline Mapping open_or_create(const Request& request, const WideName& name, Status& status) noexcept {
  bool existed = false;
  Mapping mapping;
  mapping.handle = create_section(request, name, existed, status);
  if (!mapping.handle) return {};
  if (existed) return map_existing(std::move(mapping), request, status);
  if (!map_whole(mapping, request.size, true, status)) return {};
  mapping.created = true;
  return mapping;
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

/// Releases a mapping now, reporting what failed: unmapping, closing the handle. Windows
/// destroys the section, and its name, with the last handle: there is no name to remove.
inline void close(Mapping& mapping, Status& status) noexcept {
  note_close_error(mapping.view.close(), "cannot unmap the view", status);
  note_close_error(mapping.handle.close(), "cannot close the section handle", status);
  mapping.created = false;
}

/// Windows has no way to remove a name: the kernel does it when the last handle closes.
inline bool remove(const NameParts& /*name*/, Status& /*status*/) noexcept { return false; }

/// Nothing outlives its last handle on Windows, so nothing is ever stale.
inline bool remove_if_stale(const NameParts& /*name*/, Status& /*status*/) noexcept { return false; }

inline constexpr bool names_outlive_handles = false;

}  // namespace namedshm::detail::os

#endif  // NAMEDSHM_DETAIL_WIN32_HPP
