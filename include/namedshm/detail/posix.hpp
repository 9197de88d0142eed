// namedshm: the POSIX backend (shm_open, ftruncate, fstat, mmap, flock, shm_unlink).
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_POSIX_HPP
#define NAMEDSHM_DETAIL_POSIX_HPP

#include <fcntl.h>         // O_* flags, posix_fallocate
#include <sys/file.h>      // flock
#include <sys/mman.h>      // shm_open, shm_unlink, mmap, munmap
#include <sys/resource.h>  // getrlimit(RLIMIT_FSIZE)
#include <sys/stat.h>      // fstat, fchmod
#include <sys/statvfs.h>   // fstatvfs, the free space behind /dev/shm
#include <unistd.h>        // ftruncate, close

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
/// deletes an object that someone else created under the same name after a remove(). Returns
/// true if it removed the name.
inline bool unlink_if_same(const ShmName& name, int fd) noexcept {
  struct stat ours {};
  if (::fstat(fd, &ours) != 0) return false;
  const int other = retry_on_eintr([&] { return ::shm_open(name.c_str(), O_RDONLY, 0); });
  if (other == -1) {
    // Gone already, or not ours to read: then only the creator (the likely owner) may unlink.
    return errno != ENOENT && ::shm_unlink(name.c_str()) == 0;
  }
  struct stat theirs {};
  const bool same = ::fstat(other, &theirs) == 0 && theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
  close_descriptor(other);
  return same && ::shm_unlink(name.c_str()) == 0;
}

/// Test seams: a test sets one to freeze a process at a point no real timing can hit reliably.
/// Null (no effect) in every other program.
struct TestSeams {
  /// Called by create() after the object exists and is locked, before it has its size.
  static inline void (*before_sizing)() noexcept = nullptr;
};

/// What taking the shared lock found.
enum class Locked : unsigned char { yes, failed, removed };

/// Takes the shared lock that marks the object as used by a live namedshm process. It can
/// wait for remove_if_stale(), which holds the exclusive lock only while it unlinks; if that
/// removed the object meanwhile (no links left), the caller starts again.
inline Locked lock_shared(int fd, Status& status) noexcept {
  struct stat info {};
  if (retry_on_eintr([&] { return ::flock(fd, LOCK_SH); }) != 0 || ::fstat(fd, &info) != 0) {
    fail_with_errno(status, "cannot take the shared lock that marks the object as in use");
    return Locked::failed;
  }
  return info.st_nlink == 0 ? Locked::removed : Locked::yes;
}

inline void* map_view(int fd, std::size_t size, bool writable, Status& status) noexcept {
  const int protection = writable ? PROT_READ | PROT_WRITE : PROT_READ;
  void* address = ::mmap(nullptr, size, protection, MAP_SHARED, fd, 0);
  if (address != MAP_FAILED) return address;
  fail_with_errno(status, "cannot map a view of the object");
  return nullptr;
}

inline bool size_fits(std::uint64_t size) noexcept {
  return size <= static_cast<std::uint64_t>((std::numeric_limits<std::ptrdiff_t>::max)());
}

/// Refuses a size whose pages could not all be written later: beyond RLIMIT_FSIZE, ftruncate
/// would raise SIGXFSZ (which kills by default); beyond the free space of the file system
/// behind shm_open (/dev/shm), the first write to an unbacked page would raise SIGBUS.
inline bool check_room(int fd, std::uint64_t size, BackingRequest backing, Status& status) noexcept {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && size > limit.rlim_cur) {
    status.set_system(EFBIG, "the size is above this process's file size limit (RLIMIT_FSIZE)");
    return false;
  }
  if (backing != BackingRequest::checked) return true;
  struct statvfs space {};
  if (::fstatvfs(fd, &space) != 0) return true;  // nothing to go by: do not refuse
  const auto available = static_cast<std::uint64_t>(space.f_bavail) * space.f_frsize;
  if (space.f_blocks != 0 && size > available) {  // f_blocks 0: a file system without a limit
    status.set_system(ENOSPC,
                      "the shared-memory file system (/dev/shm) has less free space than the size; writing "
                      "would raise SIGBUS later (CreateOptions::backing = Backing::sparse skips this check)");
    return false;
  }
  return true;
}

/// Gives the new object its size, and with `reserved` its pages.
inline bool set_size(int fd, const Request& request, Status& status) noexcept {
  if (!check_room(fd, request.size, request.backing, status)) return false;
  const auto length = static_cast<off_t>(request.size);
  if (request.backing == BackingRequest::reserved) {
    const int error = ::posix_fallocate(fd, 0, length);  // also sets the size
    if (error == 0) return true;
    status.set_system(error, "cannot reserve the pages of the new object");
    return false;
  }
  if (retry_on_eintr([&] { return ::ftruncate(fd, length); }) == 0) return true;
  fail_with_errno(status, "cannot set the size of the new object");
  return false;
}

/// Creates the object exclusively. On EEXIST it fails with the OS code and touches nothing.
inline Mapping create_once(const Request& request, const ShmName& name, bool& removed, Status& status) noexcept {
  const auto mode = static_cast<mode_t>(request.permissions);
  const int fd = retry_on_eintr([&] { return ::shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, mode); });
  if (fd == -1) {
    fail_with_errno(status);
    return {};
  }
  const auto abandon = [&] {
    unlink_if_same(name, fd);
    close_descriptor(fd);
    return Mapping{};
  };
  const Locked locked = lock_shared(fd, status);
  removed = locked == Locked::removed;
  if (locked != Locked::yes) return abandon();
  if (TestSeams::before_sizing != nullptr) TestSeams::before_sizing();
  if (::fchmod(fd, mode) != 0) {  // the umask narrowed the mode given to shm_open
    fail_with_errno(status, "cannot set the permissions of the new object");
    return abandon();
  }
  // Openers never map a size-0 object (see wait_for_size), so sizing last publishes it.
  if (!set_size(fd, request, status)) return abandon();
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
inline Mapping open_once(const Request& request, const ShmName& name, bool& removed, Status& status) noexcept {
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
  const Locked locked = lock_shared(fd, status);
  removed = locked == Locked::removed;
  if (locked != Locked::yes) return abandon();
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

/// Creates, opens, or opens-or-creates. Loops because the name can change under us: removed
/// between a failed create and the open, or by remove_if_stale() while we took the lock. A
/// handful of rounds ends any realistic race.
inline Mapping acquire(const Request& request, Status& status) noexcept {
  const ShmName name(request.name.object);
  constexpr int rounds = 100;
  for (int round = 0; round < rounds; ++round) {
    status = Status{};
    bool removed = false;
    Mapping mapping;
    if (request.disposition != Disposition::open) {
      mapping = create_once(request, name, removed, status);
      const bool try_open = request.disposition == Disposition::open_or_create && status.code == std::errc::file_exists;
      if (!try_open && !removed) return mapping;
    }
    if (request.disposition != Disposition::create && !removed) {
      status = Status{};
      mapping = open_once(request, name, removed, status);
      const bool vanished =
          request.disposition == Disposition::open_or_create && status.code == std::errc::no_such_file_or_directory;
      if (!vanished && !removed) return mapping;
    }
  }
  status.set(std::errc::resource_unavailable_try_again, "the name kept appearing and disappearing");
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

/// Removes the name if no live namedshm process holds its object: every region holds a
/// shared flock, so an exclusive one means none does. Returns true if it removed the name.
inline bool remove_if_stale(const NameParts& parts, Status& status) noexcept {
  const ShmName name(parts.object);
  const int fd = retry_on_eintr([&] { return ::shm_open(name.c_str(), O_RDONLY, 0); });
  if (fd == -1) {
    if (errno != ENOENT) fail_with_errno(status);
    return false;
  }
  bool removed = false;
  if (retry_on_eintr([&] { return ::flock(fd, LOCK_EX | LOCK_NB); }) == 0) {
    removed = unlink_if_same(name, fd);
  } else if (errno != EWOULDBLOCK) {
    fail_with_errno(status, "cannot test the lock that marks the object as in use");
  }
  close_descriptor(fd);  // also releases the exclusive lock; waiting openers then see the unlink
  return removed;
}

/// True where the OS keeps a name until someone removes it (POSIX), so a creator cleans up.
inline constexpr bool names_outlive_handles = true;

}  // namespace namedshm::detail::os

#endif  // NAMEDSHM_DETAIL_POSIX_HPP
