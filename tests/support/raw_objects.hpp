// Test support: named objects looked at and made with the OS's own calls, without namedshm. A
// look through namedshm would open a handle, which is a user of the name itself (and on POSIX
// clears a name whose users all died); another program's segment is what namedshm must never
// remove.
#ifndef NAMEDSHM_TESTS_RAW_OBJECTS_HPP
#define NAMEDSHM_TESTS_RAW_OBJECTS_HPP

#include <cerrno>   // errno, ENOENT
#include <cstddef>  // std::size_t
#include <string>   // std::string
#include <utility>  // std::exchange

#if defined(_WIN32)
#  include "support/win32.hpp"  // windows.h, widen
#else
#  include <fcntl.h>     // O_* flags
#  include <sys/mman.h>  // shm_open, shm_unlink
#  include <unistd.h>    // ftruncate, close
#endif

namespace namedshm_test {

/// `name` as the OS knows it: POSIX drops the `Local\` or `Global\` prefix and adds `/`;
/// Windows takes the name as it is.
inline std::string os_name(const std::string& name) {
#if defined(_WIN32)
  return name;
#else
  for (const std::string prefix : {"Local\\", "Global\\"}) {
    if (name.compare(0, prefix.size(), prefix) == 0) return "/" + name.substr(prefix.size());
  }
  return "/" + name;
#endif
}

/// True if the OS has an object of any kind under `name`, looked at without opening a namedshm
/// handle. Windows: OpenFileMappingW says ERROR_FILE_NOT_FOUND only if no object of any kind
/// (section, event, mutex) has the name; POSIX: every namedshm object is a shm_open name.
inline bool raw_name_exists(const std::string& name) {
#if defined(_WIN32)
  const HANDLE section = OpenFileMappingW(FILE_MAP_READ, FALSE, widen(os_name(name)).c_str());
  if (section != nullptr) {
    CloseHandle(section);
    return true;
  }
  return GetLastError() != ERROR_FILE_NOT_FOUND;
#else
  const int fd = shm_open(os_name(name).c_str(), O_RDONLY, 0);
  if (fd >= 0) {
    close(fd);
    return true;
  }
  return errno != ENOENT;
#endif
}

/// True if any of the names that namedshm's objects called `name` use exists: a region's or
/// an event's own, a mutex's kernel object (Windows: `.lock`), a channel's events.
inline bool any_name_exists(const std::string& name) {
  for (const char* suffix : {"", ".lock", ".ready", ".room"}) {
    if (raw_name_exists(name + suffix)) return true;
  }
  return false;
}

/// A segment as another program makes it with the raw API (the Win32 sample, Python, Boost,
/// plain shm_open): no namedshm lock, no namedshm mark. Held while this object lives; POSIX:
/// its name is removed then, as such a program's clean-up would.
class ForeignSegment {
 public:
  ForeignSegment(const std::string& name, std::size_t size) : name_(os_name(name)) {
#if defined(_WIN32)
    handle_ = CreateFileMappingW(INVALID_HANDLE_VALUE, nullptr, PAGE_READWRITE, 0, static_cast<DWORD>(size),
                                 widen(name_).c_str());
#else
    fd_ = shm_open(name_.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd_ >= 0 && ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      close(std::exchange(fd_, -1));
      shm_unlink(name_.c_str());
    }
#endif
  }
  ForeignSegment(const ForeignSegment&) = delete;
  ForeignSegment& operator=(const ForeignSegment&) = delete;
  ~ForeignSegment() {
#if defined(_WIN32)
    if (handle_ != nullptr) CloseHandle(handle_);
#else
    if (fd_ >= 0) {
      close(fd_);
      shm_unlink(name_.c_str());
    }
#endif
  }

  /// True if the segment was made.
  [[nodiscard]] bool valid() const {
#if defined(_WIN32)
    return handle_ != nullptr;
#else
    return fd_ >= 0;
#endif
  }

 private:
  std::string name_;
#if defined(_WIN32)
  HANDLE handle_ = nullptr;
#else
  int fd_ = -1;
#endif
};

}  // namespace namedshm_test

#endif  // NAMEDSHM_TESTS_RAW_OBJECTS_HPP
