// What each backend promises beyond the portable API: descriptors and handles not inherited,
// POSIX modes whatever the umask, the shared lock, interop with raw API users.
#include <namedshm/namedshm.hpp>

#include <cstring>  // std::memcmp, std::memcpy

#include "support/catch.hpp"
#include "support/process.hpp"

#if defined(_WIN32)
#  include <windows.h>  // GetHandleInformation, OpenFileMappingW
#else
#  include <fcntl.h>     // fcntl, O_RDONLY
#  include <sys/file.h>  // flock
#  include <sys/mman.h>  // shm_open, mmap
#  include <sys/stat.h>  // fstat, umask
#  include <unistd.h>    // close
#endif

using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm_test::unique_name;

TEST_CASE("a bare name and a Local-prefixed name are the same object", "[platform][names]") {
  const auto name = unique_name("local");
  auto bare = SharedRegion::create(name, 64);
  bare.object<int>() = 31;
  auto local = ReadOnlyRegion::open("Local\\" + name);
  CHECK(local.object<int>() == 31);
}

TEST_CASE("Global-prefixed names: created, or refused with the privilege explained", "[platform][names]") {
  const auto name = "Global\\" + unique_name("global");
  std::error_code ec;
  auto region = SharedRegion::create(name, 64, ec);
  if (ec) {
    // Windows without SeCreateGlobalPrivilege. (Wine never checks it, Linux has no such rule.)
    CHECK(ec == std::errc::permission_denied);
    CHECK_THROWS_WITH(SharedRegion::create(name, 64), NAMEDSHM_CONTAINS("SeCreateGlobalPrivilege"));
    return;
  }
  CHECK(ReadOnlyRegion::open(name).valid());
}

#if defined(_WIN32)

TEST_CASE("Windows: section handles are not inheritable", "[platform][windows]") {
  auto region = SharedRegion::create(unique_name("inherit"), 64);
  DWORD flags = 0;
  REQUIRE(GetHandleInformation(static_cast<HANDLE>(region.native_handle()), &flags));
  CHECK((flags & HANDLE_FLAG_INHERIT) == 0);
  auto opened = ReadOnlyRegion::open(region.name());
  REQUIRE(GetHandleInformation(static_cast<HANDLE>(opened.native_handle()), &flags));
  CHECK((flags & HANDLE_FLAG_INHERIT) == 0);
}

TEST_CASE("Windows: a raw OpenFileMappingW user finds a region by its Local-prefixed name", "[platform][windows]") {
  const auto name = unique_name("raw-win");
  auto region = SharedRegion::create(name, 256);
  std::memcpy(region.data(), "raw", 4);
  const std::wstring wide = L"Local\\" + std::wstring(name.begin(), name.end());
  HANDLE section = OpenFileMappingW(FILE_MAP_READ, FALSE, wide.c_str());
  REQUIRE(section != nullptr);
  void* view = MapViewOfFile(section, FILE_MAP_READ, 0, 0, 0);
  REQUIRE(view != nullptr);
  CHECK(std::memcmp(view, "raw", 4) == 0);
  UnmapViewOfFile(view);
  CloseHandle(section);
}

TEST_CASE("Windows: an opened section's size is all of its pages, as the view tells", "[platform][windows]") {
  const auto name = unique_name("pages");
  auto region = SharedRegion::create(name, 3 * 4096 + 1);
  CHECK(SharedRegion::open(name).size() == 4 * 4096);
  CHECK(namedshm::ReadOnlyRegion::open(name).size() == 4 * 4096);
}

#else

namespace {
struct stat stat_of(int fd) {
  struct stat info {};
  REQUIRE(fstat(fd, &info) == 0);
  return info;
}

/// The permission bits of the object behind `fd`.
mode_t mode_of(int fd) { return stat_of(fd).st_mode & 0777; }

/// True if the object behind `fd` carries the mark of a name that namedshm removes with its
/// last handle: the sticky bit (DESIGN.md "Lifetime").
bool managed(int fd) { return (stat_of(fd).st_mode & S_ISVTX) != 0; }

// Restores the process umask when a test ends, passed or failed.
class UmaskScope {
 public:
  explicit UmaskScope(mode_t mask) : previous_(umask(mask)) {}
  ~UmaskScope() { umask(previous_); }
  UmaskScope(const UmaskScope&) = delete;
  UmaskScope& operator=(const UmaskScope&) = delete;

 private:
  mode_t previous_;
};
}  // namespace

TEST_CASE("POSIX: descriptors are close-on-exec", "[platform][posix]") {
  auto region = SharedRegion::create(unique_name("cloexec"), 64);
  const int flags = fcntl(region.native_handle(), F_GETFD);
  CHECK((flags & FD_CLOEXEC) != 0);
  auto opened = ReadOnlyRegion::open(region.name());
  CHECK((fcntl(opened.native_handle(), F_GETFD) & FD_CLOEXEC) != 0);
}

TEST_CASE("POSIX: new objects are 0600 whatever the umask", "[platform][posix]") {
  for (const mode_t mask : {mode_t{0}, mode_t{022}, mode_t{077}, mode_t{0777}}) {
    UmaskScope scope(mask);
    auto region = SharedRegion::create(unique_name("mode"), 64);
    CHECK(mode_of(region.native_handle()) == 0600);
    CHECK(managed(region.native_handle()));  // the mark survives the umask too
  }
}

TEST_CASE("POSIX: the mark of a managed name is the sticky bit, which keep_name objects lack", "[platform][posix]") {
  auto managed_region = SharedRegion::create(unique_name("marked"), 64);
  CHECK(managed(managed_region.native_handle()));
  CHECK(managed(ReadOnlyRegion::open(managed_region.name()).native_handle()));
  namedshm::CreateOptions kept;
  kept.keep_name = true;
  const auto kept_name = unique_name("unmarked");
  SharedRegion::create(kept_name, 64, kept).close();
  CHECK_FALSE(managed(ReadOnlyRegion::open(kept_name).native_handle()));
  CHECK(SharedRegion::remove(kept_name));  // kept: still there after its last handle
}

TEST_CASE("POSIX: a requested mode is applied exactly, and out-of-range modes are refused", "[platform][posix]") {
  UmaskScope scope(077);
  namedshm::CreateOptions options;
  options.security.permissions = 0640;
  auto region = SharedRegion::create(unique_name("mode-640"), 64, options);
  CHECK(mode_of(region.native_handle()) == 0640);
  options.security.permissions = 04755;  // setuid bits make no sense on shared memory
  std::error_code ec;
  CHECK_FALSE(SharedRegion::create(unique_name("mode-bad"), 64, options, ec));
  CHECK(ec == std::errc::invalid_argument);
}

TEST_CASE("POSIX: every open region holds a shared flock on its object", "[platform][posix]") {
  const auto name = unique_name("flock");
  auto region = SharedRegion::create(name, 64);
  const std::string path = "/" + name;
  const int probe = shm_open(path.c_str(), O_RDONLY, 0);
  REQUIRE(probe != -1);
  CHECK(flock(probe, LOCK_EX | LOCK_NB) == -1);  // someone holds it: the region
  CHECK(errno == EWOULDBLOCK);
  region.close();  // the creator removes the name, but the probe's descriptor still reaches it
  CHECK(flock(probe, LOCK_EX | LOCK_NB) == 0);
  close(probe);
}

TEST_CASE("POSIX: a raw shm_open user finds a region as /name, and the other way round", "[platform][posix]") {
  const auto name = unique_name("raw-posix");
  auto region = SharedRegion::create(name, 256);
  std::memcpy(region.data(), "raw", 4);
  const std::string path = "/" + name;
  const int fd = shm_open(path.c_str(), O_RDONLY, 0);
  REQUIRE(fd != -1);
  void* view = mmap(nullptr, 256, PROT_READ, MAP_SHARED, fd, 0);
  REQUIRE(view != MAP_FAILED);
  CHECK(std::memcmp(view, "raw", 4) == 0);
  munmap(view, 256);
  close(fd);

  const auto raw_name = unique_name("raw-made");
  const std::string raw_path = "/" + raw_name;
  const int made = shm_open(raw_path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  REQUIRE(made != -1);
  REQUIRE(ftruncate(made, 100) == 0);
  {
    auto opened = ReadOnlyRegion::open(raw_name);
    CHECK(opened.size() == 100);
  }
  // namedshm openers never remove a name, even one made by somebody else.
  CHECK(ReadOnlyRegion::open(raw_name).valid());
  close(made);
  shm_unlink(raw_path.c_str());
}

TEST_CASE("POSIX: an object whose creator never set a size is refused, not mapped", "[platform][posix]") {
  const auto name = unique_name("unsized");
  const std::string path = "/" + name;
  const int fd = shm_open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  REQUIRE(fd != -1);
  std::error_code ec;
  auto region = ReadOnlyRegion::open(name, ec);  // waits namedshm::detail::os::size_wait, then gives up
  CHECK(ec == std::errc::resource_unavailable_try_again);
  CHECK_FALSE(region);
  CHECK_THROWS_WITH(ReadOnlyRegion::open(name), NAMEDSHM_CONTAINS("no size"));
  close(fd);
  shm_unlink(path.c_str());
}

#endif
