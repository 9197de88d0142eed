// namedshm benchmarks, POSIX: the shared-memory objects that the lifecycle suite opens, made
// with the raw calls (not namedshm), so that every library opens the same kind of object.
// Shared by lifecycle_posix.cpp and lifecycle_before.cpp; nothing here names namedshm.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_BENCH_SHM_OBJECTS_HPP
#define NAMEDSHM_BENCH_SHM_OBJECTS_HPP

#include <fcntl.h>     // O_* flags
#include <sys/mman.h>  // shm_open, shm_unlink
#include <unistd.h>    // ftruncate, close

#include <benchmark/benchmark.h>

#include <cerrno>   // errno
#include <cstddef>  // std::size_t
#include <string>   // std::string

#include "common.hpp"  // bench::unique_name, bench::fail

namespace bench {

/// "/name", shm_open's form.
inline std::string shm_name(const std::string& object) { return "/" + object; }

/// An object that exists for the whole benchmark, made with the raw calls: shm_open(O_CREAT |
/// O_EXCL, 0600) + ftruncate, its descriptor closed at once. To namedshm (since issue 18) it is
/// a foreign object: not marked as managed, held by no namedshm handle, never removed by one.
class ExistingObject {
 public:
  ExistingObject(benchmark::State& state, std::size_t size) : object_(unique_name()), path_(shm_name(object_)) {
    const int fd = ::shm_open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd == -1 || ::ftruncate(fd, static_cast<off_t>(size)) != 0) {
      fail(state, "creating the object to open", errno);
    } else {
      ready_ = true;
    }
    if (fd != -1) ::close(fd);
  }
  ExistingObject(const ExistingObject&) = delete;
  ExistingObject& operator=(const ExistingObject&) = delete;
  ~ExistingObject() { ::shm_unlink(path_.c_str()); }

  bool ready() const noexcept { return ready_; }
  /// The name for namedshm and Boost.
  const std::string& object() const noexcept { return object_; }
  /// The name for shm_open.
  const char* path() const noexcept { return path_.c_str(); }

 private:
  std::string object_;
  std::string path_;
  bool ready_ = false;
};

}  // namespace bench

#endif  // NAMEDSHM_BENCH_SHM_OBJECTS_HPP
