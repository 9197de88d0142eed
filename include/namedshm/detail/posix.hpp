// namedshm: the POSIX backend (shm_open, ftruncate, fstat, mmap, flock, shm_unlink), and the
// protocol that gives its names the lifetime of a Windows kernel object.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_POSIX_HPP
#define NAMEDSHM_DETAIL_POSIX_HPP

#include <fcntl.h>         // O_* flags, posix_fallocate, fcntl
#include <linux/futex.h>   // FUTEX_WAIT, FUTEX_WAKE
#include <pthread.h>       // pthread_atfork, to tell a fork()ed child's inherited handles
#include <sys/file.h>      // flock
#include <sys/mman.h>      // shm_open, shm_unlink, mmap, munmap
#include <sys/resource.h>  // getrlimit(RLIMIT_FSIZE)
#include <sys/stat.h>      // fstat, fchmod
#include <sys/statvfs.h>   // fstatvfs, the free space behind /dev/shm
#include <sys/syscall.h>   // SYS_futex
#include <time.h>          // timespec
#include <unistd.h>        // ftruncate, close, syscall

#include <atomic>       // std::atomic, the fork generation
#include <cerrno>       // errno, EINTR
#include <chrono>       // the bound on the wait for an unborn object's creator
#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint64_t, std::uint32_t
#include <cstring>      // std::memcpy
#include <limits>       // std::numeric_limits
#include <string_view>  // std::string_view
#include <thread>       // std::this_thread::sleep_for, while an unborn object's creator goes on
#include <utility>      // std::exchange, std::move

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
  ShmName() noexcept { text_[0] = '\0'; }
  explicit ShmName(std::string_view object) noexcept : length_(object.size() + 1) {
    text_[0] = '/';
    std::memcpy(text_ + 1, object.data(), object.size());
    text_[length_] = '\0';
  }
  // Copies only the name: every handle keeps one, and moves copy it (the buffer is 257 bytes).
  ShmName(const ShmName& other) noexcept : length_(other.length_) { copy_text(other); }
  ShmName& operator=(const ShmName& other) noexcept {
    length_ = other.length_;
    copy_text(other);
    return *this;
  }
  ~ShmName() = default;
  const char* c_str() const noexcept { return text_; }

 private:
  void copy_text(const ShmName& other) noexcept { std::memcpy(text_, other.text_, length_ + 1); }

  std::size_t length_ = 0;
  char text_[max_object_name_bytes + 2];  // NOLINT(cppcoreguidelines-pro-type-member-init): written up to length_
};

template <class Call>
auto retry_on_eintr(Call call) noexcept {
  auto result = call();
  while (result == -1 && errno == EINTR) result = call();
  return result;
}

inline void fail_with_errno(Status& status, const char* why = nullptr) noexcept { status.set_system(errno, why); }

/*
 * One name, one object (DESIGN.md "Lifetime"): on POSIX a name outlives every descriptor, so
 * namedshm gives the names it manages the lifetime of a Windows kernel object by a protocol of
 * flock locks on the object's descriptors.
 *
 * - The mark. A managed object has the sticky bit (S_ISVTX) in its mode: shm_open receives it
 *   with the permissions, so it costs no system call; Linux gives it no meaning on a regular
 *   file, and no other program we know sets it on a shared-memory object. Objects without it
 *   (other programs' segments, CreateOptions::keep_name regions) are never removed by the rule.
 * - A live handle. Every namedshm handle (Holder) holds a shared flock on its descriptor while
 *   it is open; the kernel drops it when the descriptor closes, also when the process dies. So
 *   an exclusive flock that succeeds proves that no live namedshm handle holds the object.
 * - The last holder. A closing handle of a managed object tries LOCK_EX | LOCK_NB. Success: it
 *   is the last, and removes the name while it holds the exclusive lock (if the name still
 *   names its object: see remove_named). Failure: another live handle keeps the name; the
 *   failed conversion has dropped this handle's shared lock, which no longer matters, as it is
 *   closing. Two handles closing at once: the kernel converts one lock at a time, so the second
 *   finds the first's lock gone, and exactly one of them removes the name.
 * - An opener (claim) first tries LOCK_EX | LOCK_NB too. Failure: others hold it, so it waits
 *   for a shared lock, which it gets at once unless a last holder is removing the name; then
 *   fstat says st_nlink 0 and the opener starts again from shm_open (ENOENT, or the object made
 *   in its place). So an opener racing the last holder ends on the live object or on a new
 *   one, never on a removed one that later openers cannot reach. Success: no live handle holds
 *   the object. A managed object with a size is then an orphan, every user of it having died:
 *   the opener removes the name and starts again, as if it had not been there (open reports
 *   no_such_file_or_directory, create and open_or_create make a new object). A managed object
 *   without a size is one whose creator is between its shm_open and its lock, or died there:
 *   the opener lets go of the lock for a millisecond at a time (creator_wait at most) so that a
 *   live creator goes on, and then counts it as an orphan. An object without the mark is used
 *   as it is, under a shared lock.
 * - A creator shm_opens with O_CREAT | O_EXCL, takes its shared lock and only then gives the
 *   object its size, so that a sized object always had a live holder. If an opener took the
 *   object for dead meanwhile (st_nlink 0), the creator starts again.
 * - fork() shares a descriptor's open file description, and with it its lock: a handle that a
 *   child inherited is not a user of its own. Closed in the child, it only closes its
 *   descriptor and unmaps; the parent's handle decides about the name.
 * remove_if_stale() takes the exclusive lock as an opener does, and removes any name, marked
 * or not, that no live handle holds.
 */

/// The mark of an object that namedshm manages under the one-name-one-object rule.
inline constexpr mode_t managed_mark = S_ISVTX;

inline bool is_managed(const struct stat& info) noexcept { return (info.st_mode & managed_mark) != 0; }

/// Which object a descriptor refers to, as fstat tells it.
struct Identity {
  dev_t device = 0;
  ino_t inode = 0;
};

inline Identity identity_of(const struct stat& info) noexcept { return {info.st_dev, info.st_ino}; }

inline bool same_object(const struct stat& info, const Identity& identity) noexcept {
  return info.st_dev == identity.device && info.st_ino == identity.inode;
}

/// One stat of /dev/shm/NAME, where glibc's shm_open keeps its objects: true if that is the
/// object. Anything else (another folder, a name gone or replaced) leaves the answer to the
/// portable probe, which takes three calls (shm_open, fstat, close).
inline bool named_in_shm_folder(const ShmName& name, const Identity& identity) noexcept {
  constexpr char folder[] = "/dev/shm";
  char path[sizeof folder + max_object_name_bytes + 2];
  std::memcpy(path, folder, sizeof folder - 1);
  std::memcpy(path + sizeof folder - 1, name.c_str(), std::strlen(name.c_str()) + 1);
  struct stat found {};
  return NAMEDSHM_SYSTEM(stat)(path, &found) == 0 && same_object(found, identity);
}

inline bool unlink_name(const ShmName& name, Status& status) noexcept {
  if (NAMEDSHM_SYSTEM(shm_unlink)(name.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  fail_with_errno(status, "cannot remove the name: it is left");
  return false;
}

/**
 * Removes `name` if it still names the object `identity`, so that namedshm never deletes an
 * object that someone made under the same name after a remove(). True if it removed it; a
 * name that is gone already, or names another object now, is no error. `status` says why a
 * name that may be the object's was left.
 */
inline bool remove_named(const ShmName& name, const Identity& identity, Status& status) noexcept {
  if (named_in_shm_folder(name, identity)) return unlink_name(name, status);
  const Descriptor other(retry_on_eintr([&] { return NAMEDSHM_SYSTEM(shm_open)(name.c_str(), O_RDONLY, 0); }));
  if (!other) {
    if (errno == ENOENT) return false;  // someone removed it already
    // Whose object the name names cannot be told: it may be someone else's, so it stays.
    fail_with_errno(status, "cannot tell whether the name still names this object: the name is left");
    return false;
  }
  struct stat theirs {};
  if (NAMEDSHM_SYSTEM(fstat)(other.get(), &theirs) != 0) {
    fail_with_errno(status, "cannot tell whether the name still names this object: the name is left");
    return false;
  }
  return same_object(theirs, identity) && unlink_name(name, status);
}

/// How many times this process has been started by fork() from a process that used namedshm:
/// a handle made before a fork and closed in the child sees another number. The handler is
/// registered once, without the seam: if registration fails (ENOMEM), forks go unseen.
inline unsigned fork_generation() noexcept {
  static std::atomic<unsigned> generation{0};
  static const int registered =
      ::pthread_atfork(nullptr, nullptr, [] { generation.fetch_add(1, std::memory_order_relaxed); });
  static_cast<void>(registered);
  return generation.load(std::memory_order_relaxed);
}

/// What a handle must do with its name when it closes.
enum class Duty : unsigned char {
  none,            ///< nothing: an object that namedshm does not manage
  remove_if_last,  ///< remove it if this is the last live handle: a managed object
  remove,          ///< remove it: a creation that failed half-way, before anyone could use the object
};

/**
 * A live namedshm handle to a POSIX object: the descriptor, whose shared flock marks a live
 * user, and its duty towards the name (see the protocol above). Closes itself; move-only, and
 * the duty goes with the move.
 */
class Holder {
 public:
  Holder() noexcept = default;
  /// Owns `fd` (a failure value owns nothing), with no duty yet.
  explicit Holder(int fd) noexcept : fd_(fd) {}
  Holder(const Holder&) = delete;
  Holder& operator=(const Holder&) = delete;
  Holder(Holder&& other) noexcept
      : fd_(std::move(other.fd_)),
        name_(other.name_),
        identity_(other.identity_),
        generation_(other.generation_),
        duty_(std::exchange(other.duty_, Duty::none)),
        identity_known_(other.identity_known_) {}
  Holder& operator=(Holder&& other) noexcept {
    if (this != &other) {
      Status ignored;
      close(ignored);
      fd_ = std::move(other.fd_);
      name_ = other.name_;
      identity_ = other.identity_;
      generation_ = other.generation_;
      duty_ = std::exchange(other.duty_, Duty::none);
      identity_known_ = other.identity_known_;
    }
    return *this;
  }
  ~Holder() {
    Status ignored;
    close(ignored);
  }

  [[nodiscard]] int get() const noexcept { return fd_.get(); }
  explicit operator bool() const noexcept { return fd_.valid(); }

  /// Takes on `duty` towards `name`. Until known() tells the object's identity, a removal does
  /// not check that the name still names the object (see remove_name).
  void take_on(Duty duty, const ShmName& name) noexcept {
    duty_ = duty;
    name_ = name;
    generation_ = fork_generation();
  }
  /// The identity of the object behind the descriptor, as fstat told it.
  void known(const Identity& identity) noexcept {
    identity_ = identity;
    identity_known_ = true;
  }
  /// Changes the duty taken on before (a creation that succeeded).
  void change_duty(Duty duty) noexcept { duty_ = duty; }

  /// Does the duty towards the name, then closes the descriptor (which drops the lock).
  /// `status` reports the first step that failed; the descriptor is closed either way.
  void close(Status& status) noexcept {
    const Duty duty = std::exchange(duty_, Duty::none);
    // A copy that fork() made shares the parent's open file description, and so its lock: the
    // parent's handle decides.
    if (duty != Duty::none && generation_ == fork_generation()) remove_name(duty, status);
    note_close_error(fd_.close(), "cannot close the descriptor", status);
  }

 private:
  void remove_name(Duty duty, Status& status) noexcept {
    if (duty == Duty::remove_if_last &&
        retry_on_eintr([&] { return NAMEDSHM_SYSTEM(flock)(fd_.get(), LOCK_EX | LOCK_NB); }) != 0) {
      // EWOULDBLOCK: another live handle keeps the name.
      if (errno != EWOULDBLOCK) {
        fail_with_errno(status, "cannot tell whether this is the object's last handle: the name is left");
      }
      return;
    }
    // Unknown only for a creation that failed before its lock's fstat, a moment after its
    // shm_open with O_EXCL made the name: only an explicit remove() in between could have
    // given the name to another object.
    if (identity_known_) {
      remove_named(name_, identity_, status);
    } else {
      unlink_name(name_, status);
    }
  }

  Descriptor fd_;
  ShmName name_;
  Identity identity_;
  unsigned generation_ = 0;
  Duty duty_ = Duty::none;
  bool identity_known_ = false;
};

/// A live mapping: the handle and the view of the whole object. Its members release
/// themselves, the view first (munmap before close is the cheaper order, measured in
/// bench/README.md), then the handle, which as a last holder removes the name while it holds
/// its lock.
struct Mapping {
  Holder handle;
  View view;
  bool created = false;

  [[nodiscard]] void* address() const noexcept { return view.get().address; }
  [[nodiscard]] std::size_t size() const noexcept { return view.get().size; }
};

/// What taking the lock on an object found.
enum class Claim : unsigned char {
  live,     ///< used by a live handle, or not managed: this handle holds the shared lock
  orphan,   ///< managed, and no live handle: every user died. This handle holds the exclusive lock
  unborn,   ///< managed, no size and no live handle: its creator is between shm_open and its lock,
            ///< or died there. This handle holds the exclusive lock
  removed,  ///< the name was removed meanwhile: start again from shm_open
  failed,   ///< `status` says why
};

/// Takes the shared lock that marks the object as used by a live namedshm handle, and tells
/// what fstat says of the object then (identity, mode, size). It can wait for a last holder or
/// remove_if_stale(), which hold the exclusive lock only while they remove the name.
inline Claim lock_shared(int fd, struct stat& info, Status& status) noexcept {
  if (retry_on_eintr([&] { return NAMEDSHM_SYSTEM(flock)(fd, LOCK_SH); }) != 0 ||
      NAMEDSHM_SYSTEM(fstat)(fd, &info) != 0) {
    fail_with_errno(status, "cannot take the shared lock that marks the object as in use");
    return Claim::failed;
  }
  return info.st_nlink == 0 ? Claim::removed : Claim::live;
}

/// An opener's lock on an existing object: see the protocol above.
inline Claim claim(int fd, struct stat& info, Status& status) noexcept {
  if (retry_on_eintr([&] { return NAMEDSHM_SYSTEM(flock)(fd, LOCK_EX | LOCK_NB); }) != 0) {
    if (errno == EWOULDBLOCK) return lock_shared(fd, info, status);
    fail_with_errno(status, "cannot test the lock that marks the object as in use");
    return Claim::failed;
  }
  if (NAMEDSHM_SYSTEM(fstat)(fd, &info) != 0) {
    fail_with_errno(status, "cannot read what the object is (fstat)");
    return Claim::failed;
  }
  if (info.st_nlink == 0) return Claim::removed;
  if (is_managed(info)) return info.st_size > 0 ? Claim::orphan : Claim::unborn;
  // Another program's segment or a kept name, which no live namedshm handle holds: used as
  // it is. The conversion keeps the lock, so nobody takes the object for dead in between.
  if (retry_on_eintr([&] { return NAMEDSHM_SYSTEM(flock)(fd, LOCK_SH); }) != 0) {
    fail_with_errno(status, "cannot take the shared lock that marks the object as in use");
    return Claim::failed;
  }
  return Claim::live;
}

/// claim(), and for an unborn object the wait for its creator: creator_wait at most, a
/// millisecond at a time without the lock, which a creator blocked in its flock then takes.
/// An object still unborn after that counts as an orphan.
inline Claim claim_existing(int fd, struct stat& info, Status& status) noexcept {
  Claim found = claim(fd, info, status);
  if (found != Claim::unborn) return found;
  const auto give_up = std::chrono::steady_clock::now() + creator_wait;
  while (found == Claim::unborn && std::chrono::steady_clock::now() < give_up) {
    // A failed unlock only keeps the creator waiting until it is taken for dead.
    static_cast<void>(NAMEDSHM_SYSTEM(flock)(fd, LOCK_UN));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    found = claim(fd, info, status);
  }
  return found == Claim::unborn ? Claim::orphan : found;
}

/// Removes an orphan's name, which `info` describes and whose exclusive lock the caller holds.
/// True if the caller should start again (the name is gone now, one way or another).
inline bool remove_orphan(const ShmName& name, const struct stat& info, Status& status) noexcept {
  remove_named(name, identity_of(info), status);
  if (status) status.detail = "every user of the object died, and its name cannot be removed";
  return !status;
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
/// on a later failure the handle removes the half-made object again.
inline Mapping create_once(const Request& request, const ShmName& name, bool& again, Status& status) noexcept {
  const auto mode = static_cast<mode_t>(request.security.permissions | (request.keep_name ? 0U : managed_mark));
  Mapping mapping;
  mapping.handle =
      Holder(retry_on_eintr([&] { return NAMEDSHM_SYSTEM(shm_open)(name.c_str(), O_RDWR | O_CREAT | O_EXCL, mode); }));
  if (!mapping.handle) {
    fail_with_errno(status);
    return {};
  }
  // Until it is complete, no one can use the object: a failure removes it again.
  mapping.handle.take_on(Duty::remove, name);
  const int fd = mapping.handle.get();
  struct stat info {};
  const Claim locked = lock_shared(fd, info, status);
  again = locked == Claim::removed;  // an opener took it for a dead creator's: start again
  if (locked != Claim::live) return {};
  mapping.handle.known(identity_of(info));
  // Only if the umask narrowed the mode given to shm_open.
  if ((info.st_mode & 07777U) != mode && NAMEDSHM_SYSTEM(fchmod)(fd, mode) != 0) {
    fail_with_errno(status, "cannot set the permissions of the new object");
    return {};
  }
  // Openers never map a size-0 object (see claim_existing), so sizing last publishes it.
  if (!set_size(fd, request, status)) return {};
  mapping.view = map_view(fd, static_cast<std::size_t>(request.size), true, status);
  if (!mapping.view) return {};
  mapping.handle.change_duty(request.keep_name ? Duty::none : Duty::remove_if_last);
  mapping.created = true;
  return mapping;
}

/// create() found the name taken (`status` says file_exists): true, with `status` clear, if
/// the object under it was an orphan, now removed, so that creating may start again. Else
/// file_exists stands, or `status` says why the object could not be looked at or removed.
inline bool cleared_orphan(const ShmName& name, Status& status) noexcept {
  const Holder probe(retry_on_eintr([&] { return NAMEDSHM_SYSTEM(shm_open)(name.c_str(), O_RDONLY, 0); }));
  if (!probe) {
    if (errno == EACCES) return false;  // someone else's, and taken as far as we may know
    if (errno != ENOENT) {
      fail_with_errno(status, "the name exists, and it cannot be opened to tell whether its users are alive");
      return false;
    }
    status = Status{};  // gone meanwhile: try again
    return true;
  }
  struct stat info {};
  Status looked;
  const Claim found = claim_existing(probe.get(), info, looked);
  if (found == Claim::failed) status = looked;
  if (found != Claim::orphan && found != Claim::removed) return false;
  status = Status{};
  return found == Claim::removed || remove_orphan(name, info, status);
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

/// Opens an existing object; fails with ENOENT if there is none. `again`: the name was
/// removed meanwhile, or named an orphan that is removed now: start again.
inline Mapping open_once(const Request& request, const ShmName& name, bool& again, Status& status) noexcept {
  const int flags = request.writable ? O_RDWR : O_RDONLY;
  Mapping mapping;
  mapping.handle = Holder(retry_on_eintr([&] { return NAMEDSHM_SYSTEM(shm_open)(name.c_str(), flags, 0); }));
  if (!mapping.handle) {
    fail_with_errno(status);
    return {};
  }
  const int fd = mapping.handle.get();
  struct stat info {};
  switch (claim_existing(fd, info, status)) {
    case Claim::live:
      break;
    case Claim::orphan:
      again = remove_orphan(name, info, status);
      return {};
    case Claim::removed:
      again = true;
      return {};
    case Claim::unborn:  // claim_existing never returns it
    case Claim::failed:
      return {};
  }
  if (is_managed(info)) {
    mapping.handle.take_on(Duty::remove_if_last, name);
    mapping.handle.known(identity_of(info));
  }
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
/// between a failed create and the open, by a last holder or remove_if_stale() while we took
/// the lock, or found to name an orphan, which is removed. A handful of rounds ends any
/// realistic race.
inline Mapping acquire(const Request& request, Status& status) noexcept {
  const ShmName name(request.name.object);
  constexpr int rounds = 100;
  for (int round = 0; round < rounds; ++round) {
    status = Status{};
    bool again = false;
    if (request.disposition != Disposition::open) {
      Mapping mapping = create_once(request, name, again, status);
      const bool taken = status.code() == std::errc::file_exists;
      if (taken && request.disposition == Disposition::create) {
        if (cleared_orphan(name, status)) continue;
        return {};
      }
      if (!taken && !again) return mapping;
      if (again) continue;
      status = Status{};
    }
    Mapping mapping = open_once(request, name, again, status);
    const bool vanished =
        request.disposition == Disposition::open_or_create && status.code() == std::errc::no_such_file_or_directory;
    if (!vanished && !again) return mapping;
  }
  status.set(std::errc::resource_unavailable_try_again, "the name kept appearing and disappearing");
  return {};
}

/// Releases a mapping now, reporting what failed: unmapping, the name, if this was the last
/// holder of a managed object (which it removes while its lock marks the object as its own),
/// closing the descriptor. The mapping is released whatever happens; the first failure is
/// reported.
inline void close(Mapping& mapping, Status& status) noexcept {
  note_close_error(mapping.view.close(), "cannot unmap the view", status);
  mapping.handle.close(status);
  mapping.created = false;
}

/// Removes the name. Returns false (and no error) if there was none.
inline bool remove(const NameParts& name, Status& status) noexcept {
  if (NAMEDSHM_SYSTEM(shm_unlink)(ShmName(name.object).c_str()) == 0) return true;
  if (errno != ENOENT) fail_with_errno(status);
  return false;
}

/// Removes the name if no live namedshm handle holds its object (each holds a shared flock,
/// so an exclusive one means none does), marked or not. Returns true if it removed the name.
inline bool remove_if_stale(const NameParts& parts, Status& status) noexcept {
  const ShmName name(parts.object);
  // Closed after the removal: that releases the exclusive lock, and waiting openers see it.
  const Descriptor fd(retry_on_eintr([&] { return NAMEDSHM_SYSTEM(shm_open)(name.c_str(), O_RDONLY, 0); }));
  if (!fd) {
    if (errno != ENOENT) fail_with_errno(status);
    return false;
  }
  if (retry_on_eintr([&] { return NAMEDSHM_SYSTEM(flock)(fd.get(), LOCK_EX | LOCK_NB); }) != 0) {
    if (errno != EWOULDBLOCK) fail_with_errno(status, "cannot test the lock that marks the object as in use");
    return false;
  }
  struct stat info {};
  if (NAMEDSHM_SYSTEM(fstat)(fd.get(), &info) != 0) {
    fail_with_errno(status, "cannot tell whether the name still names this object: the name is left");
    return false;
  }
  return remove_named(name, identity_of(info), status);
}

}  // namespace namedshm::detail::os

#endif  // NAMEDSHM_DETAIL_POSIX_HPP
