// namedshm benchmarks, Windows: one lifecycle cycle each, with namedshm and with the raw Win32
// calls written by hand (one handle, or two: create + open + close both). lifecycle_win32.cpp
// times them; win32_server_calls.cpp counts the wineserver requests they make, which noise
// cannot blur.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_BENCH_WIN32_CYCLES_HPP
#define NAMEDSHM_BENCH_WIN32_CYCLES_HPP

#ifndef WIN32_LEAN_AND_MEAN
#  define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#  define NOMINMAX
#endif
#include <windows.h>  // CreateFileMappingW, OpenFileMappingW, MapViewOfFile, VirtualQuery

#include <benchmark/benchmark.h>  // benchmark::DoNotOptimize

#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint64_t
#include <string>        // std::string, std::wstring
#include <system_error>  // std::error_code

#include <namedshm/namedshm.hpp>

namespace bench::win32 {

/// The call that failed in a cycle and why.
struct Failure {
  const char* call = "";
  std::error_code code;
};

inline bool failed(Failure& failure, const char* call, DWORD error) {
  failure = {call, std::error_code(static_cast<int>(error), std::system_category())};
  return false;
}

/// "Local\name" as UTF-16 for the raw calls, made once outside the timed loop (as a program
/// with a constant name would); namedshm gets the same name in UTF-8 and converts it each time.
inline std::wstring wide_local(const std::string& object) {
  std::wstring wide = L"Local\\";
  wide.append(object.begin(), object.end());  // the benchmark names are ASCII
  return wide;
}

inline DWORD high_part(std::size_t size) { return static_cast<DWORD>(static_cast<std::uint64_t>(size) >> 32U); }
inline DWORD low_part(std::size_t size) { return static_cast<DWORD>(static_cast<std::uint64_t>(size) & 0xFFFFFFFFU); }

/// NtQuerySection, resolved once: how namedshm learns the exact size of an opened section.
class SectionQuery {
 public:
  SectionQuery() {
    const auto address =
        reinterpret_cast<void (*)()>(::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"), "NtQuerySection"));
    query_ = reinterpret_cast<Function>(address);
  }
  /// The section's size, or 0 on failure.
  std::uint64_t size(HANDLE section) const noexcept {
    BasicInformation info{};
    if (query_ == nullptr || query_(section, 0, &info, sizeof info, nullptr) < 0) return 0;
    return static_cast<std::uint64_t>(info.maximum_size.QuadPart);
  }

 private:
  struct BasicInformation {
    void* base_address;
    ULONG allocation_attributes;
    LARGE_INTEGER maximum_size;
  };
  using Function = LONG(WINAPI*)(HANDLE, int, void*, ULONG, ULONG*);
  Function query_ = nullptr;
};

/// A section that exists while this object does: the creating handle keeps it alive.
class ExistingSection {
 public:
  ExistingSection(const std::string& object, std::size_t size) : name_("Local\\" + object), wide_(wide_local(object)) {
    handle_ = ::CreateFileMappingW(INVALID_HANDLE_VALUE, nullptr, PAGE_READWRITE, high_part(size), low_part(size),
                                   wide_.c_str());
    if (handle_ == nullptr) error_ = ::GetLastError();
  }
  ExistingSection(const ExistingSection&) = delete;
  ExistingSection& operator=(const ExistingSection&) = delete;
  ~ExistingSection() {
    if (handle_ != nullptr) ::CloseHandle(handle_);
  }
  bool ready() const noexcept { return handle_ != nullptr; }
  DWORD error() const noexcept { return error_; }
  /// "Local\object" in UTF-8, for namedshm.
  const std::string& name() const noexcept { return name_; }
  /// "Local\object" in UTF-16, for the raw calls.
  const wchar_t* wide() const noexcept { return wide_.c_str(); }

 private:
  std::string name_;
  std::wstring wide_;
  HANDLE handle_ = nullptr;
  DWORD error_ = 0;
};

/// How a raw open learns the size of the section.
enum class SizeFrom {
  known,          ///< the program knows it: MapViewOfFile(size), no query
  virtual_query,  ///< MapViewOfFile(0) for the whole section, then VirtualQuery on the view
  nt_query,       ///< NtQuerySection on a handle with SECTION_QUERY, as namedshm does
};

/// Maps the whole section by way of `from`, checks it holds `expected` bytes, and unmaps it.
inline bool map_whole_and_unmap(HANDLE section, SizeFrom from, const SectionQuery& query, std::size_t expected,
                                Failure& failure) {
  std::size_t size = expected;
  if (from == SizeFrom::nt_query) {
    size = static_cast<std::size_t>(query.size(section));
    if (size == 0) return failed(failure, "NtQuerySection", ERROR_INVALID_FUNCTION);
  }
  void* view = ::MapViewOfFile(section, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, from == SizeFrom::known ? size : 0);
  if (view == nullptr) return failed(failure, "MapViewOfFile", ::GetLastError());
  if (from == SizeFrom::virtual_query) {
    MEMORY_BASIC_INFORMATION info{};
    size = ::VirtualQuery(view, &info, sizeof info) == 0 ? 0 : info.RegionSize;
  }
  benchmark::DoNotOptimize(view);
  ::UnmapViewOfFile(view);
  if (size < expected) return failed(failure, "size check", ERROR_INVALID_PARAMETER);
  return true;
}

/// CreateFileMappingW + the ERROR_ALREADY_EXISTS check + MapViewOfFile(size), then `between()`
/// (false: it failed), then UnmapViewOfFile + CloseHandle.
template <class Between>
bool create_raw_around(const wchar_t* name, std::size_t size, Failure& failure, Between between) {
  HANDLE section =
      ::CreateFileMappingW(INVALID_HANDLE_VALUE, nullptr, PAGE_READWRITE, high_part(size), low_part(size), name);
  if (section == nullptr) return failed(failure, "CreateFileMappingW", ::GetLastError());
  if (::GetLastError() == ERROR_ALREADY_EXISTS) {  // someone else's object: never use it
    ::CloseHandle(section);
    return failed(failure, "CreateFileMappingW", ERROR_ALREADY_EXISTS);
  }
  void* view = ::MapViewOfFile(section, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, size);
  if (view == nullptr) {
    const DWORD error = ::GetLastError();
    ::CloseHandle(section);
    return failed(failure, "MapViewOfFile", error);
  }
  const bool done = between();
  benchmark::DoNotOptimize(view);
  ::UnmapViewOfFile(view);
  ::CloseHandle(section);
  return done;
}

/// CreateFileMappingW + the ERROR_ALREADY_EXISTS check + MapViewOfFile(size) + UnmapViewOfFile
/// + CloseHandle.
inline bool create_raw(const wchar_t* name, std::size_t size, Failure& failure) {
  return create_raw_around(name, size, failure, [] { return true; });
}

inline bool create_namedshm(const std::string& name, std::size_t size, Failure& failure) {
  const auto region = namedshm::SharedRegion::create(name, size, failure.code);
  if (failure.code) {
    failure.call = "namedshm create";
    return false;
  }
  benchmark::DoNotOptimize(region.data());
  return true;
}

/// OpenFileMappingW (with SECTION_QUERY for nt_query) + a mapping of the whole section.
inline bool open_raw(const wchar_t* name, SizeFrom from, const SectionQuery& query, std::size_t size,
                     Failure& failure) {
  const DWORD access = FILE_MAP_READ | FILE_MAP_WRITE | (from == SizeFrom::nt_query ? SECTION_QUERY : 0U);
  HANDLE section = ::OpenFileMappingW(access, FALSE, name);
  if (section == nullptr) return failed(failure, "OpenFileMappingW", ::GetLastError());
  const bool mapped = map_whole_and_unmap(section, from, query, size, failure);
  ::CloseHandle(section);
  return mapped;
}

inline bool open_namedshm(const std::string& name, Failure& failure) {
  const auto region = namedshm::SharedRegion::open(name, failure.code);
  if (failure.code) {
    failure.call = "namedshm open";
    return false;
  }
  benchmark::DoNotOptimize(region.data());
  return true;
}

/// CreateFileMappingW on a name that exists (ERROR_ALREADY_EXISTS) + a mapping of the whole
/// section, with its size checked.
inline bool open_or_create_raw(const wchar_t* name, SizeFrom from, const SectionQuery& query, std::size_t size,
                               Failure& failure) {
  HANDLE section =
      ::CreateFileMappingW(INVALID_HANDLE_VALUE, nullptr, PAGE_READWRITE, high_part(size), low_part(size), name);
  if (section == nullptr) return failed(failure, "CreateFileMappingW", ::GetLastError());
  if (::GetLastError() != ERROR_ALREADY_EXISTS) {  // these cycles always find it in place
    ::CloseHandle(section);
    return failed(failure, "CreateFileMappingW created", ERROR_INVALID_PARAMETER);
  }
  const bool mapped = map_whole_and_unmap(section, from, query, size, failure);
  ::CloseHandle(section);
  return mapped;
}

inline bool open_or_create_namedshm(const std::string& name, std::size_t size, Failure& failure) {
  const auto region = namedshm::SharedRegion::open_or_create(name, size, failure.code);
  if (failure.code || region.created()) {
    failure.call = "namedshm open_or_create";
    if (!failure.code) failure.code = std::make_error_code(std::errc::file_exists);
    return false;
  }
  benchmark::DoNotOptimize(region.data());
  return true;
}

/// Create + open + close the opener + close the creator (whose handle is the last: the kernel
/// deletes the section), with the raw calls: open_raw's (VirtualQuery) inside create_raw's.
inline bool create_open_raw(const wchar_t* name, std::size_t size, const SectionQuery& query, Failure& failure) {
  return create_raw_around(name, size, failure,
                           [&] { return open_raw(name, SizeFrom::virtual_query, query, size, failure); });
}

inline bool create_open_namedshm(const std::string& name, std::size_t size, Failure& failure) {
  const auto creator = namedshm::SharedRegion::create(name, size, failure.code);
  if (failure.code) {
    failure.call = "namedshm create";
    return false;
  }
  if (!open_namedshm(name, failure)) return false;
  benchmark::DoNotOptimize(creator.data());
  return true;
}

}  // namespace bench::win32

#endif  // NAMEDSHM_BENCH_WIN32_CYCLES_HPP
