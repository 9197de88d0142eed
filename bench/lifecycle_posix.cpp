// namedshm benchmarks, POSIX: the lifecycle of a region (create, open, open-or-create; each
// with map, unmap and close), the same with two handles (an opener while a creator holds the
// name; create + open + close both), its cost against the region's size, the first touch of a
// page, and the price of each single system call involved. Every namedshm benchmark has a
// baseline in the same run: the raw calls as a careful programmer writes them by hand, those
// calls plus each safety step namedshm adds, Boost.Interprocess (shared_memory_object +
// mapped_region) where CMake found it, and, where CMake was given an earlier commit's headers
// (NAMEDSHM_BENCH_BEFORE_INCLUDE), namedshm as that commit made it (lifecycle_before.cpp).
// namedshm's own cycles are in lifecycle_namedshm.hpp, shared with lifecycle_before.cpp.
// SPDX-License-Identifier: MIT
#include <fcntl.h>         // O_* flags
#include <sys/file.h>      // flock
#include <sys/mman.h>      // shm_open, shm_unlink, mmap, munmap
#include <sys/resource.h>  // getrlimit
#include <sys/stat.h>      // fstat, fchmod, stat
#include <sys/statvfs.h>   // fstatvfs
#include <time.h>          // clock_gettime(CLOCK_THREAD_CPUTIME_ID), the timing of first touches
#include <unistd.h>        // ftruncate, close, sysconf

#include <benchmark/benchmark.h>

#include <cerrno>        // errno
#include <cstddef>       // std::size_t
#include <cstdint>       // std::int64_t, benchmark arguments
#include <cstdio>        // std::snprintf, the path in /dev/shm
#include <exception>     // std::exception
#include <string>        // std::string
#include <system_error>  // std::error_code

#include <namedshm/namedshm.hpp>

#include "common.hpp"              // bench::unique_name, bench::fail, sizes
#include "lifecycle_namedshm.hpp"  // namedshm's cycles
#include "shm_objects.hpp"         // bench::ExistingObject, bench::shm_name

#if NAMEDSHM_BENCH_HAVE_BOOST
#  include <boost/interprocess/mapped_region.hpp>         // mapped_region
#  include <boost/interprocess/shared_memory_object.hpp>  // shared_memory_object
#endif

namespace {

using bench::ExistingObject;
using bench::gib;
using bench::kib;
using bench::lifecycle_sizes;
using bench::mib;
using bench::shm_name;

/// The safety steps that namedshm takes beyond the plain calls, each measurable on its own.
enum Step : unsigned {
  plain = 0,
  lock = 1U << 0U,    ///< flock(LOCK_SH) + fstat: the "in use" marker, and a removed-meanwhile check
  mode = 1U << 1U,    ///< fchmod, only if the umask narrowed the mode (the lock's fstat tells)
  room = 1U << 2U,    ///< getrlimit(RLIMIT_FSIZE) + fstatvfs: refuse a size that would SIGBUS later
  verify = 1U << 3U,  ///< before shm_unlink: stat of /dev/shm/NAME, "is the name still ours?"
  /// An opener's first test since issue 18, flock(LOCK_EX | LOCK_NB): refused while a live
  /// handle holds the object (then the shared lock + fstat, as `lock`); granted on an object that
  /// no handle holds, which these benchmarks only meet when it is foreign (fstat, then
  /// flock(LOCK_SH): it is used as it is).
  claim = 1U << 4U,
  /// At close since issue 18, flock(LOCK_EX | LOCK_NB): granted to the last handle of a managed
  /// object, which removes the name; refused to the others, which leave it.
  last = 1U << 5U,
  all_before = lock | mode | room | verify,  ///< namedshm's create before issue 18
  all = all_before | last,                   ///< namedshm's create now
};

/// The call that failed in a raw cycle and its errno.
struct Failure {
  const char* call = "";
  int error = 0;
};

/// Takes the shared lock as namedshm does: flock, then fstat to see whether the object was
/// removed meanwhile (and, for a creator, its mode and identity).
bool lock_shared(int fd, struct stat& info) noexcept {
  return ::flock(fd, LOCK_SH) == 0 && ::fstat(fd, &info) == 0 && info.st_nlink != 0;
}

/// The opener's lock since issue 18 (`claim`): the exclusive test first, then the shared lock.
bool claim_shared(int fd, struct stat& info) noexcept {
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) return errno == EWOULDBLOCK && lock_shared(fd, info);
  return ::fstat(fd, &info) == 0 && info.st_nlink != 0 && ::flock(fd, LOCK_SH) == 0;
}

/// The closing handle's test since issue 18 (`last`): true if it is the last, which these
/// benchmarks expect of `expected_last` and of no other.
bool last_test(int fd, bool expected_last, Failure& failure) noexcept {
  const bool granted = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  if (granted == expected_last) return true;
  failure = {expected_last ? "flock(LOCK_EX | LOCK_NB) refused to the last handle"
                           : "flock(LOCK_EX | LOCK_NB) granted while another handle holds the object",
             granted ? EINVAL : errno};
  return false;
}

/// shm_unlink, after checking (as namedshm does on Linux) that the name still refers to the
/// object `ours` describes: one stat of the file that glibc's shm_open made in /dev/shm.
void unlink_if_same(const char* name, const struct stat& ours) noexcept {
  const std::string path = std::string("/dev/shm") + name;
  struct stat theirs {};
  if (::stat(path.c_str(), &theirs) == 0 && theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino) {
    ::shm_unlink(name);
  }
}

/// A creator's descriptor and view, from raw_create to raw_close_creator.
struct RawCreator {
  int fd = -1;
  void* address = nullptr;
  std::size_t size = 0;
  struct stat info {};  // what namedshm learns with the lock; fstat'd alone if a step needs it
};

/// Create + map with the raw calls, plus the given safety steps. On failure nothing is left.
template <unsigned Steps>
bool raw_create(const char* name, std::size_t size, RawCreator& creator, Failure& failure) noexcept {
  const int fd = ::shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd == -1) {
    failure = {"shm_open", errno};
    return false;
  }
  const auto abandon = [&](const char* call) {
    failure = {call, errno};
    ::shm_unlink(name);
    ::close(fd);
    return false;
  };
  struct stat info {};
  if constexpr ((Steps & lock) != 0U) {
    if (!lock_shared(fd, info)) return abandon("flock");
  } else if constexpr ((Steps & (mode | verify)) != 0U) {
    if (::fstat(fd, &info) != 0) return abandon("fstat");
  }
  if constexpr ((Steps & mode) != 0U) {
    if ((info.st_mode & 0777U) != 0600U && ::fchmod(fd, 0600) != 0) return abandon("fchmod");
  }
  if constexpr ((Steps & room) != 0U) {
    struct rlimit limit {};
    struct statvfs space {};
    if (::getrlimit(RLIMIT_FSIZE, &limit) != 0 || ::fstatvfs(fd, &space) != 0) return abandon("fstatvfs");
    if (limit.rlim_cur != RLIM_INFINITY && size > limit.rlim_cur) return abandon("getrlimit");
    if (size > static_cast<std::size_t>(space.f_bavail) * space.f_frsize) {
      errno = ENOSPC;
      return abandon("fstatvfs");
    }
  }
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) return abandon("ftruncate");
  void* address = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (address == MAP_FAILED) return abandon("mmap");
  creator = {fd, address, size, info};
  return true;
}

/// Unmap + (the last-handle test) + unlink + close of what raw_create made, with the same steps.
/// False if the last-handle test was refused: then the name is removed anyway (the benchmark
/// stops), so that nothing is left behind.
template <unsigned Steps>
bool raw_close_creator(const char* name, const RawCreator& creator, Failure& failure) noexcept {
  ::munmap(creator.address, creator.size);
  bool last_handle = true;
  if constexpr ((Steps & last) != 0U) last_handle = last_test(creator.fd, true, failure);
  if constexpr ((Steps & verify) != 0U) {
    unlink_if_same(name, creator.info);
  } else {
    ::shm_unlink(name);
  }
  ::close(creator.fd);
  return last_handle;
}

/// One create + map + unmap + close + unlink with the raw calls, plus the given safety steps.
template <unsigned Steps>
bool raw_create_cycle(const char* name, std::size_t size, Failure& failure) noexcept {
  RawCreator creator;
  if (!raw_create<Steps>(name, size, creator, failure)) return false;
  benchmark::DoNotOptimize(creator.address);
  return raw_close_creator<Steps>(name, creator, failure);
}

/// Maps all of `fd` (`size` bytes), and unmaps it. Then the last-handle test if `Steps` has it
/// (refused: these openers are never the last) and close.
template <unsigned Steps>
bool map_unmap_close(int fd, std::size_t size, Failure& failure) noexcept {
  void* address = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (address == MAP_FAILED) {
    failure = {"mmap", errno};
    ::close(fd);
    return false;
  }
  benchmark::DoNotOptimize(address);
  ::munmap(address, size);
  bool closed = true;
  if constexpr ((Steps & last) != 0U) closed = last_test(fd, false, failure);
  ::close(fd);
  return closed;
}

/// Learns what `fd` is (the size, for the mapping) with the steps' lock: fstat alone (plain),
/// the shared lock + fstat (`lock`), or the exclusive test first (`claim`).
template <unsigned Steps>
bool learn(int fd, struct stat& info, Failure& failure) noexcept {
  bool known = false;
  if constexpr ((Steps & claim) != 0U) {
    known = claim_shared(fd, info);
  } else if constexpr ((Steps & lock) != 0U) {
    known = lock_shared(fd, info);
  } else {
    known = ::fstat(fd, &info) == 0;
  }
  if (!known) {
    failure = {"flock or fstat", errno};
    ::close(fd);
  }
  return known;
}

/// One open + map + unmap + close of an existing object, learning its size with fstat.
template <unsigned Steps>
bool raw_open_cycle(const char* name, Failure& failure) noexcept {
  const int fd = ::shm_open(name, O_RDWR, 0);
  if (fd == -1) {
    failure = {"shm_open", errno};
    return false;
  }
  struct stat info {};
  if (!learn<Steps>(fd, info, failure)) return false;
  return map_unmap_close<Steps>(fd, static_cast<std::size_t>(info.st_size), failure);
}

/// Open-or-create of a name that exists, as careful code writes it: an exclusive create (so it
/// knows whether it created), then on EEXIST an open, fstat, a size check and the mapping.
template <unsigned Steps>
bool raw_open_or_create_cycle(const char* name, std::size_t size, Failure& failure) noexcept {
  int fd = ::shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd != -1 || errno != EEXIST) {  // this benchmark always finds the object in place
    if (fd != -1) ::close(fd);
    failure = {"shm_open(O_EXCL)", fd != -1 ? EINVAL : errno};
    return false;
  }
  fd = ::shm_open(name, O_RDWR, 0);
  if (fd == -1) {
    failure = {"shm_open", errno};
    return false;
  }
  struct stat info {};
  if (!learn<Steps>(fd, info, failure)) return false;
  const auto existing = static_cast<std::size_t>(info.st_size);
  if (existing < size) {
    failure = {"size check", EINVAL};
    ::close(fd);
    return false;
  }
  return map_unmap_close<Steps>(fd, existing, failure);
}

/// Runs `cycle(failure)` in the timed loop until it fails.
template <class Cycle>
void run(benchmark::State& state, Cycle cycle) {
  Failure failure;
  for (auto _ : state) {
    if (!cycle(failure)) {
      bench::fail(state, failure.call, failure.error);
      break;
    }
  }
}

// ---- create + map + unmap + close (+ unlink) ----

template <unsigned Steps>
void create_raw(benchmark::State& state) {
  const std::string name = shm_name(bench::unique_name());
  const std::size_t size = bench::size_of(state);
  run(state, [&](Failure& failure) { return raw_create_cycle<Steps>(name.c_str(), size, failure); });
}

// ---- open + map + unmap + close; open-or-create of a name that exists ----

template <unsigned Steps>
void open_raw(benchmark::State& state) {
  const ExistingObject object(state, bench::size_of(state));
  if (!object.ready()) return;
  run(state, [&](Failure& failure) { return raw_open_cycle<Steps>(object.path(), failure); });
}

template <unsigned Steps>
void open_or_create_raw(benchmark::State& state) {
  const std::size_t size = bench::size_of(state);
  const ExistingObject object(state, size);
  if (!object.ready()) return;
  run(state, [&](Failure& failure) { return raw_open_or_create_cycle<Steps>(object.path(), size, failure); });
}

// ---- two handles: an opener while a creator holds the name; create + open + close both ----

/// Open + map + unmap + close of a second handle while a raw creator holds the name, as
/// namedshm's creator does: with its view and the shared lock (taken outside the timed loop).
template <unsigned Steps>
void held_open_raw(benchmark::State& state) {
  const std::string name = shm_name(bench::unique_name());
  RawCreator holder;
  Failure failure;
  if (!raw_create<lock>(name.c_str(), bench::size_of(state), holder, failure)) {
    bench::fail(state, failure.call, failure.error);
    return;
  }
  run(state, [&](Failure& failed) { return raw_open_cycle<Steps>(name.c_str(), failed); });
  raw_close_creator<plain>(name.c_str(), holder, failure);
}

/// Create + open + close the opener + close the creator (the last handle, which removes the
/// name), the creator with `CreatorSteps`, the opener with `OpenerSteps`.
template <unsigned CreatorSteps, unsigned OpenerSteps>
void create_open_raw(benchmark::State& state) {
  const std::string name = shm_name(bench::unique_name());
  const std::size_t size = bench::size_of(state);
  run(state, [&](Failure& failure) {
    RawCreator creator;
    if (!raw_create<CreatorSteps>(name.c_str(), size, creator, failure)) return false;
    const bool opened = raw_open_cycle<OpenerSteps>(name.c_str(), failure);
    benchmark::DoNotOptimize(creator.address);
    Failure closing;
    const bool closed = raw_close_creator<CreatorSteps>(name.c_str(), creator, closing);
    if (opened && !closed) failure = closing;
    return opened && closed;
  });
}

#if NAMEDSHM_BENCH_HAVE_BOOST
namespace bip = boost::interprocess;

/// Runs `cycle()` in the timed loop; a Boost exception stops the benchmark with its message,
/// after `clean_up()`.
template <class Cycle, class CleanUp>
void run_boost(benchmark::State& state, Cycle cycle, CleanUp clean_up) {
  try {
    for (auto _ : state) cycle();
  } catch (const std::exception& error) {
    clean_up();
    state.SkipWithError(error.what());
  }
}

template <class Cycle>
void run_boost(benchmark::State& state, Cycle cycle) {
  run_boost(state, cycle, [] {});
}

/// Boost's own idiom for a new object: the object, truncate(), a mapped_region of all of it (it
/// learns the size with fstat). Permissions 0600, as the others use.
struct BoostCreator {
  BoostCreator(const std::string& name, std::size_t size)
      : object(bip::create_only, name.c_str(), bip::read_write, bip::permissions(0600)) {
    object.truncate(static_cast<bip::offset_t>(size));
    bip::mapped_region(object, bip::read_write).swap(view);
  }
  bip::shared_memory_object object;
  bip::mapped_region view;
};

/// An opener: the object and a mapped_region of all of it.
void boost_open(const std::string& name) {
  const bip::shared_memory_object object(bip::open_only, name.c_str(), bip::read_write);
  const bip::mapped_region view(object, bip::read_write);
  benchmark::DoNotOptimize(view.get_address());
}

/// Create, `with_opener`: open + close a second handle, close the creator, then remove() by name.
void create_boost(benchmark::State& state, bool with_opener) {
  const std::string name = bench::unique_name();
  const std::size_t size = bench::size_of(state);
  const auto remove = [&] { bip::shared_memory_object::remove(name.c_str()); };
  run_boost(
      state,
      [&] {
        {
          const BoostCreator creator(name, size);
          if (with_opener) boost_open(name);
          benchmark::DoNotOptimize(creator.view.get_address());
        }
        remove();
      },
      remove);
}

void open_boost(benchmark::State& state) {
  const ExistingObject object(state, bench::size_of(state));
  if (!object.ready()) return;
  run_boost(state, [&] { boost_open(object.object()); });
}

void open_or_create_boost(benchmark::State& state) {
  const ExistingObject object(state, bench::size_of(state));
  if (!object.ready()) return;
  run_boost(state, [&] {
    const bip::shared_memory_object shm(bip::open_or_create, object.object().c_str(), bip::read_write,
                                        bip::permissions(0600));
    const bip::mapped_region view(shm, bip::read_write);
    benchmark::DoNotOptimize(view.get_address());
  });
}

void held_open_boost(benchmark::State& state) {
  const std::string name = bench::unique_name();
  try {
    const BoostCreator holder(name, bench::size_of(state));
    run_boost(state, [&] { boost_open(name); });
  } catch (const std::exception& error) {
    state.SkipWithError(error.what());
  }
  bip::shared_memory_object::remove(name.c_str());
}
#endif

// ---- the price of one system call, to attribute the differences above ----

/// Calls `call(fd, name)` in the timed loop, on a descriptor of an existing 4 KiB object.
/// `held`: another descriptor of the object holds a shared flock meanwhile.
template <class Call>
void one_call(benchmark::State& state, Call call, bool held = false) {
  const ExistingObject object(state, 4 * kib);
  const int fd = object.ready() ? ::shm_open(object.path(), O_RDWR, 0) : -1;
  const int holder = held && fd != -1 ? ::shm_open(object.path(), O_RDWR, 0) : -1;
  if (fd == -1 || (held && (holder == -1 || ::flock(holder, LOCK_SH) != 0))) {
    if (object.ready()) bench::fail(state, "shm_open", errno);
  } else {
    for (auto _ : state) {
      if (!call(fd, object.path())) {
        bench::fail(state, "the call", errno);
        break;
      }
    }
  }
  if (holder != -1) ::close(holder);
  if (fd != -1) ::close(fd);
}

bool call_fstat(int fd, const char* /*name*/) noexcept {
  struct stat info {};
  return ::fstat(fd, &info) == 0;
}
bool call_flock(int fd, const char* /*name*/) noexcept { return ::flock(fd, LOCK_SH) == 0; }
/// What an opener's first test and a closing handle that is not the last pay (issue 18).
bool call_flock_ex_refused(int fd, const char* /*name*/) noexcept {
  return ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
}
/// Two calls: what an opener of a foreign object pays for its lock since issue 18, where one
/// flock(LOCK_SH) did before: the exclusive lock granted, then the conversion to shared.
bool call_flock_ex_then_sh(int fd, const char* /*name*/) noexcept {
  return ::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::flock(fd, LOCK_SH) == 0;
}
bool call_fchmod(int fd, const char* /*name*/) noexcept { return ::fchmod(fd, 0600) == 0; }
bool call_getrlimit(int /*fd*/, const char* /*name*/) noexcept {
  struct rlimit limit {};
  return ::getrlimit(RLIMIT_FSIZE, &limit) == 0;
}
bool call_fstatvfs(int fd, const char* /*name*/) noexcept {
  struct statvfs space {};
  return ::fstatvfs(fd, &space) == 0;
}
bool call_stat_in_shm_folder(int /*fd*/, const char* name) noexcept {
  char path[300];
  std::snprintf(path, sizeof path, "/dev/shm%s", name);
  struct stat info {};
  return ::stat(path, &info) == 0;
}
bool call_shm_open_close(int /*fd*/, const char* name) noexcept {
  const int other = ::shm_open(name, O_RDONLY, 0);
  if (other == -1) return false;
  ::close(other);
  return true;
}

// ---- first touch: the page faults that creation defers ----

/// This thread's CPU time, user and kernel (where page faults are handled), in seconds.
double thread_cpu_seconds() noexcept {
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

/// Creates a region with `create` (returning its address), writes one byte in every page and
/// times only the writes (in CPU time, as the other native numbers are judged): the cost a
/// program pays when it first uses the memory.
template <class Create>
void first_touch(benchmark::State& state, Create create) {
  const std::size_t size = bench::size_of(state);
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  for (auto _ : state) {
    auto region = create(size);
    if (!region) {
      state.SkipWithError("creating the region failed");
      break;
    }
    auto* bytes = static_cast<unsigned char*>(region.address());
    const double start = thread_cpu_seconds();
    for (std::size_t offset = 0; offset < size; offset += page) bytes[offset] = 1;
    benchmark::ClobberMemory();
    state.SetIterationTime(thread_cpu_seconds() - start);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(size / page));
  state.counters["pages"] = static_cast<double>(size / page);
}

/// A raw region for first_touch: shm_open + ftruncate + mmap, undone by the destructor.
class RawRegion {
 public:
  explicit RawRegion(std::size_t size) : name_(shm_name(bench::unique_name())), size_(size) {
    fd_ = ::shm_open(name_.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd_ == -1) return;
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return;
    void* address = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (address != MAP_FAILED) address_ = address;
  }
  RawRegion(const RawRegion&) = delete;
  RawRegion& operator=(const RawRegion&) = delete;
  ~RawRegion() {
    if (address_ != nullptr) ::munmap(address_, size_);
    if (fd_ != -1) {
      ::shm_unlink(name_.c_str());
      ::close(fd_);
    }
  }
  explicit operator bool() const noexcept { return address_ != nullptr; }
  void* address() const noexcept { return address_; }

 private:
  std::string name_;
  std::size_t size_;
  int fd_ = -1;
  void* address_ = nullptr;
};

/// A namedshm region for first_touch.
class NamedRegion {
 public:
  NamedRegion(std::size_t size, namedshm::Backing backing) {
    namedshm::CreateOptions options;
    options.backing = backing;
    std::error_code ec;
    region_ = namedshm::SharedRegion::create(bench::unique_name(), size, options, ec);
  }
  explicit operator bool() const noexcept { return region_.valid(); }
  void* address() const noexcept { return region_.data(); }

 private:
  namedshm::SharedRegion region_;
};

// ---- registration ----

/// 4 KiB to `largest`, in steps of 4x.
void scaling_sizes(benchmark::internal::Benchmark* b, std::size_t largest) {
  for (std::size_t size = 4 * kib; size <= largest; size *= 4) b->Arg(static_cast<std::int64_t>(size));
  b->UseRealTime();
}
constexpr std::size_t largest_sparse = 64 * gib;

// NOLINTBEGIN(cert-err58-cpp): registration objects, as Google Benchmark's macros make them
// namedshm's cycles: create, open, open_or_create, held_open and create_open (".../namedshm").
[[maybe_unused]] const bool namedshm_registered = (register_namedshm_lifecycle("namedshm"), true);
BENCHMARK_CAPTURE(create_namedshm, sparse, namedshm::Backing::sparse)
    ->Name("create/namedshm-sparse")
    ->Apply(lifecycle_sizes);

BENCHMARK_TEMPLATE(create_raw, plain)->Name("create/raw")->Apply(lifecycle_sizes);
BENCHMARK_TEMPLATE(create_raw, lock)->Name("create/raw+lock")->Apply(lifecycle_sizes);
BENCHMARK_TEMPLATE(create_raw, mode)->Name("create/raw+mode")->Apply(lifecycle_sizes);
BENCHMARK_TEMPLATE(create_raw, room)->Name("create/raw+room")->Apply(lifecycle_sizes);
BENCHMARK_TEMPLATE(create_raw, verify)->Name("create/raw+verify")->Apply(lifecycle_sizes);
BENCHMARK_TEMPLATE(create_raw, last)->Name("create/raw+last")->Apply(lifecycle_sizes);
BENCHMARK_TEMPLATE(create_raw, all_before)->Name("create/raw+all-before")->Apply(lifecycle_sizes);
BENCHMARK_TEMPLATE(create_raw, all)->Name("create/raw+all")->Apply(lifecycle_sizes);

BENCHMARK_TEMPLATE(open_raw, plain)->Name("open/raw")->Apply(lifecycle_sizes);
BENCHMARK_TEMPLATE(open_raw, lock)->Name("open/raw+lock")->Apply(lifecycle_sizes);
BENCHMARK_TEMPLATE(open_raw, claim)->Name("open/raw+claim")->Apply(lifecycle_sizes);

BENCHMARK_TEMPLATE(open_or_create_raw, plain)->Name("open_or_create/raw")->Apply(lifecycle_sizes);
BENCHMARK_TEMPLATE(open_or_create_raw, lock)->Name("open_or_create/raw+lock")->Apply(lifecycle_sizes);
BENCHMARK_TEMPLATE(open_or_create_raw, claim)->Name("open_or_create/raw+claim")->Apply(lifecycle_sizes);

// Two handles. raw+lock and raw+all-before make the calls namedshm made before issue 18,
// raw+claim and raw+all those it makes now.
BENCHMARK_TEMPLATE(held_open_raw, plain)->Name("held_open/raw")->Apply(lifecycle_sizes);
BENCHMARK_TEMPLATE(held_open_raw, lock)->Name("held_open/raw+lock")->Apply(lifecycle_sizes);
BENCHMARK_TEMPLATE(held_open_raw, claim | last)->Name("held_open/raw+claim")->Apply(lifecycle_sizes);
BENCHMARK_TEMPLATE(create_open_raw, plain, plain)->Name("create_open/raw")->Apply(lifecycle_sizes);
BENCHMARK_TEMPLATE(create_open_raw, all_before, lock)->Name("create_open/raw+all-before")->Apply(lifecycle_sizes);
BENCHMARK_TEMPLATE(create_open_raw, all, claim | last)->Name("create_open/raw+all")->Apply(lifecycle_sizes);

#if NAMEDSHM_BENCH_HAVE_BOOST
BENCHMARK_CAPTURE(create_boost, alone, false)->Name("create/boost")->Apply(lifecycle_sizes);
BENCHMARK(open_boost)->Name("open/boost")->Apply(lifecycle_sizes);
BENCHMARK(open_or_create_boost)->Name("open_or_create/boost")->Apply(lifecycle_sizes);
BENCHMARK(held_open_boost)->Name("held_open/boost")->Apply(lifecycle_sizes);
BENCHMARK_CAPTURE(create_boost, with_opener, true)->Name("create_open/boost")->Apply(lifecycle_sizes);
#endif

// Size scaling: create + map + unmap + close from 4 KiB to 64 GiB, pages never touched. Above
// the free space of /dev/shm only Backing::sparse (and code without a free-space check) can
// create at all, so the default namedshm stops at 16 GiB; `reserved` allocates every page, as
// newer Boost releases do in truncate() (posix_fallocate), so it stops at 1 GiB.
BENCHMARK_TEMPLATE(create_raw, plain)->Name("scale/raw")->Apply([](auto* b) { scaling_sizes(b, largest_sparse); });
BENCHMARK_CAPTURE(create_namedshm, checked, namedshm::Backing::checked)->Name("scale/namedshm")->Apply([](auto* b) {
  scaling_sizes(b, 16 * gib);
});
BENCHMARK_CAPTURE(create_namedshm, sparse, namedshm::Backing::sparse)
    ->Name("scale/namedshm-sparse")
    ->Apply([](auto* b) { scaling_sizes(b, largest_sparse); });
BENCHMARK_CAPTURE(create_namedshm, reserved, namedshm::Backing::reserved)
    ->Name("scale/namedshm-reserved")
    ->Apply([](auto* b) { scaling_sizes(b, gib); });
#if NAMEDSHM_BENCH_HAVE_BOOST
BENCHMARK_CAPTURE(create_boost, alone, false)->Name("scale/boost")->Apply([](auto* b) {
  scaling_sizes(b, largest_sparse);
});
#endif

BENCHMARK_CAPTURE(one_call, fstat, call_fstat)->Name("syscall/fstat")->UseRealTime();
BENCHMARK_CAPTURE(one_call, flock, call_flock)->Name("syscall/flock")->UseRealTime();
BENCHMARK_CAPTURE(one_call, flock_ex_refused, call_flock_ex_refused, true)
    ->Name("syscall/flock-ex-refused")
    ->UseRealTime();
BENCHMARK_CAPTURE(one_call, flock_ex_then_sh, call_flock_ex_then_sh)->Name("syscall/flock-ex+sh")->UseRealTime();
BENCHMARK_CAPTURE(one_call, fchmod, call_fchmod)->Name("syscall/fchmod")->UseRealTime();
BENCHMARK_CAPTURE(one_call, getrlimit, call_getrlimit)->Name("syscall/getrlimit")->UseRealTime();
BENCHMARK_CAPTURE(one_call, fstatvfs, call_fstatvfs)->Name("syscall/fstatvfs")->UseRealTime();
BENCHMARK_CAPTURE(one_call, stat, call_stat_in_shm_folder)->Name("syscall/stat")->UseRealTime();
BENCHMARK_CAPTURE(one_call, shm_open_close, call_shm_open_close)->Name("syscall/shm_open+close")->UseRealTime();

// First touch of every page of 64 MiB, timed (CPU time) without the creation.
void touch_sizes(benchmark::internal::Benchmark* b) {
  b->Arg(static_cast<std::int64_t>(64 * mib))->UseManualTime()->Unit(benchmark::kMillisecond);
}
BENCHMARK_CAPTURE(first_touch, raw, [](std::size_t size) { return RawRegion(size); })
    ->Name("touch/raw")
    ->Apply(touch_sizes);
BENCHMARK_CAPTURE(first_touch, namedshm, [](std::size_t size) { return NamedRegion(size, namedshm::Backing::checked); })
    ->Name("touch/namedshm")
    ->Apply(touch_sizes);
BENCHMARK_CAPTURE(first_touch, reserved,
                  [](std::size_t size) { return NamedRegion(size, namedshm::Backing::reserved); })
    ->Name("touch/namedshm-reserved")
    ->Apply(touch_sizes);
// NOLINTEND(cert-err58-cpp)

}  // namespace

BENCHMARK_MAIN();
