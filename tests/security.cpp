// Security: who else may open a region. POSIX: another user (nobody, started through setpriv)
// gets nothing by default and what CreateOptions::security.permissions grants. Windows: default security
// is never a NULL DACL; security_descriptor (SDDL) and security_attributes share on purpose; a
// read-only open works when the DACL grants mapping but not SECTION_QUERY. Both: create never
// opens a squatter's object. (0600 whatever the umask and non-inheritable handles are in
// platform.cpp; bad SDDL and bad options are cases of bad_input.cpp's table.)
#include <namedshm/namedshm.hpp>

#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint32_t, the values that openers read and write
#include <cstdio>        // std::fprintf: a child explains an unexpected outcome on stderr
#include <cstring>       // std::memcpy, std::memcmp: the squatter's bytes
#include <string>        // std::string, names and SDDL text
#include <system_error>  // std::error_code, std::errc

#include "support/catch.hpp"
#include "support/process.hpp"

#if defined(_WIN32)
#  include <windows.h>  // CreateFileMappingW, OpenProcessToken, CheckTokenMembership

#  include <aclapi.h>  // GetSecurityInfo
#  include <sddl.h>    // ConvertSidToStringSidA, ConvertStringSecurityDescriptorToSecurityDescriptorA

#  include <initializer_list>  // std::initializer_list, the SDDL strings a test loops over
#  include <vector>            // std::vector, the buffer of a token's user
#else
#  include <fcntl.h>     // O_* flags
#  include <grp.h>       // getgrnam: the group nogroup
#  include <sys/mman.h>  // shm_open, shm_unlink, mmap
#  include <sys/stat.h>  // fstat, fchmod
#  include <unistd.h>    // close, fchown, ftruncate

#  include <cerrno>  // EACCES, EEXIST

#  include "support/other_user.hpp"
#endif

using namedshm::CreateOptions;
using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm_test::unique_name;

namespace {

/// How one open fared.
enum Outcome : int {
  opened = 1,  ///< opened, and saw the creator's value
  denied = 2,  ///< refused with the OS's access-denied code
  other = 3,   ///< anything else (explained on stderr)
};
/// try_opens' results: 10 * the read-write open's Outcome + the read-only open's.
constexpr int both_denied = 10 * denied + denied;
constexpr int read_only_only = 10 * denied + opened;
constexpr int both_opened = 10 * opened + opened;

#if defined(_WIN32)
const std::error_code access_denied(ERROR_ACCESS_DENIED, std::system_category());
#else
const std::error_code access_denied(EACCES, std::system_category());
#endif

template <class Region>
Outcome outcome_of(const char* what, const Region& region, const std::error_code& ec, std::uint32_t magic) {
  if (ec == access_denied && !region) return denied;
  if (!ec && region && region.template object<std::uint32_t>() == magic) return opened;
  std::fprintf(stderr, "%s: %s (%d), region %s\n", what, ec.message().c_str(), ec.value(),
               region ? "open but without the creator's value" : "empty");
  return other;
}

/// Opens `name`, whose first uint32 is `magic`, read-write and read-only, as this process may.
/// A read-write open writes magic + 1 at offset 4. Returns 10 * read-write Outcome + read-only.
int try_opens(const std::string& name, std::uint32_t magic) {
  std::error_code ec;
  const SharedRegion writer = SharedRegion::open(name, ec);
  const Outcome write_outcome = outcome_of("read-write open", writer, ec, magic);
  if (write_outcome == opened) writer.object<std::uint32_t>(4) = magic + 1;
  const ReadOnlyRegion reader = ReadOnlyRegion::open(name, ec);
  return 10 * write_outcome + outcome_of("read-only open", reader, ec, magic);
}

#if defined(_WIN32)
/// The SID of the user running this process, as SDDL text ("S-1-5-21-...").
std::string current_user_sid() {
  HANDLE token = nullptr;
  if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) return {};
  DWORD length = 0;
  GetTokenInformation(token, TokenUser, nullptr, 0, &length);
  std::vector<unsigned char> buffer(length);
  std::string text;
  if (GetTokenInformation(token, TokenUser, buffer.data(), length, &length)) {
    char* sid = nullptr;
    if (ConvertSidToStringSidA(reinterpret_cast<const TOKEN_USER*>(buffer.data())->User.Sid, &sid)) {
      text = sid;
      LocalFree(sid);
    }
  }
  CloseHandle(token);
  return text;
}

/// True if this process's token has the well-known group `type` enabled.
bool token_has(WELL_KNOWN_SID_TYPE type) {
  unsigned char sid[SECURITY_MAX_SID_SIZE];
  DWORD size = sizeof sid;
  BOOL member = FALSE;
  return CreateWellKnownSid(type, nullptr, sid, &size) && CheckTokenMembership(nullptr, sid, &member) && member;
}

/// A kernel object's DACL as GetSecurityInfo reports it.
struct Dacl {
  bool present = false;  ///< false: a NULL DACL, which lets everyone do everything
  unsigned entries = 0;
};

Dacl dacl_of(void* object) {
  PACL list = nullptr;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  const DWORD error = GetSecurityInfo(static_cast<HANDLE>(object), SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, nullptr,
                                      nullptr, &list, nullptr, &descriptor);
  REQUIRE(error == ERROR_SUCCESS);
  Dacl dacl;
  dacl.present = list != nullptr;
  if (list != nullptr) dacl.entries = list->AceCount;
  LocalFree(descriptor);
  return dacl;
}

SharedRegion create_with_sddl(const std::string& name, const std::string& sddl, std::size_t size = 4096) {
  CreateOptions options;
  options.security.security_descriptor = sddl;
  return SharedRegion::create(name, size, options);
}

/// A section made with raw Win32 calls, as another program would make it.
class Squatter {
 public:
  Squatter(const std::string& name, std::size_t size) {
    const std::wstring wide(name.begin(), name.end());
    section_ =
        CreateFileMappingW(INVALID_HANDLE_VALUE, nullptr, PAGE_READWRITE, 0, static_cast<DWORD>(size), wide.c_str());
    if (section_ != nullptr) view_ = MapViewOfFile(section_, FILE_MAP_READ | FILE_MAP_WRITE, 0, 0, 0);
  }
  Squatter(const Squatter&) = delete;
  Squatter& operator=(const Squatter&) = delete;
  ~Squatter() {
    if (view_ != nullptr) UnmapViewOfFile(view_);
    if (section_ != nullptr) CloseHandle(section_);
  }
  void* memory() const { return view_; }

 private:
  HANDLE section_ = nullptr;
  void* view_ = nullptr;
};
#else
/// An object made with raw shm_open, world-writable, as another program (or an attacker who
/// guessed the name) would make it.
class Squatter {
 public:
  Squatter(const std::string& name, std::size_t size) : path_("/" + name), size_(size) {
    fd_ = shm_open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL, 0666);
    if (fd_ == -1) return;
    if (fchmod(fd_, 0666) != 0 || ftruncate(fd_, static_cast<off_t>(size)) != 0) return;
    void* view = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    view_ = view == MAP_FAILED ? nullptr : view;
  }
  Squatter(const Squatter&) = delete;
  Squatter& operator=(const Squatter&) = delete;
  ~Squatter() {
    if (view_ != nullptr) munmap(view_, size_);
    if (fd_ != -1) {
      close(fd_);
      shm_unlink(path_.c_str());
    }
  }
  void* memory() const { return view_; }
  struct stat status() const {
    struct stat info {};
    fstat(fd_, &info);
    return info;
  }
  /// True if the name still leads to this very object.
  bool still_named() const {
    const int fd = shm_open(path_.c_str(), O_RDONLY, 0);
    if (fd == -1) return false;
    struct stat info {};
    const bool same = fstat(fd, &info) == 0 && info.st_ino == status().st_ino && info.st_dev == status().st_dev;
    close(fd);
    return same;
  }

 private:
  std::string path_;
  std::size_t size_;
  int fd_ = -1;
  void* view_ = nullptr;
};
#endif

}  // namespace

// Reports, as its exit code, what this process may do with args[0] (see try_opens).
NAMEDSHM_CHILD_SCENARIO(security_try_opens) {
#if !defined(_WIN32)
  if (getuid() == 0 || geteuid() == 0) return namedshm_test::still_root_exit_code;
#endif
  return try_opens(args.at(0), static_cast<std::uint32_t>(std::stoul(args.at(1))));
}

TEST_CASE("create never opens a squatter's object, and leaves it as it was", "[security][create]") {
  const auto name = unique_name("squat");
  constexpr char squatters_bytes[] = "the squatter's bytes";
  const Squatter squatter(name, 8192);
  REQUIRE(squatter.memory() != nullptr);
  std::memcpy(squatter.memory(), squatters_bytes, sizeof squatters_bytes);

  std::error_code ec;
  const auto region = SharedRegion::create(name, 4096, ec);
  CHECK(ec == std::errc::file_exists);
  CHECK_FALSE(region);
  CHECK_THROWS_WITH(SharedRegion::create(name, 4096), NAMEDSHM_CONTAINS("create \"" + name + "\""));
  CHECK(std::memcmp(squatter.memory(), squatters_bytes, sizeof squatters_bytes) == 0);
#if !defined(_WIN32)
  CHECK(ec.value() == EEXIST);
  CHECK((squatter.status().st_mode & 07777) == 0666);  // no fchmod of someone else's object
  CHECK(squatter.status().st_size == 8192);            // no ftruncate either
  CHECK(squatter.still_named());                       // and no unlink
#else
  CHECK(ec.value() == ERROR_ALREADY_EXISTS);
#endif
}

TEST_CASE("open_or_create does open a squatter's object: use create when the creator must be you",
          "[security][open_or_create]") {
  const auto name = unique_name("squat-ooc");
  constexpr char squatters_bytes[] = "the squatter's bytes";
  const Squatter squatter(name, 8192);
  REQUIRE(squatter.memory() != nullptr);
  std::memcpy(squatter.memory(), squatters_bytes, sizeof squatters_bytes);

  auto region = SharedRegion::open_or_create(name, 4096);
  CHECK_FALSE(region.created());  // the documented way to tell
  CHECK(region.size() == 8192);
  CHECK(std::memcmp(region.data(), squatters_bytes, sizeof squatters_bytes) == 0);
  region.close();
#if !defined(_WIN32)
  CHECK((squatter.status().st_mode & 07777) == 0666);
  CHECK(squatter.still_named());  // an opener never removes the name
#endif
}

#if !defined(_WIN32)

TEST_CASE("POSIX: another user opens a region only as far as its permissions let it", "[security][posix]") {
  NAMEDSHM_REQUIRE_OTHER_USER();
  const group* const nogroup = getgrnam("nogroup");
  REQUIRE(nogroup != nullptr);
  struct Row {
    const char* what;
    bool default_options;
    std::uint32_t permissions;
    // The recipe of README.md, outside namedshm: create with 0600, give the object to
    // the child's group (fchown), then widen the mode to `permissions` (fchmod).
    bool group_nogroup;
    int expected;
  };
  const Row rows[] = {
      {"default options (0600)", true, 0600, false, both_denied},
      {"permissions 0644", false, 0644, false, read_only_only},
      {"permissions 0666", false, 0666, false, both_opened},
      {"0640 and group nogroup", true, 0640, true, read_only_only},
      {"0660 and group nogroup", true, 0660, true, both_opened},
      {"permissions 0660, the creator's group", false, 0660, false, both_denied},
  };
  std::uint32_t magic = 0xA11CE;
  for (const Row& row : rows) {
    INFO(row.what << "; the child (nobody:nogroup) explains a 3 on stderr");
    const auto name = unique_name("other-user");
    CreateOptions options;
    if (!row.default_options) options.security.permissions = row.permissions;
    auto region = SharedRegion::create(name, 4096, options);
    region.object<std::uint32_t>() = ++magic;
    if (row.group_nogroup) {
      REQUIRE(fchown(region.native_handle(), static_cast<uid_t>(-1), nogroup->gr_gid) == 0);
      REQUIRE(fchmod(region.native_handle(), static_cast<mode_t>(row.permissions)) == 0);
    }
    CHECK(namedshm_test::run_child_as_nobody("security_try_opens", {name, std::to_string(magic)}) == row.expected);
    if (row.expected == both_opened) CHECK(region.object<std::uint32_t>(4) == magic + 1);  // the child's write
  }
}

#else

TEST_CASE("Windows: a region made with default security has a DACL, never a NULL DACL", "[security][windows]") {
  if (namedshm_test::running_under_wine()) {
    // Wine 8 gap: a section created without a security descriptor gets no DACL at all
    // (GetSecurityInfo reports a null DACL, although the token has a default DACL); Windows
    // applies the creator's default. The SDDL tests below show that Wine keeps explicit DACLs.
    NAMEDSHM_SKIP("Wine 8 gives a section made with default security no DACL; Windows gives the token's default");
  }
  auto region = SharedRegion::create(unique_name("default-dacl"), 4096);
  const Dacl dacl = dacl_of(region.native_handle());
  CHECK(dacl.present);
  CHECK(dacl.entries > 0);
}

TEST_CASE("Windows: an SDDL that grants no one access makes every other open fail with access denied",
          "[security][windows]") {
  for (const char* sddl : {"D:P", "D:(D;;GA;;;WD)"}) {
    INFO("SDDL " << sddl);
    const auto name = unique_name("sddl-deny");
    auto region = create_with_sddl(name, sddl);
    region.object<std::uint32_t>() = 7;  // the creator's handle keeps full access
    CHECK(dacl_of(region.native_handle()).present);
    std::error_code ec;
    CHECK_FALSE(SharedRegion::open(name, ec));
    CHECK(ec == access_denied);
    CHECK(ec == std::errc::permission_denied);
    CHECK_FALSE(ReadOnlyRegion::open(name, ec));
    CHECK(ec == access_denied);
    CHECK(namedshm_test::run_child("security_try_opens", {name, "7"}) == both_denied);  // another process
    CHECK(region.object<std::uint32_t>() == 7);
  }
}

TEST_CASE("Windows: a permissive SDDL lets other opens in, and the object carries that DACL", "[security][windows]") {
  const std::string user = current_user_sid();
  REQUIRE_FALSE(user.empty());
  for (const std::string& sddl : {std::string("D:P(A;;GA;;;WD)"), "D:P(A;;GA;;;" + user + ")"}) {
    INFO("SDDL " << sddl);
    const auto name = unique_name("sddl-allow");
    auto region = create_with_sddl(name, sddl);
    region.object<std::uint32_t>() = 8;
    const Dacl dacl = dacl_of(region.native_handle());
    CHECK(dacl.present);
    CHECK(dacl.entries == 1);
    CHECK(namedshm_test::run_child("security_try_opens", {name, "8"}) == both_opened);
    CHECK(region.object<std::uint32_t>(4) == 9);  // the child's write
  }
}

TEST_CASE("Windows: an SDDL that grants reading only: read-only opens work, read-write opens are denied",
          "[security][windows]") {
  const auto name = unique_name("sddl-read");
  auto region = create_with_sddl(name, "D:P(A;;GR;;;WD)");
  region.object<std::uint32_t>() = 10;
  CHECK(try_opens(name, 10) == read_only_only);
}

TEST_CASE("Windows: security_attributes is used as given, inheritable handle included", "[security][windows]") {
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  REQUIRE(
      ConvertStringSecurityDescriptorToSecurityDescriptorA("D:P(A;;GR;;;WD)", SDDL_REVISION_1, &descriptor, nullptr));
  SECURITY_ATTRIBUTES attributes{sizeof(SECURITY_ATTRIBUTES), descriptor, TRUE};
  CreateOptions options;
  options.security.security_attributes = &attributes;
  const auto name = unique_name("attributes");
  std::error_code ec;
  auto region = SharedRegion::create(name, 4096, options, ec);
  LocalFree(descriptor);  // the object has its own copy
  REQUIRE_FALSE(ec);
  region.object<std::uint32_t>() = 12;
  DWORD flags = 0;
  REQUIRE(GetHandleInformation(static_cast<HANDLE>(region.native_handle()), &flags));
  CHECK((flags & HANDLE_FLAG_INHERIT) != 0);  // the caller asked for it
  CHECK(try_opens(name, 12) == read_only_only);
}

TEST_CASE("Windows: without SECTION_QUERY a read-only open still maps the object, its size in whole pages",
          "[security][windows]") {
  // The DACL grants this user SECTION_MAP_READ (0x0004) and nothing else: no SECTION_QUERY, so
  // NtQuerySection could not give the size; namedshm takes it from the view, and never asks
  // for SECTION_QUERY. The creator keeps full access through its own handle.
  const std::string user = current_user_sid();
  REQUIRE_FALSE(user.empty());
  const auto name = unique_name("no-query");
  auto region = create_with_sddl(name, "D:P(A;;0x0004;;;" + user + ")", 5000);
  region.object<std::uint32_t>() = 13;

  const std::wstring wide(name.begin(), name.end());
  HANDLE queryable = OpenFileMappingW(FILE_MAP_READ | SECTION_QUERY, FALSE, wide.c_str());
  CHECK(queryable == nullptr);  // what namedshm no longer asks for is refused
  CHECK(GetLastError() == ERROR_ACCESS_DENIED);
  if (queryable != nullptr) CloseHandle(queryable);

  std::error_code ec;
  const auto reader = ReadOnlyRegion::open(name, ec);
  REQUIRE_FALSE(ec);
  CHECK(reader.object<std::uint32_t>() == 13);
  CHECK(reader.size() % 4096 == 0);  // the view's extent: whole pages
  CHECK(reader.size() >= 5000);
  CHECK(reader.size() < 5000 + 4096);
  CHECK_FALSE(SharedRegion::open(name, ec));
  CHECK(ec == access_denied);
}

TEST_CASE("Windows: the service recipe's descriptor: interactive users get what IU grants", "[security][windows]") {
  // README.md, "Sharing between a Windows service and a user session".
  const auto recipe_name = unique_name("recipe");
  auto recipe = create_with_sddl(recipe_name, "D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GR;;;IU)");
  CHECK(dacl_of(recipe.native_handle()).entries == 3);
  if (!token_has(WinInteractiveSid) || token_has(WinLocalSystemSid)) {
    NAMEDSHM_SKIP("the IU rows need an interactive user that is not SYSTEM");
  }
  // Without the Administrators entry, so that an administrator (as Wine's user is) gets only
  // what IU grants.
  const auto read_name = unique_name("recipe-read");
  auto readable = create_with_sddl(read_name, "D:P(A;;GA;;;SY)(A;;GR;;;IU)");
  readable.object<std::uint32_t>() = 14;
  CHECK(try_opens(read_name, 14) == read_only_only);
  const auto write_name = unique_name("recipe-write");
  auto writable = create_with_sddl(write_name, "D:P(A;;GA;;;SY)(A;;GRGW;;;IU)");
  writable.object<std::uint32_t>() = 15;
  CHECK(try_opens(write_name, 15) == both_opened);
}

#endif
