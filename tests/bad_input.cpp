// Bad input, as a table: every way a caller can get a call wrong (names, sizes, options, typed
// views, empty regions, objects the caller may not use) fails with exactly its std::error_code
// and an empty result; the throwing overload throws std::system_error with the same code and a
// message that names the operation, the region and the reason; and nothing is left behind: no
// descriptor or handle, no mapped view, no name. README.md lists the same cases.
#include <namedshm/namedshm.hpp>

#include <cstddef>           // std::size_t, std::byte
#include <cstdint>           // std::uint32_t, std::uint64_t, PTRDIFF_MAX
#include <cstdio>            // std::snprintf, std::fprintf: escapes, and a child's report on stderr
#include <exception>         // std::exception, an exception of the wrong type
#include <functional>        // std::function, the operation of a case
#include <initializer_list>  // std::initializer_list, the groups of the table
#include <limits>            // std::numeric_limits, sizes and counts that no region can hold
#include <set>               // std::set, to prove that the cases are distinct
#include <string>            // std::string, names and messages
#include <system_error>      // std::error_code, std::errc, std::system_error, std::system_category
#include <utility>           // std::move, to make moved-from regions
#include <vector>            // std::vector, the table

#include "support/catch.hpp"
#include "support/process.hpp"
#include "support/win32.hpp"

#if defined(_WIN32)
#  include <windows.h>  // CreateEventW, CreateMutexW, CreateSemaphoreW, MapViewOfFile, ERROR_* codes
#else
#  include <fcntl.h>         // O_* flags
#  include <sys/mman.h>      // shm_open, shm_unlink, mmap: objects and views that namedshm did not make
#  include <sys/resource.h>  // getrlimit, setrlimit: RLIMIT_FSIZE
#  include <sys/statvfs.h>   // statvfs: how large /dev/shm is
#  include <unistd.h>        // close, dup, geteuid

#  include <cerrno>  // EACCES, EEXIST, EFBIG, ENOENT, ENOSPC

#  include "support/other_user.hpp"
#endif

using namedshm::CreateOptions;
using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm_test::unique_name;

namespace {

/// One call, made one of two ways: given an error_code, through the error_code overload,
/// returning true if what that returned owns nothing; given null, through the throwing overload.
using Operation = std::function<bool(std::error_code* ec)>;

/// One row of the table.
struct Case {
  std::string what;          ///< what goes wrong, in the words of README.md
  std::string verb;          ///< the operation as the message names it: "create", "view of", ...
  std::string name;          ///< the region's name as the message shows it (UTF-8, unescaped)
  std::error_code expected;  ///< exactly this code: value and category
  std::string words;         ///< what the message must also say (the rule broken); may be empty
  Operation operation;
};

template <namedshm::Access A>
bool owns_nothing(const namedshm::BasicRegion<A>& region) {
  return !region.valid() && region.size() == 0 && region.data() == nullptr && region.name().empty() &&
         !region.created() && region.native_handle() == namedshm::BasicRegion<A>().native_handle();
}
template <class T>
bool owns_nothing(T* element) {
  return element == nullptr;
}
template <class T>
bool owns_nothing(namedshm::Span<T> elements) {
  return elements.data() == nullptr && elements.empty();
}
bool owns_nothing(bool removed) { return !removed; }

/// Turns `call`, a generic lambda `[](auto&... ec) { return f(args..., ec...); }`, into an
/// Operation: called with no argument it is the throwing overload, with one the other.
template <class Call>
Operation both_ways(Call call) {
  return [call](std::error_code* ec) {
    if (ec == nullptr) {
      static_cast<void>(call());
      return true;
    }
    return owns_nothing(call(*ec));
  };
}

constexpr std::size_t max_size = std::numeric_limits<std::size_t>::max();
constexpr auto above_ptrdiff = static_cast<std::size_t>(PTRDIFF_MAX) + 1;

std::error_code generic(std::errc error) { return std::make_error_code(error); }
std::error_code os_code(int value) { return {value, std::system_category()}; }

#if defined(_WIN32)
const std::error_code os_exists = os_code(ERROR_ALREADY_EXISTS);
const std::error_code os_missing = os_code(ERROR_FILE_NOT_FOUND);
const std::error_code os_denied = os_code(ERROR_ACCESS_DENIED);
#else
const std::error_code os_exists = os_code(EEXIST);
const std::error_code os_missing = os_code(ENOENT);
const std::error_code os_denied = os_code(EACCES);
#endif

/// `name` in double quotes with control characters as \xNN, as namedshm's messages show it.
std::string quoted_as_in_messages(const std::string& name) {
  std::string text = "\"";
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\x%02X", static_cast<unsigned>(byte));
      text += escape;
    } else {
      text += c;
    }
  }
  return text + "\"";
}

std::string show(const std::error_code& code) {
  return std::string(code.category().name()) + " " + std::to_string(code.value()) + " (" + code.message() + ")";
}

/// What this process holds of the OS: descriptors (POSIX) or handles (Windows), and mapped views
/// of shared memory.
struct Resources {
  std::size_t handles = namedshm_test::open_handle_count();
  std::size_t views = namedshm_test::mapped_view_count();

  bool operator==(const Resources& other) const { return handles == other.handles && views == other.views; }
  bool operator!=(const Resources& other) const { return !(*this == other); }
  std::string describe() const {
    return std::to_string(handles) + " descriptors or handles, " + std::to_string(views) + " mapped views";
  }
};

/// What a read-only open of `name` reports now: tells whether a failed call left a name behind
/// or took one away.
std::error_code probe(const std::string& name) {
  std::error_code ec;
  static_cast<void>(ReadOnlyRegion::open(name, ec));
  return ec;
}

/// Everything wrong with how `c` fails, one line each; empty if it fails as it should. Uses no
/// Catch2 macro, so that a child process can run it too.
std::string verify(const Case& c) {
  std::vector<std::string> problems;
  const auto problem = [&](const std::string& text) {
    for (const auto& seen : problems) {
      if (seen == text) return;
    }
    problems.push_back(text);
  };
  const std::string heading = "namedshm: " + c.verb + " " + quoted_as_in_messages(c.name);
  const bool may_change_names =
      c.verb == "create" || c.verb == "open_or_create" || c.verb == "remove" || c.verb == "remove_if_stale";
  const std::error_code name_before = may_change_names ? probe(c.name) : std::error_code();

  Resources settled;
  // Round 0 lets one-time set-up happen (the OS's message tables, functions looked up on first
  // use); round 1 must then hold on to nothing.
  for (int round = 0; round < 2; ++round) {
    if (round == 1) settled = Resources();
    std::error_code reported = generic(std::errc::io_error);  // must be overwritten
    const bool empty = c.operation(&reported);
    if (reported != c.expected) {
      problem("error_code overload: reported " + show(reported) + ", expected " + show(c.expected));
    }
    if (!empty) problem("error_code overload: the result is not empty");
    try {
      c.operation(nullptr);
      problem("throwing overload: threw nothing");
    } catch (const std::system_error& error) {
      const std::string what = error.what();
      if (error.code() != c.expected) {
        problem("throwing overload: threw " + show(error.code()) + ", expected " + show(c.expected));
      }
      if (what.rfind(heading, 0) != 0) problem("the message does not start with [" + heading + "]: " + what);
      if (!c.words.empty() && what.find(c.words) == std::string::npos) {
        problem("the message does not say [" + c.words + "]: " + what);
      }
      if (what.find(c.expected.message()) == std::string::npos) {
        problem("the message does not give the reason [" + c.expected.message() + "]: " + what);
      }
    } catch (const std::exception& error) {
      problem(std::string("throwing overload: threw something else than std::system_error: ") + error.what());
    }
  }
  const Resources after;
  if (after != settled) problem("leaked: " + settled.describe() + " before the calls, " + after.describe() + " after");
  if (may_change_names) {
    const std::error_code name_after = probe(c.name);
    if (name_after != name_before) {
      problem("the name changed: a read-only open reported " + show(name_before) + " before, " + show(name_after) +
              " after");
    }
  }
  std::string text;
  for (const auto& line : problems) text += line + "\n";
  return text;
}

/// Checks every case of a table, each under its own description.
void check_cases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    INFO("case: " << c.what << " (" << c.verb << " " << quoted_as_in_messages(c.name) << ")");
    CHECK(verify(c) == "");
  }
}

#if defined(_WIN32)
using namedshm_test::widen;

/// A handle closed when the test ends, passed or failed.
class OwnedHandle {
 public:
  explicit OwnedHandle(HANDLE handle) : handle_(handle) {}
  OwnedHandle(const OwnedHandle&) = delete;
  OwnedHandle& operator=(const OwnedHandle&) = delete;
  ~OwnedHandle() {
    if (handle_ != nullptr) CloseHandle(handle_);
  }
  bool valid() const { return handle_ != nullptr; }

 private:
  HANDLE handle_;
};

SharedRegion create_with_sddl(const std::string& name, const char* sddl) {
  CreateOptions options;
  options.security.security_descriptor = sddl;
  return SharedRegion::create(name, 4096, options);
}
#else
/// Lowers this process's RLIMIT_FSIZE for as long as it lives.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &previous_);
    rlimit lowered = previous_;
    lowered.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &lowered);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;
  ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &previous_); }

 private:
  rlimit previous_{};
};
#endif

/// What the cases work on: a region that exists, empty regions of every origin, and per
/// platform objects that namedshm did not make or may not use. Held for the whole test case.
struct Fixture {
  std::string existing_name = unique_name("bad-existing");
  std::string missing_name = unique_name("bad-missing");
  SharedRegion existing = SharedRegion::create(existing_name, 4096);
  ReadOnlyRegion reader = ReadOnlyRegion::open(existing_name);
  SharedRegion moved_from;
  ReadOnlyRegion moved_from_reader;
  SharedRegion moved_to;
  ReadOnlyRegion moved_to_reader;
  SharedRegion closed = SharedRegion::create(unique_name("bad-closed"), 4096);
  SharedRegion never_opened;
  SharedRegion failed;  // what a failed error_code call handed back
#if defined(_WIN32)
  std::string event_name = unique_name("bad-event");
  std::string mutex_name = unique_name("bad-mutex");
  std::string semaphore_name = unique_name("bad-semaphore");
  OwnedHandle event{CreateEventW(nullptr, TRUE, FALSE, widen(event_name).c_str())};
  OwnedHandle mutex{CreateMutexW(nullptr, FALSE, widen(mutex_name).c_str())};
  OwnedHandle semaphore{CreateSemaphoreW(nullptr, 0, 1, widen(semaphore_name).c_str())};
  std::string locked_name = unique_name("bad-dacl-empty");
  std::string denied_name = unique_name("bad-dacl-deny");
  std::string readable_name = unique_name("bad-dacl-read");
  SharedRegion locked = create_with_sddl(locked_name, "D:P");                  // no access for anyone
  SharedRegion denied = create_with_sddl(denied_name, "D:(D;;GA;;;WD)");       // Everyone denied
  SharedRegion readable = create_with_sddl(readable_name, "D:P(A;;GR;;;WD)");  // Everyone may read
#else
  std::string unsized_name = unique_name("bad-unsized");
  int unsized = shm_open(("/" + unsized_name).c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);  // never ftruncate'd
#endif

  Fixture() {
    moved_from = SharedRegion::create(unique_name("bad-moved"), 4096);
    moved_to = std::move(moved_from);
    moved_from_reader = ReadOnlyRegion::open(existing_name);
    moved_to_reader = std::move(moved_from_reader);
    closed.close();
    std::error_code ec;
    failed = SharedRegion::create(existing_name, 4096, ec);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;
  ~Fixture() {
#if !defined(_WIN32)
    if (unsized != -1) {
      close(unsized);
      shm_unlink(("/" + unsized_name).c_str());
    }
#endif
  }

  /// True if every object was made; a test REQUIREs it before using the table.
  bool ready() const {
#if defined(_WIN32)
    return existing && reader && moved_to && moved_to_reader && event.valid() && mutex.valid() && semaphore.valid() &&
           locked && denied && readable;
#else
    return existing && reader && moved_to && moved_to_reader && unsized != -1;
#endif
  }
};

std::vector<Case> name_cases() {
  constexpr auto invalid = std::errc::invalid_argument;
  const std::string long_name(256, 'n');
  std::string long_in_bytes;  // 86 characters, 258 bytes: the limit counts bytes
  for (int i = 0; i < 86; ++i) long_in_bytes += "\xE4\xB8\x96";
  const std::string nul_inside("ab\0cd", 5);
  const std::string nul_at_end("name-with-its-terminator\0", 25);
  std::wstring wide_name;
  for (const char c : unique_name("bad-wide")) wide_name += static_cast<wchar_t>(c);
  std::string wide_shown(wide_name.begin(), wide_name.end());
  wide_name += static_cast<wchar_t>(0xD800);  // an unpaired surrogate (UTF-16), not a code point (UTF-32)
  wide_shown += "\xEF\xBF\xBD";               // the message shows it as U+FFFD
  const auto create = [](const std::string& name) {
    return both_ways([name](auto&... ec) { return SharedRegion::create(name, 64, ec...); });
  };
  const auto open = [](const std::string& name) {
    return both_ways([name](auto&... ec) { return SharedRegion::open(name, ec...); });
  };
  const auto open_read_only = [](const std::string& name) {
    return both_ways([name](auto&... ec) { return ReadOnlyRegion::open(name, ec...); });
  };
  const auto open_or_create = [](const std::string& name) {
    return both_ways([name](auto&... ec) { return SharedRegion::open_or_create(name, 64, ec...); });
  };
  const auto remove = [](const std::string& name) {
    return both_ways([name](auto&... ec) { return SharedRegion::remove(name, ec...); });
  };
  const auto remove_if_stale = [](const std::string& name) {
    return both_ways([name](auto&... ec) { return SharedRegion::remove_if_stale(name, ec...); });
  };
  return {
      {"empty name", "create", "", generic(invalid), "the name is empty", create("")},
      {"only the Local\\ prefix", "open", "Local\\", generic(invalid), "nothing follows the prefix", open("Local\\")},
      {"only the Global\\ prefix", "open_or_create", "Global\\", generic(invalid), "nothing follows the prefix",
       open_or_create("Global\\")},
      {"256 bytes", "create", long_name, generic(std::errc::filename_too_long), "longer than 255 bytes",
       create(long_name)},
      {"256 bytes after the Local\\ prefix", "open read-only", "Local\\" + long_name,
       generic(std::errc::filename_too_long), "longer than 255 bytes", open_read_only("Local\\" + long_name)},
      {"86 characters but 258 bytes of UTF-8", "open", long_in_bytes, generic(std::errc::filename_too_long),
       "longer than 255 bytes", open(long_in_bytes)},
      {"'/' inside", "create", "a/b", generic(invalid), "'/'", create("a/b")},
      {"a leading '/', as shm_open names are written", "open", "/posix-style", generic(invalid), "'/'",
       open("/posix-style")},
      {"'\\' after the prefix", "open_or_create", "Local\\a\\b", generic(invalid), "'\\' after its prefix",
       open_or_create("Local\\a\\b")},
      {"a prefix that namedshm does not know (Session\\1\\)", "create", "Session\\1\\x", generic(invalid),
       "only Local\\ and Global\\ are prefixes", create("Session\\1\\x")},
      {"NUL inside", "create", nul_inside, generic(invalid), "NUL", create(nul_inside)},
      {"a NUL at the end (a C string's terminator counted in)", "open", nul_at_end, generic(invalid), "NUL",
       open(nul_at_end)},
      {"the name \".\"", "create", ".", generic(invalid), "\".\" or \"..\"", create(".")},
      {"the name \"..\" after a prefix", "open", "Local\\..", generic(invalid), "\".\" or \"..\"", open("Local\\..")},
      {"prefix in the wrong case (local\\)", "create", "local\\x", generic(invalid), "case-sensitive",
       create("local\\x")},
      {"prefix in the wrong case (GLOBAL\\)", "open read-only", "GLOBAL\\x", generic(invalid), "case-sensitive",
       open_read_only("GLOBAL\\x")},
      {"invalid UTF-8: a lone continuation byte", "create", "lone-\x80", generic(invalid), "not valid UTF-8",
       create("lone-\x80")},
      {"invalid UTF-8: an overlong '/' (C0 AF)", "open", "dir\xC0\xAFname", generic(invalid), "not valid UTF-8",
       open("dir\xC0\xAFname")},
      {"invalid UTF-8: an encoded UTF-16 surrogate", "open_or_create", "surrogate-\xED\xA0\x80", generic(invalid),
       "not valid UTF-8", open_or_create("surrogate-\xED\xA0\x80")},
      {"invalid UTF-8: a sequence cut short", "open read-only", "cut-\xE4\xB8", generic(invalid), "not valid UTF-8",
       open_read_only("cut-\xE4\xB8")},
      {"invalid UTF-8: above U+10FFFF", "remove", "above-\xF4\x90\x80\x80", generic(invalid), "not valid UTF-8",
       remove("above-\xF4\x90\x80\x80")},
      {"invalid UTF-8: Latin-1 text", "create", "caf\xE9", generic(invalid), "not valid UTF-8", create("caf\xE9")},
      {"ill-formed wide name (an unpaired surrogate)", "create", wide_shown, generic(invalid),
       "not well-formed Unicode",
       both_ways([wide_name](auto&... ec) { return SharedRegion::create(wide_name, 64, ec...); })},
      {"bad name given to remove_if_stale", "remove_if_stale", "Global\\", generic(invalid),
       "nothing follows the prefix", remove_if_stale("Global\\")},
  };
}

std::vector<Case> existence_cases(const Fixture& f) {
  const std::string& missing = f.missing_name;
  const std::string& existing = f.existing_name;
  return {
      {"open of a missing name", "open", missing, os_missing, "",
       both_ways([missing](auto&... ec) { return SharedRegion::open(missing, ec...); })},
      {"read-only open of a missing name", "open read-only", missing, os_missing, "",
       both_ways([missing](auto&... ec) { return ReadOnlyRegion::open(missing, ec...); })},
      {"create on a name that exists", "create", existing, os_exists, "",
       both_ways([existing](auto&... ec) { return SharedRegion::create(existing, 4096, ec...); })},
  };
}

std::vector<Case> size_cases(const Fixture& f) {
  const std::string& missing = f.missing_name;
  const std::string& existing = f.existing_name;
  return {
      {"size 0", "create", missing, generic(std::errc::invalid_argument), "the size is 0",
       both_ways([missing](auto&... ec) { return SharedRegion::create(missing, 0, ec...); })},
      {"size 0 to open_or_create", "open_or_create", missing, generic(std::errc::invalid_argument), "the size is 0",
       both_ways([missing](auto&... ec) { return SharedRegion::open_or_create(missing, 0, ec...); })},
      {"size SIZE_MAX", "create", missing, generic(std::errc::file_too_large), "larger than the address space",
       both_ways([missing](auto&... ec) { return SharedRegion::create(missing, max_size, ec...); })},
      {"size PTRDIFF_MAX + 1", "open_or_create", missing, generic(std::errc::file_too_large),
       "larger than the address space",
       both_ways([missing](auto&... ec) { return SharedRegion::open_or_create(missing, above_ptrdiff, ec...); })},
      {"open_or_create larger than the existing object", "open_or_create", existing,
       generic(std::errc::invalid_argument), "the existing object has only 4096 bytes",
       both_ways([existing](auto&... ec) { return SharedRegion::open_or_create(existing, 8192, ec...); })},
  };
}

std::vector<Case> option_cases(const Fixture& f) {
  const std::string& missing = f.missing_name;
#if defined(_WIN32)
  static SECURITY_ATTRIBUTES attributes{sizeof(SECURITY_ATTRIBUTES), nullptr, FALSE};
#else
  static const int attributes = 0;  // never read: the check comes first
#endif
  CreateOptions sticky;
  sticky.security.permissions = 01777;
  CreateOptions both_securities;
  both_securities.security.security_attributes = &attributes;
  both_securities.security.security_descriptor = "D:P(A;;GA;;;WD)";
  std::vector<Case> cases{
      {"permissions above 0777 (01777)", "create", missing, generic(std::errc::invalid_argument), "not within 0777",
       both_ways([missing, sticky](auto&... ec) { return SharedRegion::create(missing, 64, sticky, ec...); })},
      {"security_attributes and security_descriptor both given", "create", missing,
       generic(std::errc::invalid_argument), "not both", both_ways([missing, both_securities](auto&... ec) {
         return SharedRegion::create(missing, 64, both_securities, ec...);
       })},
  };
#if defined(_WIN32)
  CreateOptions not_sddl;
  not_sddl.security.security_descriptor = "not sddl";
  CreateOptions not_utf8;
  not_utf8.security.security_descriptor = "D:P(A;;GA;;;WD)\xFF";
  cases.push_back(
      {"security_descriptor that is not SDDL", "create", missing, os_code(ERROR_INVALID_PARAMETER), "not valid SDDL",
       both_ways([missing, not_sddl](auto&... ec) { return SharedRegion::create(missing, 64, not_sddl, ec...); })});
  cases.push_back({"security_descriptor that is not UTF-8", "open_or_create", missing,
                   os_code(ERROR_NO_UNICODE_TRANSLATION), "(SDDL) is not valid UTF-8",
                   both_ways([missing, not_utf8](auto&... ec) {
                     return SharedRegion::open_or_create(missing, 64, not_utf8, ec...);
                   })});
#endif
  return cases;
}

struct alignas(16) Block {
  std::byte bytes[16];
};

std::vector<Case> view_cases(const Fixture& f) {
  const SharedRegion& region = f.existing;
  const ReadOnlyRegion& reader = f.reader;
  const std::string& name = f.existing_name;
  constexpr auto misaligned = std::errc::invalid_argument;
  constexpr auto outside = std::errc::result_out_of_range;
  return {
      {"object<uint32_t> at an odd offset", "view of", name, generic(misaligned), "not aligned",
       both_ways([&region](auto&... ec) { return region.object<std::uint32_t>(2, ec...); })},
      {"array<uint64_t> at an offset aligned for 4, not 8", "view of", name, generic(misaligned), "not aligned",
       both_ways([&region](auto&... ec) { return region.array<std::uint64_t>(12, 2, ec...); })},
      {"object of an alignas(16) type at offset 8", "view of", name, generic(misaligned), "not aligned",
       both_ways([&region](auto&... ec) { return region.object<Block>(8, ec...); })},
      {"read-only object<uint64_t> at offset 4", "view of", name, generic(misaligned), "not aligned",
       both_ways([&reader](auto&... ec) { return reader.object<std::uint64_t>(4, ec...); })},
      {"object at offset == size", "view of", name, generic(outside), "does not fit",
       both_ways([&region](auto&... ec) { return region.object<std::uint32_t>(4096, ec...); })},
      {"array one element too long", "view of", name, generic(outside), "does not fit",
       both_ways([&region](auto&... ec) { return region.array<std::uint32_t>(4, 1024, ec...); })},
      {"empty array at an offset past the end", "view of", name, generic(outside), "does not fit",
       both_ways([&region](auto&... ec) { return region.array<char>(4097, 0, ec...); })},
      {"count overflow: offset + n * sizeof(T) wraps around to 16", "view of", name, generic(outside), "does not fit",
       both_ways([&region](auto&... ec) { return region.array<std::uint64_t>(8, max_size / 8 + 2, ec...); })},
      {"count SIZE_MAX", "view of", name, generic(outside), "does not fit",
       both_ways([&region](auto&... ec) { return region.array<std::byte>(0, max_size, ec...); })},
      {"offset overflow: offset + sizeof(T) wraps around to 0", "view of", name, generic(outside), "does not fit",
       both_ways([&region](auto&... ec) { return region.object<std::uint32_t>(max_size - 3, ec...); })},
      {"read-only array longer than the region", "view of", name, generic(outside), "does not fit",
       both_ways([&reader](auto&... ec) { return reader.array<std::uint32_t>(0, 1025, ec...); })},
  };
}

std::vector<Case> empty_region_cases(const Fixture& f) {
  const SharedRegion& moved_from = f.moved_from;
  const ReadOnlyRegion& moved_from_reader = f.moved_from_reader;
  const SharedRegion& closed = f.closed;
  const SharedRegion& never_opened = f.never_opened;
  const SharedRegion& failed = f.failed;
  const auto empty = generic(std::errc::bad_file_descriptor);
  const char* const words = "the region is empty";
  return {
      {"view of a moved-from region", "view of", "", empty, words,
       both_ways([&moved_from](auto&... ec) { return moved_from.object<std::uint32_t>(0, ec...); })},
      {"view of a moved-from read-only region", "view of", "", empty, words,
       both_ways([&moved_from_reader](auto&... ec) { return moved_from_reader.array<char>(0, 1, ec...); })},
      {"view of a closed region", "view of", "", empty, words,
       both_ways([&closed](auto&... ec) { return closed.object<char>(0, ec...); })},
      {"view of a default-constructed region", "view of", "", empty, words,
       both_ways([&never_opened](auto&... ec) { return never_opened.array<std::uint64_t>(0, 0, ec...); })},
      {"view of the empty region a failed call returned", "view of", "", empty, words,
       both_ways([&failed](auto&... ec) { return failed.object<std::uint32_t>(0, ec...); })},
  };
}

/// Cases that only one platform has.
std::vector<Case> platform_cases(const Fixture& f) {
#if defined(_WIN32)
  const std::string& event = f.event_name;
  const std::string& mutex = f.mutex_name;
  const std::string& semaphore = f.semaphore_name;
  const std::string& locked = f.locked_name;
  const std::string& denied = f.denied_name;
  const std::string& readable = f.readable_name;
  const auto other_kind = os_code(ERROR_INVALID_HANDLE);
  const char* const kind_words = "another kind of object";
  return {
      {"a name that belongs to an event", "open", event, other_kind, kind_words,
       both_ways([event](auto&... ec) { return SharedRegion::open(event, ec...); })},
      {"a name that belongs to a mutex", "create", mutex, other_kind, kind_words,
       both_ways([mutex](auto&... ec) { return SharedRegion::create(mutex, 4096, ec...); })},
      {"a name that belongs to a semaphore", "open read-only", semaphore, other_kind, kind_words,
       both_ways([semaphore](auto&... ec) { return ReadOnlyRegion::open(semaphore, ec...); })},
      {"read-only open of an object whose DACL grants nothing (D:P)", "open read-only", locked, os_denied, "",
       both_ways([locked](auto&... ec) { return ReadOnlyRegion::open(locked, ec...); })},
      {"open of an object whose DACL denies Everyone", "open", denied, os_denied, "",
       both_ways([denied](auto&... ec) { return SharedRegion::open(denied, ec...); })},
      {"read-write open of an object that grants reading only", "open", readable, os_denied, "",
       both_ways([readable](auto&... ec) { return SharedRegion::open(readable, ec...); })},
      {"open_or_create of an object that grants reading only", "open_or_create", readable, os_denied, "",
       both_ways([readable](auto&... ec) { return SharedRegion::open_or_create(readable, 4096, ec...); })},
      {"create on a name whose object you may not open", "create", locked, os_denied, "",
       both_ways([locked](auto&... ec) { return SharedRegion::create(locked, 4096, ec...); })},
  };
#else
  const std::string& unsized = f.unsized_name;
  const std::string& missing = f.missing_name;
  std::vector<Case> cases{
      {"open of an object whose creator never gave it a size", "open", unsized,
       generic(std::errc::resource_unavailable_try_again), "no size",
       both_ways([unsized](auto&... ec) { return SharedRegion::open(unsized, ec...); })},
  };
  rlimit file_size{};
  const bool no_file_size_limit = getrlimit(RLIMIT_FSIZE, &file_size) == 0 && file_size.rlim_cur == RLIM_INFINITY;
  struct statvfs space {};
  if (no_file_size_limit && statvfs("/dev/shm", &space) == 0 && space.f_blocks != 0) {
    // Larger than all of /dev/shm, so larger than its free space whatever other tests use.
    const std::size_t too_large = static_cast<std::size_t>(space.f_blocks) * space.f_frsize + (std::size_t{1} << 30);
    cases.push_back({"size above the free space of /dev/shm (Backing::checked)", "create", missing, os_code(ENOSPC),
                     "(/dev/shm) has less free space than the size", both_ways([missing, too_large](auto&... ec) {
                       return SharedRegion::create(missing, too_large, ec...);
                     })});
  }
  if (no_file_size_limit || file_size.rlim_max >= (rlim_t{1} << 20)) {
    cases.push_back({"size above RLIMIT_FSIZE", "create", missing, os_code(EFBIG), "RLIMIT_FSIZE",
                     both_ways([missing](auto&... ec) {
                       const FileSizeLimit limit(rlim_t{1} << 20);
                       return SharedRegion::create(missing, std::size_t{2} << 20, ec...);
                     })});
  }
  return cases;
#endif
}

#if !defined(_WIN32)
/// Objects whose permissions refuse the caller: run by a child that is not root. `foreign`
/// names an object of another user (mode 0600), or is empty if the child runs as the same user.
std::vector<Case> access_cases(const std::string& unreadable, const std::string& read_only,
                               const std::string& foreign) {
  std::vector<Case> cases{
      {"read-only open of an object whose mode (0000) allows no reading", "open read-only", unreadable, os_denied, "",
       both_ways([unreadable](auto&... ec) { return ReadOnlyRegion::open(unreadable, ec...); })},
      {"read-write open of an object whose mode (0444) allows reading only", "open", read_only, os_denied, "",
       both_ways([read_only](auto&... ec) { return SharedRegion::open(read_only, ec...); })},
      {"open_or_create of an object whose mode (0444) allows reading only", "open_or_create", read_only, os_denied, "",
       both_ways([read_only](auto&... ec) { return SharedRegion::open_or_create(read_only, 64, ec...); })},
      {"remove_if_stale of an object you may not read", "remove_if_stale", unreadable, os_denied, "",
       both_ways([unreadable](auto&... ec) { return SharedRegion::remove_if_stale(unreadable, ec...); })},
      {"create on the name of an object you may not read", "create", unreadable, os_exists, "",
       both_ways([unreadable](auto&... ec) { return SharedRegion::create(unreadable, 64, ec...); })},
  };
  if (!foreign.empty()) {
    cases.push_back({"open of another user's object (default mode 0600)", "open", foreign, os_denied, "",
                     both_ways([foreign](auto&... ec) { return SharedRegion::open(foreign, ec...); })});
    // /dev/shm is sticky, so unlink fails with EPERM; glibc's shm_unlink reports it as EACCES.
    cases.push_back({"remove of another user's object", "remove", foreign, os_denied, "",
                     both_ways([foreign](auto&... ec) { return SharedRegion::remove(foreign, ec...); })});
  }
  return cases;
}
#endif

}  // namespace

#if !defined(_WIN32)
// Runs access_cases(args) and reports each failing case on stderr; exits with their number.
NAMEDSHM_CHILD_SCENARIO(bad_input_access_child) {
  int failed = 0;
  for (const Case& c : access_cases(args.at(0), args.at(1), args.at(2))) {
    const std::string problems = verify(c);
    if (problems.empty()) continue;
    ++failed;
    std::fprintf(stderr, "bad-input case \"%s\" (uid %ld):\n%s", c.what.c_str(), static_cast<long>(geteuid()),
                 problems.c_str());
  }
  return failed;
}
#endif

TEST_CASE("bad names: invalid_argument or filename_too_long with the rule named, nothing left behind",
          "[bad_input][names]") {
  check_cases(name_cases());
}

TEST_CASE("bad existence: create on a taken name, open of a missing one", "[bad_input]") {
  Fixture f;
  REQUIRE(f.ready());
  check_cases(existence_cases(f));
}

TEST_CASE("bad sizes: 0, beyond the address space, more than the existing object has", "[bad_input][sizes]") {
  Fixture f;
  REQUIRE(f.ready());
  check_cases(size_cases(f));
}

TEST_CASE("bad options: permissions, two security settings, SDDL that is not SDDL", "[bad_input][options]") {
  Fixture f;
  REQUIRE(f.ready());
  check_cases(option_cases(f));
}

TEST_CASE("bad typed views: misaligned, out of range, overflowing counts", "[bad_input][views]") {
  Fixture f;
  REQUIRE(f.ready());
  check_cases(view_cases(f));
}

TEST_CASE("views of empty regions: moved from, closed, never opened, failed", "[bad_input][views][moves]") {
  Fixture f;
  REQUIRE(f.ready());
  check_cases(empty_region_cases(f));
}

#if defined(_WIN32)
TEST_CASE("Windows bad input: names of events, mutexes, semaphores, and DACLs that refuse you",
          "[bad_input][windows]") {
  Fixture f;
  REQUIRE(f.ready());
  check_cases(platform_cases(f));
}
#else
TEST_CASE("POSIX bad input: an unsized object, more than /dev/shm holds, RLIMIT_FSIZE", "[bad_input][posix]") {
  Fixture f;
  REQUIRE(f.ready());
  check_cases(platform_cases(f));
}

TEST_CASE("POSIX bad input: objects whose mode refuses you, opened by a child that is not root",
          "[bad_input][posix][access]") {
  const bool root = geteuid() == 0;
  if (root) NAMEDSHM_REQUIRE_OTHER_USER();
  CreateOptions options;
  options.security.permissions = 0;
  const auto unreadable_name = unique_name("bad-mode-0000");
  auto unreadable = SharedRegion::create(unreadable_name, 4096, options);
  options.security.permissions = 0444;
  const auto read_only_name = unique_name("bad-mode-0444");
  auto read_only = SharedRegion::create(read_only_name, 4096, options);
  const auto foreign_name = root ? unique_name("bad-foreign") : std::string();
  SharedRegion foreign;
  if (root) foreign = SharedRegion::create(foreign_name, 4096);

  const namedshm_test::Arguments args{unreadable_name, read_only_name, foreign_name};
  INFO("the child reports each failing case on stderr");
  if (root) {
    CHECK(namedshm_test::run_child_as_nobody("bad_input_access_child", args) == 0);
  } else {
    CHECK(namedshm_test::run_child("bad_input_access_child", args) == 0);
  }
  // The child's failed calls changed nothing here either.
  CHECK(unreadable.object<std::uint32_t>() == 0);
  CHECK(ReadOnlyRegion::open(read_only_name).size() == 4096);
  if (root) CHECK(ReadOnlyRegion::open(foreign_name).valid());
}
#endif

TEST_CASE("the bad-input table has at least 40 distinct cases on this platform", "[bad_input]") {
  Fixture f;
  REQUIRE(f.ready());
  std::vector<Case> all = name_cases();
  for (auto&& group :
       {existence_cases(f), size_cases(f), option_cases(f), view_cases(f), empty_region_cases(f), platform_cases(f)}) {
    all.insert(all.end(), group.begin(), group.end());
  }
#if !defined(_WIN32)
  const auto access = access_cases("unreadable", "read-only", geteuid() == 0 ? "foreign" : "");
  all.insert(all.end(), access.begin(), access.end());
#endif
  std::set<std::string> descriptions;
  for (const Case& c : all) descriptions.insert(c.what);
  INFO(all.size() << " cases");
  CHECK(descriptions.size() == all.size());
  CHECK(all.size() >= 40);
}

TEST_CASE("the bad-input checker catches a wrong code, a wrong name, missing words and a leak", "[bad_input]") {
  const auto missing = unique_name("checker");
  const Operation open_missing = both_ways([missing](auto&... ec) { return SharedRegion::open(missing, ec...); });
  const Case right{"open of a missing name", "open", missing, os_missing, "", open_missing};
  CHECK(verify(right) == "");

  Case wrong_code = right;
  wrong_code.expected = generic(std::errc::invalid_argument);
  CHECK_THAT(verify(wrong_code),
             NAMEDSHM_CONTAINS("error_code overload: reported") && NAMEDSHM_CONTAINS("throwing overload: threw"));
  Case wrong_name = right;
  wrong_name.name = missing + "-other";
  CHECK_THAT(verify(wrong_name), NAMEDSHM_CONTAINS("does not start with"));
  Case wrong_words = right;
  wrong_words.words = "words that no message has";
  CHECK_THAT(verify(wrong_words), NAMEDSHM_CONTAINS("does not say"));

  // An operation that keeps a descriptor or handle on every call, as a leaking error path would.
#if defined(_WIN32)
  std::vector<HANDLE> kept;
  const auto keep_one = [&kept] { kept.push_back(CreateEventW(nullptr, TRUE, FALSE, nullptr)); };
#else
  std::vector<int> kept;
  const auto keep_one = [&kept] { kept.push_back(dup(2)); };
#endif
  Case leaking = right;
  leaking.operation = [&keep_one, open_missing](std::error_code* ec) {
    keep_one();
    return open_missing(ec);
  };
  CHECK_THAT(verify(leaking), NAMEDSHM_CONTAINS("leaked"));
  for (const auto handle : kept) {
#if defined(_WIN32)
    CloseHandle(handle);
#else
    close(handle);
#endif
  }

  // An operation that keeps a mapped view of a region on every call.
  const auto mapped_name = unique_name("checker-mapped");
  const auto mapped = SharedRegion::create(mapped_name, 4096);
#if defined(_WIN32)
  std::vector<void*> views;
  const auto map_one = [&views, &mapped] {
    views.push_back(MapViewOfFile(static_cast<HANDLE>(mapped.native_handle()), FILE_MAP_READ, 0, 0, 0));
  };
#else
  std::vector<void*> views;
  const auto map_one = [&views, &mapped] {
    views.push_back(mmap(nullptr, 4096, PROT_READ, MAP_SHARED, mapped.native_handle(), 0));
  };
#endif
  Case mapping = right;
  mapping.operation = [&map_one, open_missing](std::error_code* ec) {
    map_one();
    return open_missing(ec);
  };
  CHECK_THAT(verify(mapping), NAMEDSHM_CONTAINS("leaked"));  // views only: no descriptor or handle is kept
  for (void* const view : views) {
#if defined(_WIN32)
    UnmapViewOfFile(view);
#else
    munmap(view, 4096);
#endif
  }

  // An operation that creates the name it was supposed to refuse.
  Case creating{"create that succeeds", "create", missing, os_exists, "", both_ways([missing](auto&... ec) {
                  return SharedRegion::create(missing, 64, ec...);
                })};
  CHECK_THAT(verify(creating), NAMEDSHM_CONTAINS("threw nothing") && NAMEDSHM_CONTAINS("not empty"));
}
