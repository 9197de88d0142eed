// namedshm benchmarks: a program for counting system calls per operation (POSIX), which
// bench/count_syscalls.sh runs under `strace -f -c`: once with 0 cycles (what starting the
// program and setting up cost) and once with many, so that the difference divided by the cycles
// is one operation's calls. Each operation is the whole life of its handles, as the lifecycle
// benchmark measures it (4 KiB):
//   create          create + map, unmap, close (the last handle: remove the name)
//   open            open + map an object that raw calls made (nobody holds it), unmap, close
//   open_or_create  open-or-create of such an object
//   held_open       open + map, unmap, close of a second handle while a creator made by the
//                   same library holds the name (made before the cycles)
//   create_open     create + map, open + map, close the opener, close the creator (the last)
// for namedshm (whichever headers it was built with), for Boost.Interprocess (when built with
// it) and for hand-written raw calls.
//   namedshm_syscall_count namedshm|boost|raw OPERATION CYCLES
// SPDX-License-Identifier: MIT
#include <fcntl.h>     // O_* flags
#include <sys/mman.h>  // shm_open, mmap
#include <sys/stat.h>  // fstat
#include <unistd.h>    // ftruncate, close, getpid

#include <cstdio>   // std::fprintf
#include <cstdlib>  // std::atoi
#include <memory>   // std::shared_ptr, what a holder keeps
#include <string>   // std::string

#include <namedshm/namedshm.hpp>

#if NAMEDSHM_BENCH_HAVE_BOOST
#  include <boost/interprocess/mapped_region.hpp>
#  include <boost/interprocess/shared_memory_object.hpp>
#endif

namespace {

constexpr std::size_t size = 4096;

std::string path_of(const std::string& name) { return "/" + name; }

/// One library's operations. `create_held` makes a creator that holds the name until the
/// returned owner goes (for held_open); the others are one whole cycle each.
struct Library {
  bool (*create)(const std::string& name);
  bool (*open)(const std::string& name);
  bool (*open_or_create)(const std::string& name);
  bool (*create_open)(const std::string& name);
  std::shared_ptr<void> (*create_held)(const std::string& name);
};

// ---- namedshm ----

bool namedshm_create(const std::string& name) { return namedshm::SharedRegion::create(name, size).valid(); }
bool namedshm_open(const std::string& name) { return namedshm::SharedRegion::open(name).valid(); }
bool namedshm_open_or_create(const std::string& name) {
  const auto region = namedshm::SharedRegion::open_or_create(name, size);
  return region.valid() && !region.created();
}
bool namedshm_create_open(const std::string& name) {
  const auto creator = namedshm::SharedRegion::create(name, size);
  return namedshm::SharedRegion::open(name).valid() && creator.valid();
}
std::shared_ptr<void> namedshm_create_held(const std::string& name) {
  return std::make_shared<namedshm::SharedRegion>(namedshm::SharedRegion::create(name, size));
}

// ---- raw calls, as a careful programmer writes them ----

/// A creator's descriptor and view: shm_open(O_CREAT | O_EXCL) + ftruncate + mmap; the
/// destructor unmaps, removes the name and closes.
class RawCreator {
 public:
  explicit RawCreator(const std::string& name) : path_(path_of(name)) {
    fd_ = ::shm_open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd_ == -1 || ::ftruncate(fd_, size) != 0) return;
    void* address = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (address != MAP_FAILED) address_ = address;
  }
  RawCreator(const RawCreator&) = delete;
  RawCreator& operator=(const RawCreator&) = delete;
  ~RawCreator() {
    if (address_ != nullptr) ::munmap(address_, size);
    if (fd_ == -1) return;
    ::shm_unlink(path_.c_str());
    ::close(fd_);
  }
  bool valid() const noexcept { return address_ != nullptr; }

 private:
  std::string path_;
  int fd_ = -1;
  void* address_ = nullptr;
};

/// shm_open + fstat (the size) + mmap + munmap + close.
bool raw_open_descriptor(int fd) {
  if (fd == -1) return false;
  struct stat info {};
  const auto length = static_cast<std::size_t>(::fstat(fd, &info) == 0 ? info.st_size : 0);
  void* address = length != 0 ? ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
  if (address != MAP_FAILED) ::munmap(address, length);
  ::close(fd);
  return address != MAP_FAILED;
}

bool raw_create(const std::string& name) { return RawCreator(name).valid(); }
bool raw_open(const std::string& name) { return raw_open_descriptor(::shm_open(path_of(name).c_str(), O_RDWR, 0)); }
bool raw_open_or_create(const std::string& name) {
  const std::string path = path_of(name);
  const int fd = ::shm_open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd != -1) {  // these cycles always find the object in place
    ::close(fd);
    return false;
  }
  return raw_open_descriptor(::shm_open(path.c_str(), O_RDWR, 0));
}
bool raw_create_open(const std::string& name) {
  const RawCreator creator(name);
  return raw_open(name) && creator.valid();
}
std::shared_ptr<void> raw_create_held(const std::string& name) { return std::make_shared<RawCreator>(name); }

#if NAMEDSHM_BENCH_HAVE_BOOST
// ---- Boost.Interprocess: its own idiom ----
namespace bip = boost::interprocess;

/// shared_memory_object(create_only) + truncate + mapped_region; remove() by name at the end.
struct BoostCreator {
  explicit BoostCreator(const std::string& name)
      : name_(name), object(bip::create_only, name.c_str(), bip::read_write, bip::permissions(0600)) {
    object.truncate(static_cast<bip::offset_t>(size));
    bip::mapped_region(object, bip::read_write).swap(view);
  }
  BoostCreator(const BoostCreator&) = delete;
  BoostCreator& operator=(const BoostCreator&) = delete;
  ~BoostCreator() { bip::shared_memory_object::remove(name_.c_str()); }
  std::string name_;
  bip::shared_memory_object object;
  bip::mapped_region view;
};

bool boost_create(const std::string& name) { return BoostCreator(name).view.get_address() != nullptr; }
bool boost_open(const std::string& name) {
  const bip::shared_memory_object object(bip::open_only, name.c_str(), bip::read_write);
  const bip::mapped_region view(object, bip::read_write);
  return view.get_address() != nullptr;
}
bool boost_open_or_create(const std::string& name) {
  const bip::shared_memory_object object(bip::open_or_create, name.c_str(), bip::read_write, bip::permissions(0600));
  const bip::mapped_region view(object, bip::read_write);
  return view.get_address() != nullptr;
}
bool boost_create_open(const std::string& name) {
  const BoostCreator creator(name);
  return boost_open(name);
}
std::shared_ptr<void> boost_create_held(const std::string& name) { return std::make_shared<BoostCreator>(name); }
#endif

bool library_named(const std::string& name, Library& library) {
  if (name == "namedshm") {
    library = {namedshm_create, namedshm_open, namedshm_open_or_create, namedshm_create_open, namedshm_create_held};
    return true;
  }
  if (name == "raw") {
    library = {raw_create, raw_open, raw_open_or_create, raw_create_open, raw_create_held};
    return true;
  }
#if NAMEDSHM_BENCH_HAVE_BOOST
  if (name == "boost") {
    library = {boost_create, boost_open, boost_open_or_create, boost_create_open, boost_create_held};
    return true;
  }
#endif
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  Library library{};
  if (argc != 4 || !library_named(argv[1], library)) {
    std::fprintf(stderr,
                 "usage: namedshm_syscall_count namedshm|boost|raw "
                 "create|open|open_or_create|held_open|create_open CYCLES\n");
    return 2;
  }
  const std::string operation = argv[2];
  const int cycles = std::atoi(argv[3]);
  const std::string name = "namedshm-bench-syscalls-" + std::to_string(::getpid());
  bool (*step)(const std::string&) = nullptr;
  // What the cycles need in place, made before them (and so counted in the run of 0 cycles too).
  std::shared_ptr<void> holder;
  std::shared_ptr<void> foreign;
  if (operation == "create") step = library.create;
  if (operation == "create_open") step = library.create_open;
  if (operation == "open" || operation == "open_or_create") {
    step = operation == "open" ? library.open : library.open_or_create;
    foreign = raw_create_held(name);  // its descriptor holds no flock: to namedshm, nobody holds it
  }
  if (operation == "held_open") {
    step = library.open;
    holder = library.create_held(name);
  }
  if (step == nullptr) return 2;
  for (int i = 0; i < cycles; ++i) {
    if (!step(name)) {
      std::fprintf(stderr, "%s %s: cycle %d failed\n", argv[1], operation.c_str(), i);
      return 1;
    }
  }
  return 0;
}
