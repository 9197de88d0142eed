// namedshm: the POSIX backend (shm_open, ftruncate, fstat, mmap, flock, shm_unlink).
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_POSIX_HPP
#define NAMEDSHM_DETAIL_POSIX_HPP

#include <fcntl.h>     // O_* flags
#include <sys/file.h>  // flock
#include <sys/mman.h>  // shm_open, shm_unlink, mmap, munmap
#include <sys/stat.h>  // fstat, fchmod
#include <unistd.h>    // ftruncate, close

#include <cerrno>       // errno, EINTR
#include <chrono>       // how long an opener waits for a creator to set the size
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint64_t
#include <cstring>      // std::memcpy
#include <limits>       // std::numeric_limits
#include <string_view>  // std::string_view
#include <thread>       // std::this_thread::sleep_for

#include "error.hpp"    // Status
#include "request.hpp"  // Request, Disposition

namespace namedshm::detail::os {

using native_handle_type = int;
inline constexpr native_handle_type invalid_handle = -1;

/// A live mapping: the descriptor (holding a shared flock) and the view of the whole object.
struct Mapping {
  native_handle_type handle = invalid_handle;
  void* address = nullptr;
  std::size_t size = 0;
  bool created = false;
};

/// How long an opener waits for a creator that has made the object but not yet sized it.
inline constexpr std::chrono::milliseconds size_wait{1000};

/// "/object", NUL-terminated, on the stack: shm_open's form of a checked name.
class ShmName {
 public:
  explicit ShmName(std::string_view object) noexcept {
    text_[0] = '/';
    std::memcpy(text_ + 1, object.data(), object.size());
    text_[object.size() + 1] = '\0';
  }
  const char* c_str() const noexcept { return text_; }

 private:
  char text_[max_object_name_bytes + 2];
};

template <class Call>
auto retry_on_eintr(Call call) noexcept {
  auto result = call();
  while (result == -1 && errno == EINTR) result = call();
  return result;
}

inline void fail_with_errno(Status& status, const char* why = nullptr) noexcept { status.set_system(errno, why); }

inline void close_descriptor(int fd) noexcept {
  // Never retried on EINTR: Linux has released the descriptor by then, and a retry could close
  // a descriptor another thread has just been given.
  ::close(fd);
}

/// Removes `name` only if it still names the object open as `fd`, so that a region never
/// deletes an object that someone else created under the same name after a remove().
inline void unlink_if_same(const ShmName& name, int fd) noexcept {
  struct stat ours {};
  if (::fstat(fd, &ours) != 0) return;
  const int other = retry_on_eintr([&] { return ::shm_open(name.c_str(), O_RDONLY, 0); });
  if (other == -1) {
    if (errno != ENOENT) ::shm_unlink(name.c_str());  // cannot compare: ours is the likely owner
    return;
  }
  struct stat theirs {};
  const bool same = ::fstat(other, &theirs) == 0 && theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
  close_descriptor(other);
  if (same) ::shm_unlink(name.c_str());
}

inline bool lock_shared(int fd, Status& status) noexcept {
  if (retry_on_eintr([&] { return ::flock(fd, LOCK_SH); }) == 0) return true;
  fail_with_errno(status, "cannot take the shared lock that marks the object as in use");
  return false;
}

inline void* map_view(int fd, std::size_t size, bool writable, Status& status) noexcept {
  const int protection = writable ? PROT_READ | PROT_WRITE : PROT_READ;
  void* address = ::mmap(nullptr, size, protection, MAP_SHARED, fd, 0);
  if (address != MAP_FAILED) return address;
  fail_with_errno(status, "cannot map a view of the object");
  return nullptr;
}

inline bool size_fits(std::uint64_t size) noexcept {
  return size <= static_cast<std::uint64_t>(std::numeric_limits<std::ptrdiff_t>::max());
}

/// Creates the object exclusively. On EEXIST it fails with the OS code and touches nothing.
inline Mapping create(const Request& request, Status& status) noexcept {
  const ShmName name(request.name.object);
  const auto mode = static_cast<mode_t>(request.permissions);
  const int fd = retry_on_eintr([&] { return ::shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, mode); });
  if (fd == -1) {
    fail_with_errno(status);
    return {};
  }
  const auto abandon = [&] {
    ::shm_unlink(name.c_str());
    close_descriptor(fd);
    return Mapping{};
  };
  // Openers never map a size-0 object (see wait_for_size), so sizing last publishes it.
  if (!lock_shared(fd, status)) return abandon();
  if (::fchmod(fd, mode) != 0) {  // the umask narrowed the mode given to shm_open
    fail_with_errno(status, "cannot set the permissions of the new object");
    return abandon();
  }
  const auto length = static_cast<off_t>(request.size);
  if (retry_on_eintr([&] { return ::ftruncate(fd, length); }) != 0) {
    fail_with_errno(status, "cannot set the size of the new object");
    return abandon();
  }
  const auto size = static_cast<std::size_t>(request.size);
  void* address = map_view(fd, size, true, status);
  if (address == nullptr) return abandon();
  return Mapping{fd, address, size, true};
}

/// Returns the object's size once its creator has set it, or 0 after `size_wait` (or an error).
inline std::uint64_t wait_for_size(int fd, Status& status) noexcept {
  const auto deadline = std::chrono::steady_clock::now() + size_wait;
  for (;;) {
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
      fail_with_errno(status, "cannot read the size of the object");
      return 0;
    }
    if (info.st_size > 0) return static_cast<std::uint64_t>(info.st_size);
    if (std::chrono::steady_clock::now() >= deadline) {
      status.set(std::errc::resource_unavailable_try_again,
                 "the object has no size: its creator has not finished creating it, or died doing so");
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

/// Opens an existing object; fails with ENOENT if there is none.
inline Mapping open(const Request& request, Status& status) noexcept {
  const ShmName name(request.name.object);
  const int flags = request.writable ? O_RDWR : O_RDONLY;
  const int fd = retry_on_eintr([&] { return ::shm_open(name.c_str(), flags, 0); });
  if (fd == -1) {
    fail_with_errno(status);
    return {};
  }
  const auto abandon = [&] {
    close_descriptor(fd);
    return Mapping{};
  };
  if (!lock_shared(fd, status)) return abandon();
  const std::uint64_t size = wait_for_size(fd, status);
  if (status) return abandon();
  if (!size_fits(size)) {
    status.set(std::errc::file_too_large, "the object is larger than this process can map");
    return abandon();
  }
  if (size < request.size) {
    status.set(std::errc::invalid_argument);
    status.actual_size = size;
    return abandon();
  }
  void* address = map_view(fd, static_cast<std::size_t>(size), request.writable, status);
  if (address == nullptr) return abandon();
  return Mapping{fd, address, static_cast<std::size_t>(size), false};
}

/// Opens the object or, if there is none, creates it. Loops because the object can be removed
/// between a failed create and the open; a handful of rounds ends any realistic race.
inline Mapping open_or_create(const Request& request, Status& status) noexcept {
  constexpr int rounds = 100;
  for (int round = 0; round < rounds; ++round) {
    status = Status{};
    Mapping mapping = create(request, status);
    if (status.code != std::errc::file_exists) return mapping;
    status = Status{};
    mapping = open(request, status);
    if (status.code != std::errc::no_such_file_or_directory) return mapping;
  }
  status.set(std::errc::resource_unavailable_try_again, "the name kept appearing and disappearing");
  return {};
}

inline Mapping acquire(const Request& request, Status& status) noexcept {
  switch (request.disposition) {
    case Disposition::create:
      return create(request, status);
    case Disposition::open:
      return open(request, status);
    case Disposition::open_or_create:
      return open_or_create(request, status);
  }
  return {};
}

/// Unmaps and closes; with `unlink_name`, also removes the name if it is still this object's.
inline void release(Mapping& mapping, const NameParts* unlink_name) noexcept {
  if (mapping.address != nullptr) ::munmap(mapping.address, mapping.size);
  if (mapping.handle != invalid_handle) {
    if (unlink_name != nullptr) unlink_if_same(ShmName(unlink_name->object), mapping.handle);
    close_descriptor(mapping.handle);  // also drops the shared flock
  }
  mapping = Mapping{};
}

/// Removes the name. Returns false (and no error) if there was none.
inline bool remove(const NameParts& name, Status& status) noexcept {
  if (::shm_unlink(ShmName(name.object).c_str()) == 0) return true;
  if (errno != ENOENT) fail_with_errno(status);
  return false;
}

/// True where the OS keeps a name until someone removes it (POSIX), so a creator cleans up.
inline constexpr bool names_outlive_handles = true;

}  // namespace namedshm::detail::os

#endif  // NAMEDSHM_DETAIL_POSIX_HPP
