// namedshm benchmarks: a program for counting system calls per operation (POSIX), which
// bench/count_syscalls.sh runs under `strace -f -c`: once with 0 cycles (what starting the
// program costs) and once with many, so that the difference divided by the cycles is one
// operation's calls. Each operation is the whole life of a region, as the lifecycle benchmark
// measures it:
//   create  create + map 4 KiB, unmap, close, remove the name
//   open    open + map an existing 4 KiB object, unmap, close
// for namedshm, for Boost.Interprocess (when built with it) and for hand-written raw calls.
//   namedshm_syscall_count namedshm|boost|raw create|open CYCLES
// SPDX-License-Identifier: MIT
#include <fcntl.h>     // O_* flags
#include <sys/mman.h>  // shm_open, mmap
#include <sys/stat.h>  // fstat
#include <unistd.h>    // ftruncate, close, getpid

#include <cstdio>   // std::fprintf
#include <cstdlib>  // std::atoi
#include <string>   // std::string

#include <namedshm/namedshm.hpp>

#if NAMEDSHM_BENCH_HAVE_BOOST
#  include <boost/interprocess/mapped_region.hpp>
#  include <boost/interprocess/shared_memory_object.hpp>
#endif

namespace {

constexpr std::size_t size = 4096;

bool namedshm_create(const std::string& name) {
  auto region = namedshm::SharedRegion::create(name, size);
  return region.valid();
}
bool namedshm_open(const std::string& name) {
  auto region = namedshm::SharedRegion::open(name);
  return region.valid();
}

bool raw_create(const std::string& name) {
  const std::string path = "/" + name;
  const int fd = ::shm_open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd == -1) return false;
  const bool sized = ::ftruncate(fd, size) == 0;
  void* address = sized ? ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
  if (address != MAP_FAILED) ::munmap(address, size);
  ::shm_unlink(path.c_str());
  ::close(fd);
  return address != MAP_FAILED;
}
bool raw_open(const std::string& name) {
  const int fd = ::shm_open(("/" + name).c_str(), O_RDWR, 0);
  if (fd == -1) return false;
  struct stat info {};
  void* address = ::fstat(fd, &info) == 0 ? ::mmap(nullptr, static_cast<std::size_t>(info.st_size),
                                                   PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                                          : MAP_FAILED;
  if (address != MAP_FAILED) ::munmap(address, static_cast<std::size_t>(info.st_size));
  ::close(fd);
  return address != MAP_FAILED;
}

#if NAMEDSHM_BENCH_HAVE_BOOST
namespace bip = boost::interprocess;
bool boost_create(const std::string& name) {
  {
    bip::shared_memory_object object(bip::create_only, name.c_str(), bip::read_write, bip::permissions(0600));
    object.truncate(static_cast<bip::offset_t>(size));
    const bip::mapped_region view(object, bip::read_write);
  }
  return bip::shared_memory_object::remove(name.c_str());
}
bool boost_open(const std::string& name) {
  const bip::shared_memory_object object(bip::open_only, name.c_str(), bip::read_write);
  const bip::mapped_region view(object, bip::read_write);
  return view.get_address() != nullptr;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: namedshm_syscall_count namedshm|boost|raw create|open CYCLES\n");
    return 2;
  }
  const std::string library = argv[1];
  const std::string operation = argv[2];
  const int cycles = std::atoi(argv[3]);
  const std::string name = "namedshm-bench-syscalls-" + std::to_string(::getpid());
  bool (*step)(const std::string&) = nullptr;
  if (library == "namedshm") step = operation == "create" ? namedshm_create : namedshm_open;
  if (library == "raw") step = operation == "create" ? raw_create : raw_open;
#if NAMEDSHM_BENCH_HAVE_BOOST
  if (library == "boost") step = operation == "create" ? boost_create : boost_open;
#endif
  if (step == nullptr) return 2;
  // An open needs an object: made here, before and outside the cycles, and removed after.
  namedshm::SharedRegion existing;
  if (operation == "open") existing = namedshm::SharedRegion::create(name, size);
  for (int i = 0; i < cycles; ++i) {
    if (!step(name)) {
      std::fprintf(stderr, "cycle %d failed\n", i);
      return 1;
    }
  }
  return 0;
}
