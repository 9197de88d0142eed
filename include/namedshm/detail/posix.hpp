// namedshm: the POSIX backend (shm_open, ftruncate, fstat, mmap, flock, shm_unlink).
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_POSIX_HPP
#define NAMEDSHM_DETAIL_POSIX_HPP

#include <fcntl.h>         // O_* flags, posix_fallocate, fcntl
#include <linux/futex.h>   // FUTEX_WAIT, FUTEX_WAKE
#include <sys/file.h>      // flock
#include <sys/mman.h>      // shm_open, shm_unlink, mmap, munmap
#include <sys/resource.h>  // getrlimit(RLIMIT_FSIZE)
#include <sys/stat.h>      // fstat, fchmod
#include <sys/statvfs.h>   // fstatvfs, the free space behind /dev/shm
#include <sys/syscall.h>   // SYS_futex
#include <time.h>          // timespec
#include <unistd.h>        // ftruncate, close, syscall

#include <cerrno>       // errno, EINTR
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint64_t, std::uint32_t
#include <cstring>      // std::memcpy
#include <limits>       // std::numeric_limits
#include <string_view>  // std::string_view
#include <utility>      // std::exchange

#include "creator_wait.hpp"  // wait_for_creator
#include "error.hpp"         // Status
#include "request.hpp"       // Request, Disposition
#include "system.hpp"        // NAMEDSHM_SYSTEM, the seam for every system call
#include "unique.hpp"        // Unique

/// The system calls of the POSIX backends, as NAMEDSHM_SYSTEM reaches them in users' builds.
namespace namedshm::detail::os::native {
using ::close;
using ::fchmod;
using ::flock;
using ::fstat;
using ::fstatvfs;
using ::ftruncate;
using ::getrlimit;
using ::mmap;
using ::munmap;
using ::posix_fallocate;
using ::shm_open;
using ::shm_unlink;
using ::stat;

/// fcntl with the one argument type namedshm passes (fcntl is variadic).
inline int fcntl_lock(int fd, int command, struct flock* lock) noexcept { return ::fcntl(fd, command, lock); }

/// The futex system call, as namedshm uses it: an address, an operation, a value and a
/// relative timeout (null for none). Not FUTEX_PRIVATE_FLAG: the other side is another process.
inline long futex(std::uint32_t* word, int operation, std::uint32_t value, const timespec* timeout) noexcept {
  return ::syscall(SYS_futex, word, operation, value, timeout, nullptr, 0);
}
}  // namespace namedshm::detail::os::native

namespace namedshm::detail::os {

using native_handle_type = int;
inline constexpr native_handle_type invalid_handle = -1;

/// Owner policy of a file descriptor: -1 is none. close() is never retried on EINTR: Linux has
/// released the descriptor by then, and a retry could close one another thread was just given.
struct DescriptorTraits {
  using value_type = int;
  static constexpr int none() noexcept { return -1; }
  static bool owns(int fd) noexcept { return fd >= 0; }
  static int close(int fd) noexcept { return NAMEDSHM_SYSTEM(close)(fd) == 0 ? 0 : errno; }
};
using Descriptor = Unique<DescriptorTraits>;

inline int unmap(ViewExtent view) noexcept { return NAMEDSHM_SYSTEM(munmap)(view.address, view.size) == 0 ? 0 : errno; }
using View = Unique<ViewTraits<unmap>>;

/// "/object", NUL-terminated, on the stack: shm_open's form of a checked name.
class ShmName {
 public:
  ShmName() noexcept = default;
  explicit ShmName(std::string_view object) noexcept {
    text_[0] = '/';
    std::memcpy(text_ + 1, object.data(), object.size());
    text_[object.size() + 1] = '\0';
  }
  const char* c_str() const noexcept { return text_; }

 private:
  char text_[max_object_name_bytes + 2] = {};
};

template <class Call>
auto retry_on_eintr(Call call) noexcept {
  auto result = call();
  while (result == -1 && errno == EINTR) result = call();
  return result;
}

inline void fail_with_errno(Status& status, const char* why = nullptr) noexcept { status.set_system(errno, why); }

/// Which object a descriptor refers to, as fstat tells it.
struct Identity {
  dev_t device = 0;
  ino_t inode = 0;
  bool known = false;
};

inline Identity identity_of(const struct stat& info) noexcept { return {info.st_dev, info.st_ino, true}; }

/**
 * The duty to remove a name that this process created: on POSIX a name outlives every
 * descriptor. Removes the name only while it still refers to the object it was given for, so
 * that a region never deletes an object that someone else created under the same name after a
 * remove(). Move-only; the duty goes with the move.
 */
class NameLease {
 public:
  NameLease() noexcept = default;
  /// The duty for `name`, just created as the object behind `fd`; `fd` is asked for the
  /// object's identity only if set_identity() was not called before the removal.
  NameLease(std::string_view object, int fd) noexcept : name_(object), fd_(fd), armed_(true) {}
  NameLease(const NameLease&) = delete;
  NameLease& operator=(const NameLease&) = delete;
  NameLease(NameLease&& other) noexcept
      : name_(other.name_),
        identity_(other.identity_),
        fd_(std::exchange(other.fd_, -1)),
        armed_(std::exchange(other.armed_, false)) {}
  NameLease& operator=(NameLease&& other) noexcept {
    if (this != &other) {
      Status ignored;
      remove(ignored);
      name_ = other.name_;
      identity_ = other.identity_;
      fd_ = std::exchange(other.fd_, -1);
      armed_ = std::exchange(other.armed_, false);
    }
    return *this;
  }
  ~NameLease() {
    Status ignored;
    remove(ignored);
  }

  /// The object's identity, once known: the removal then needs no descriptor.
  void set_identity(const Identity& identity) noexcept {
    identity_ = identity;
    fd_ = -1;
  }
  /// Gives the duty up: the name stays (CreateOptions::keep_name).
  void disarm() noexcept { armed_ = false; }
  [[nodiscard]] bool armed() const noexcept { return armed_; }

  /**
   * Removes the name if it still refers to our object; true if it did. A name that is gone
   * already, or that now refers to another object, is no error. `status` says why a name that
   * may be ours was left. Disarmed afterwards either way.
   */
  bool remove(Status& status) noexcept {
    if (!std::exchange(armed_, false)) return false;
    if (!identity_.known) {
      struct stat info {};
      if (fd_ < 0 || NAMEDSHM_SYSTEM(fstat)(fd_, &info) != 0) {
        fail_with_errno(status, "cannot tell whether the name still belongs to this region: the name is left");
        return false;
      }
      identity_ = identity_of(info);
    }
    if (still_ours_in_shm_folder()) return unlink(status);
    const Descriptor other(retry_on_eintr([&] { return NAMEDSHM_SYSTEM(shm_open)(name_.c_str(), O_RDONLY, 0); }));
    if (!other) {
      if (errno == ENOENT) return false;  // someone removed it already
      // Not ours to read any more (a mode without read permission): as the creator, the
      // likely owner, remove it anyway.
      return unlink(status);
    }
    struct stat theirs {};
    if (NAMEDSHM_SYSTEM(fstat)(other.get(), &theirs) != 0) {
      fail_with_errno(status, "cannot tell whether the name still belongs to this region: the name is left");
      return false;
    }
    if (theirs.st_dev != identity_.device || theirs.st_ino != identity_.inode) return false;  // someone else's now
    return unlink(status);
  }

 private:
  /// One stat of /dev/shm/NAME, where glibc's shm_open keeps its objects: true if that is our
  /// object. Anything else (another folder, a name gone or replaced) leaves the answer to the
  /// portable probe, which takes three calls (shm_open, fstat, close).
  bool still_ours_in_shm_folder() const noexcept {
    constexpr char folder[] = "/dev/shm";
    char path[sizeof folder + max_object_name_bytes + 2];
    std::memcpy(path, folder, sizeof folder - 1);
    std::memcpy(path + sizeof folder - 1, name_.c_str(), std::strlen(name_.c_str()) + 1);
    struct stat found {};
    return NAMEDSHM_SYSTEM(stat)(path, &found) == 0 && found.st_dev == identity_.device &&
           found.st_ino == identity_.inode;
  }

  bool unlink(Status& status) noexcept {
    if (NAMEDSHM_SYSTEM(shm_unlink)(name_.c_str()) == 0) return true;
    if (errno == ENOENT) return false;
    fail_with_errno(status, "cannot remove the name: it is left");
    return false;
  }

  ShmName name_;
  Identity identity_;
  int fd_ = -1;  ///< not owned: only for the identity while it is not known yet
  bool armed_ = false;
};

/// A live mapping: the descriptor (holding a shared flock), the view of the whole object and,
/// for a creator that removes its name, that duty. Its members release themselves.
struct Mapping {
  Descriptor handle;
  View view;
  NameLease lease;
  bool created = false;

  [[nodiscard]] void* address() const noexcept { return view.get().address; }
  [[nodiscard]] std::size_t size() const noexcept { return view.get().size; }
};

/// What taking the shared lock found.
enum class Locked : unsigned char { yes, failed, removed };

/// Takes the shared lock that marks the object as used by a live namedshm process, and tells
/// what fstat says of the object then (identity, mode, size). It can wait for
/// remove_if_stale(), which holds the exclusive lock only while it unlinks; if that removed the
/// object meanwhile (no links left), the caller starts again.
inline Locked lock_shared(int fd, struct stat& info, Status& status) noexcept {
  if (retry_on_eintr([&] { return NAMEDSHM_SYSTEM(flock)(fd, LOCK_SH); }) != 0 ||
      NAMEDSHM_SYSTEM(fstat)(fd, &info) != 0) {
    fail_with_errno(status, "cannot take the shared lock that marks the object as in use");
    return Locked::failed;
  }
  return info.st_nlink == 0 ? Locked::removed : Locked::yes;
}

inline View map_view(int fd, std::size_t size, bool writable, Status& status) noexcept {
  const int protection = writable ? PROT_READ | PROT_WRITE : PROT_READ;
  void* address = NAMEDSHM_SYSTEM(mmap)(nullptr, size, protection, MAP_SHARED, fd, 0);
  if (address != MAP_FAILED) return View({address, size});
  fail_with_errno(status, "cannot map a view of the object");
  return {};
}

inline bool size_fits(std::uint64_t size) noexcept {
  return size <= static_cast<std::uint64_t>((std::numeric_limits<std::ptrdiff_t>::max)());
}

/// Refuses a size whose pages could not all be written later: beyond RLIMIT_FSIZE, ftruncate
/// would raise SIGXFSZ (which kills by default); beyond the free space of the file system
/// behind shm_open (/dev/shm), the first write to an unbacked page would raise SIGBUS.
inline bool check_room(int fd, std::uint64_t size, BackingRequest backing, Status& status) noexcept {
  struct rlimit limit {};
  if (NAMEDSHM_SYSTEM(getrlimit)(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      size > limit.rlim_cur) {
    status.set_system(EFBIG, "the size is above this process's file size limit (RLIMIT_FSIZE)");
    return false;
  }
  if (backing != BackingRequest::checked) return true;
  struct statvfs space {};
  if (NAMEDSHM_SYSTEM(fstatvfs)(fd, &space) != 0) return true;  // nothing to go by: do not refuse
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
    const int error = NAMEDSHM_SYSTEM(posix_fallocate)(fd, 0, length);  // also sets the size
    if (error == 0) return true;
    status.set_system(error, "cannot reserve the pages of the new object");
    return false;
  }
  if (retry_on_eintr([&] { return NAMEDSHM_SYSTEM(ftruncate)(fd, length); }) == 0) return true;
  fail_with_errno(status, "cannot set the size of the new object");
  return false;
}

/// Creates the object exclusively. On EEXIST it fails with the OS code and touches nothing;
/// on a later failure the lease removes the half-made object again.
inline Mapping create_once(const Request& request, const ShmName& name, bool& removed, Status& status) noexcept {
  const auto mode = static_cast<mode_t>(request.security.permissions);
  Mapping mapping;
  mapping.handle.reset(
      retry_on_eintr([&] { return NAMEDSHM_SYSTEM(shm_open)(name.c_str(), O_RDWR | O_CREAT | O_EXCL, mode); }));
  if (!mapping.handle) {
    fail_with_errno(status);
    return {};
  }
  const int fd = mapping.handle.get();
  mapping.lease = NameLease(request.name.object, fd);
  struct stat info {};
  const Locked locked = lock_shared(fd, info, status);
  removed = locked == Locked::removed;
  if (locked != Locked::yes) return {};
  mapping.lease.set_identity(identity_of(info));
  // Only if the umask narrowed the mode given to shm_open.
  if ((info.st_mode & 0777U) != mode && NAMEDSHM_SYSTEM(fchmod)(fd, mode) != 0) {
    fail_with_errno(status, "cannot set the permissions of the new object");
    return {};
  }
  // Openers never map a size-0 object (see wait_for_size), so sizing last publishes it.
  if (!set_size(fd, request, status)) return {};
  mapping.view = map_view(fd, static_cast<std::size_t>(request.size), true, status);
  if (!mapping.view) return {};
  mapping.created = true;
  if (request.keep_name) mapping.lease.disarm();
  return mapping;
}

/// Returns the object's size once its creator has set it, or 0 after creator_wait (or an error).
/// `known` is the size the lock's fstat saw: only an object without one is asked again.
inline std::uint64_t wait_for_size(int fd, std::uint64_t known, Status& status) noexcept {
  if (known > 0) return known;
  std::uint64_t size = 0;
  wait_for_creator([&] {
    struct stat info {};
    if (NAMEDSHM_SYSTEM(fstat)(fd, &info) != 0) {
      fail_with_errno(status, "cannot read the size of the object");
      return true;
    }
    size = static_cast<std::uint64_t>(info.st_size);
    return size > 0;
  });
  if (size == 0 && !status) {
    status.set(std::errc::resource_unavailable_try_again,
               "the object has no size: its creator has not finished creating it, or died doing so");
  }
  return size;
}

/// Opens an existing object; fails with ENOENT if there is none.
inline Mapping open_once(const Request& request, const ShmName& name, bool& removed, Status& status) noexcept {
  const int flags = request.writable ? O_RDWR : O_RDONLY;
  Mapping mapping;
  mapping.handle.reset(retry_on_eintr([&] { return NAMEDSHM_SYSTEM(shm_open)(name.c_str(), flags, 0); }));
  if (!mapping.handle) {
    fail_with_errno(status);
    return {};
  }
  const int fd = mapping.handle.get();
  struct stat info {};
  const Locked locked = lock_shared(fd, info, status);
  removed = locked == Locked::removed;
  if (locked != Locked::yes) return {};
  const std::uint64_t size = wait_for_size(fd, static_cast<std::uint64_t>(info.st_size), status);
  if (status) return {};
  if (!size_fits(size)) {
    status.set(std::errc::file_too_large, "the object is larger than this process can map");
    return {};
  }
  if (size < request.size) {
    status.set(std::errc::invalid_argument);
    status.actual_size = size;
    return {};
  }
  mapping.view = map_view(fd, static_cast<std::size_t>(size), request.writable, status);
  if (!mapping.view) return {};
  return mapping;
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
    if (request.disposition != Disposition::open) {
      Mapping mapping = create_once(request, name, removed, status);
      const bool try_open =
          request.disposition == Disposition::open_or_create && status.code() == std::errc::file_exists;
      if (!try_open && !removed) return mapping;
    }
    if (request.disposition != Disposition::create && !removed) {
      status = Status{};
      Mapping mapping = open_once(request, name, removed, status);
      const bool vanished =
          request.disposition == Disposition::open_or_create && status.code() == std::errc::no_such_file_or_directory;
      if (!vanished && !removed) return mapping;
    }
  }
  status.set(std::errc::resource_unavailable_try_again, "the name kept appearing and disappearing");
  return {};
}

/// Releases a mapping now, reporting what failed: removing the name (for a creator that
/// removes it), unmapping, closing the descriptor (which also drops the shared flock). The
/// mapping is released whatever happens; the first failure is reported.
inline void close(Mapping& mapping, Status& status) noexcept {
  mapping.lease.remove(status);  // while the lock still marks the object as ours
  note_close_error(mapping.view.close(), "cannot unmap the view", status);
  note_close_error(mapping.handle.close(), "cannot close the descriptor", status);
  mapping.created = false;
}

/// Removes the name. Returns false (and no error) if there was none.
inline bool remove(const NameParts& name, Status& status) noexcept {
  if (NAMEDSHM_SYSTEM(shm_unlink)(ShmName(name.object).c_str()) == 0) return true;
  if (errno != ENOENT) fail_with_errno(status);
  return false;
}

/// Removes the name if no live namedshm process holds its object: every region holds a
/// shared flock, so an exclusive one means none does. Returns true if it removed the name.
inline bool remove_if_stale(const NameParts& parts, Status& status) noexcept {
  const ShmName name(parts.object);
  const Descriptor fd(retry_on_eintr([&] { return NAMEDSHM_SYSTEM(shm_open)(name.c_str(), O_RDONLY, 0); }));
  if (!fd) {
    if (errno != ENOENT) fail_with_errno(status);
    return false;
  }
  if (retry_on_eintr([&] { return NAMEDSHM_SYSTEM(flock)(fd.get(), LOCK_EX | LOCK_NB); }) != 0) {
    if (errno != EWOULDBLOCK) fail_with_errno(status, "cannot test the lock that marks the object as in use");
    return false;
  }
  // Closing `fd` afterwards also releases the exclusive lock; waiting openers then see the unlink.
  NameLease lease(parts.object, fd.get());
  return lease.remove(status);
}

/// True where the OS keeps a name until someone removes it (POSIX), so a creator cleans up.
inline constexpr bool names_outlive_handles = true;

}  // namespace namedshm::detail::os

#endif  // NAMEDSHM_DETAIL_POSIX_HPP
