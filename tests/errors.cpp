// The error model: each throwing overload throws std::system_error with the code that its
// error_code twin reports; messages name the operation, the region and the size; OS codes stay
// in std::system_category(), library-detected misuse uses std::generic_category(); remove().
#include <namedshm/namedshm.hpp>

#if defined(_WIN32)
#  include <windows.h>  // CreateEventW, ERROR_* codes
#else
#  include <cerrno>  // ENOENT, EEXIST
#endif

#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint32_t, std::uint64_t
#include <limits>        // std::numeric_limits, a size no process can map
#include <string>        // std::string, messages
#include <system_error>  // std::error_code, std::errc, std::system_error, the categories

#include "support/catch.hpp"
#include "support/process.hpp"
#include "support/win32.hpp"

using Catch::Matchers::StartsWith;
using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm_test::unique_name;

namespace {

/// The std::system_error that `operation` throws; one with an empty code if it throws nothing.
/// Any other exception escapes, and Catch2 reports it as a failure.
template <class Operation>
std::system_error error_thrown_by(Operation&& operation) {
  try {
    operation();
  } catch (const std::system_error& error) {
    return error;
  }
  return std::system_error(std::error_code(), "nothing was thrown");
}

/// what() of the std::system_error that `operation` throws.
template <class Operation>
std::string message_of(Operation&& operation) {
  return error_thrown_by(operation).what();
}

/// Runs the error_code overload and the throwing overload of one call on the same input: the
/// input must fail, and both must report exactly the same code.
template <class WithCode, class Throwing>
void check_twins(WithCode&& with_code, Throwing&& throwing) {
  std::error_code reported;
  with_code(reported);
  REQUIRE(reported);
  CHECK(error_thrown_by(throwing).code() == reported);
}

#if defined(_WIN32)
using namedshm_test::widen;
#endif

}  // namespace

TEST_CASE("each throwing overload throws std::system_error with its error_code twin's code", "[errors]") {
  const auto name = unique_name("twin");
  const auto missing = unique_name("twin-missing");
  auto existing = SharedRegion::create(name, 4096);

  check_twins([&](std::error_code& ec) { return SharedRegion::create(name, 4096, ec); },
              [&] { return SharedRegion::create(name, 4096); });
  check_twins([&](std::error_code& ec) { return SharedRegion::open(missing, ec); },
              [&] { return SharedRegion::open(missing); });
  check_twins([&](std::error_code& ec) { return ReadOnlyRegion::open(missing, ec); },
              [&] { return ReadOnlyRegion::open(missing); });
  check_twins([&](std::error_code& ec) { return SharedRegion::open_or_create(name, 3 * 4096, ec); },
              [&] { return SharedRegion::open_or_create(name, 3 * 4096); });
  check_twins([&](std::error_code& ec) { return SharedRegion::open_or_create(missing, 0, ec); },
              [&] { return SharedRegion::open_or_create(missing, 0); });
  check_twins([&](std::error_code& ec) { return SharedRegion::create("a/b", 64, ec); },
              [&] { return SharedRegion::create("a/b", 64); });
  check_twins([&](std::error_code& ec) { SharedRegion::remove("", ec); }, [&] { SharedRegion::remove(""); });
  check_twins([&](std::error_code& ec) { return existing.object<std::uint64_t>(4, ec); },
              [&] { return existing.object<std::uint64_t>(4); });
  check_twins([&](std::error_code& ec) { return existing.array<char>(4097, 0, ec); },
              [&] { return existing.array<char>(4097, 0); });
  const SharedRegion empty;
  check_twins([&](std::error_code& ec) { return empty.array<int>(0, 1, ec); }, [&] { return empty.array<int>(0, 1); });
}

TEST_CASE("a message starts with namedshm: and names the operation, the quoted name and the size", "[errors]") {
  const auto name = unique_name("message");
  const auto missing = unique_name("message-missing");
  auto existing = SharedRegion::create(name, 4096);
  const std::string quoted = "\"" + name + "\"";

  CHECK_THAT(message_of([&] { return SharedRegion::create(name, 4096); }),
             StartsWith("namedshm: create " + quoted + " (4096 bytes): "));
  CHECK_THAT(
      message_of([&] { return SharedRegion::open_or_create(name, 8192); }),
      StartsWith("namedshm: open_or_create " + quoted + " (8192 bytes): ") && NAMEDSHM_CONTAINS("only 4096 bytes"));
  CHECK_THAT(message_of([&] { return SharedRegion::open(missing); }),
             StartsWith("namedshm: open \"" + missing + "\": "));
  CHECK_THAT(message_of([&] { return ReadOnlyRegion::open(missing); }),
             StartsWith("namedshm: open read-only \"" + missing + "\": "));
  CHECK_THAT(message_of([&] { SharedRegion::remove("a/b"); }),
             StartsWith("namedshm: remove \"a/b\": ") && NAMEDSHM_CONTAINS("'/'"));
  CHECK_THAT(message_of([&] { return SharedRegion::create(missing, 0); }),
             StartsWith("namedshm: create \"" + missing + "\": ") && NAMEDSHM_CONTAINS("the size is 0"));
  // An opener asks for no size, so its message gives none.
  CHECK_THAT(message_of([&] { return SharedRegion::open(missing); }), !NAMEDSHM_CONTAINS("bytes"));
}

TEST_CASE("a view's message names the region, the offset, the element size and the region size", "[errors][views]") {
  const auto name = unique_name("view-message");
  auto region = SharedRegion::create(name, 4096);
  const std::string heading = "namedshm: view of \"" + name + "\" (";

  CHECK_THAT(message_of([&] { return region.object<std::uint32_t>(6); }),
             StartsWith(heading) && NAMEDSHM_CONTAINS("offset 6") && NAMEDSHM_CONTAINS("1 x 4 bytes") &&
                 NAMEDSHM_CONTAINS("the region has 4096 bytes") && NAMEDSHM_CONTAINS("not aligned"));
  CHECK_THAT(message_of([&] { return region.array<std::uint64_t>(4000, 100); }),
             StartsWith(heading) && NAMEDSHM_CONTAINS("offset 4000") && NAMEDSHM_CONTAINS("100 x 8 bytes") &&
                 NAMEDSHM_CONTAINS("the region has 4096 bytes") && NAMEDSHM_CONTAINS("does not fit"));
  const SharedRegion empty;
  CHECK_THAT(message_of([&] { return empty.object<int>(); }),
             StartsWith("namedshm: view of \"\"") && NAMEDSHM_CONTAINS("the region is empty"));
}

TEST_CASE("an OS failure keeps the OS's own code in std::system_category", "[errors]") {
  const auto name = unique_name("os-code");
  std::error_code ec;
  CHECK_FALSE(SharedRegion::open(name, ec));
  CHECK(ec.category() == std::system_category());
  CHECK(ec == std::errc::no_such_file_or_directory);
#if defined(_WIN32)
  CHECK(ec.value() == ERROR_FILE_NOT_FOUND);
#else
  CHECK(ec.value() == ENOENT);
#endif
  const std::system_error error = error_thrown_by([&] { return ReadOnlyRegion::open(name); });
  CHECK(error.code() == ec);
  CHECK_THAT(std::string(error.what()), NAMEDSHM_CONTAINS(ec.message()));  // the OS's reason

  auto existing = SharedRegion::create(name, 64);
  CHECK_FALSE(SharedRegion::create(name, 64, ec));
  CHECK(ec.category() == std::system_category());
  CHECK(ec == std::errc::file_exists);
#if defined(_WIN32)
  CHECK(ec.value() == ERROR_ALREADY_EXISTS);
#else
  CHECK(ec.value() == EEXIST);
#endif
}

TEST_CASE("misuse that namedshm detects itself is reported in std::generic_category", "[errors]") {
  const auto name = unique_name("generic");
  auto region = SharedRegion::create(name, 4096);
  const auto missing = unique_name("generic-missing");
  std::error_code ec;

  CHECK_FALSE(SharedRegion::create(missing, 0, ec));
  CHECK(ec == std::make_error_code(std::errc::invalid_argument));
  CHECK_FALSE(SharedRegion::open("Local\\", ec));
  CHECK(ec == std::make_error_code(std::errc::invalid_argument));
  CHECK_FALSE(SharedRegion::open(std::string(300, 'n'), ec));
  CHECK(ec == std::make_error_code(std::errc::filename_too_long));
  CHECK_FALSE(SharedRegion::create(missing, std::numeric_limits<std::size_t>::max(), ec));
  CHECK(ec == std::make_error_code(std::errc::file_too_large));
  namedshm::CreateOptions options;
  options.security.permissions = 01777;  // only the 0777 bits mean something for shared memory
  CHECK_FALSE(SharedRegion::create(missing, 64, options, ec));
  CHECK(ec == std::make_error_code(std::errc::invalid_argument));
  CHECK_THROWS_WITH(SharedRegion::create(missing, 64, options), NAMEDSHM_CONTAINS("0777"));

  CHECK(region.object<std::uint32_t>(2, ec) == nullptr);
  CHECK(ec == std::make_error_code(std::errc::invalid_argument));
  CHECK(region.array<char>(5000, 1, ec).empty());
  CHECK(ec == std::make_error_code(std::errc::result_out_of_range));
  CHECK(SharedRegion().object<int>(0, ec) == nullptr);
  CHECK(ec == std::make_error_code(std::errc::bad_file_descriptor));
  CHECK(ec.category() == std::generic_category());

  std::error_code not_found;
  static_cast<void>(SharedRegion::open(missing, not_found));  // none of the refused calls above created anything
  CHECK(not_found == std::errc::no_such_file_or_directory);
}

TEST_CASE("the error_code overloads never throw, return an empty region on failure, clear the code on success",
          "[errors]") {
  const auto name = unique_name("ec-overloads");
  std::error_code ec;
  static_assert(noexcept(SharedRegion::create(name, 64, ec)));
  static_assert(noexcept(SharedRegion::create(name, 64, namedshm::CreateOptions{}, ec)));
  static_assert(noexcept(SharedRegion::open(name, ec)));
  static_assert(noexcept(SharedRegion::open_or_create(name, 64, ec)));
  static_assert(noexcept(SharedRegion::open_or_create(name, 64, namedshm::CreateOptions{}, ec)));
  static_assert(noexcept(SharedRegion::remove(name, ec)));
  static_assert(noexcept(ReadOnlyRegion::open(name, ec)));
  static_assert(!noexcept(SharedRegion::create(name, 64)));
  static_assert(!noexcept(SharedRegion::remove(name)));

  auto existing = SharedRegion::create(name, 4096);
  const auto failed = SharedRegion::open_or_create(name, 8192, ec);  // the object is smaller
  CHECK(ec == std::errc::invalid_argument);
  CHECK_FALSE(failed.valid());
  CHECK(failed.name().empty());
  CHECK(failed.size() == 0);
  CHECK(failed.data() == nullptr);
  CHECK_FALSE(SharedRegion::create(name, 4096, ec).valid());
  CHECK(ec == std::errc::file_exists);

  ec = std::make_error_code(std::errc::io_error);
  CHECK(SharedRegion::open_or_create(name, 4096, ec).valid());
  CHECK_FALSE(ec);
  ec = std::make_error_code(std::errc::io_error);
  CHECK(ReadOnlyRegion::open(name, ec).valid());
  CHECK_FALSE(ec);
  ec = std::make_error_code(std::errc::io_error);
  SharedRegion::remove(unique_name("ec-missing"), ec);
  CHECK_FALSE(ec);
}

TEST_CASE("remove() reports a bad name as an error, a missing name as false", "[errors][remove]") {
  const auto missing = unique_name("remove-missing");
  std::error_code ec = std::make_error_code(std::errc::io_error);
  CHECK_FALSE(SharedRegion::remove(missing, ec));
  CHECK_FALSE(ec);
  CHECK_NOTHROW(SharedRegion::remove(missing));
  CHECK_FALSE(SharedRegion::remove("Local\\" + missing));

  CHECK_FALSE(SharedRegion::remove("Local\\a\\b", ec));
  CHECK(ec == std::make_error_code(std::errc::invalid_argument));
  CHECK_THROWS_AS(SharedRegion::remove("Local\\a\\b"), std::system_error);
  CHECK_FALSE(SharedRegion::remove(std::string(256, 'n'), ec));
  CHECK(ec == std::make_error_code(std::errc::filename_too_long));
}

#if !defined(_WIN32)
TEST_CASE("POSIX: remove() deletes a kept name once, then finds nothing without an error", "[errors][remove]") {
  const auto name = unique_name("keep");
  namedshm::CreateOptions options;
  options.keep_name = true;
  SharedRegion::create(name, 4096, options).object<std::uint32_t>() = 5;  // the creator is gone at once
  CHECK(SharedRegion::open(name).object<std::uint32_t>() == 5);           // the name outlived it

  std::error_code ec = std::make_error_code(std::errc::io_error);
  CHECK(SharedRegion::remove(name, ec));
  CHECK_FALSE(ec);
  ec = std::make_error_code(std::errc::io_error);
  CHECK_FALSE(SharedRegion::remove(name, ec));  // nothing left: false, and no error
  CHECK_FALSE(ec);
  CHECK_FALSE(SharedRegion::remove(name));  // the throwing overload does not throw either
  static_cast<void>(SharedRegion::open(name, ec));
  CHECK(ec == std::errc::no_such_file_or_directory);
}
#else
TEST_CASE("Windows: remove() returns false without an error and the object lives on", "[errors][remove]") {
  const auto name = unique_name("remove");
  auto region = SharedRegion::create(name, 4096);
  region.object<std::uint32_t>() = 5;
  std::error_code ec = std::make_error_code(std::errc::io_error);
  CHECK_FALSE(SharedRegion::remove(name, ec));
  CHECK_FALSE(ec);
  CHECK_FALSE(SharedRegion::remove(name));
  CHECK(SharedRegion::open(name).object<std::uint32_t>() == 5);
}

TEST_CASE("Windows: access denied on creating a Global object explains the privilege", "[errors][windows]") {
  // Wine lets every process create Global\ objects (it does not check SeCreateGlobalPrivilege),
  // so the hint is tested through the function that chooses it.
  using namedshm::detail::check_name;
  using namedshm::detail::os::hint_for;
  const auto global = check_name("Global\\x").parts;
  const char* const hint = hint_for(ERROR_ACCESS_DENIED, global, true);
  REQUIRE(hint != nullptr);
  CHECK_THAT(std::string(hint), NAMEDSHM_CONTAINS("SeCreateGlobalPrivilege"));
  CHECK(hint_for(ERROR_ACCESS_DENIED, global, false) == nullptr);  // opening needs no privilege
  CHECK(hint_for(ERROR_ACCESS_DENIED, check_name("Local\\x").parts, true) == nullptr);
}

TEST_CASE("Windows: a name that belongs to an event is another kind of object", "[errors][windows]") {
  const auto name = unique_name("event");
  const HANDLE event = CreateEventW(nullptr, TRUE, FALSE, widen(name).c_str());
  REQUIRE(event != nullptr);
  std::error_code ec;
  CHECK_FALSE(SharedRegion::open(name, ec));
  CHECK(ec.category() == std::system_category());
  CHECK(ec.value() == ERROR_INVALID_HANDLE);
  CHECK_THAT(message_of([&] { return SharedRegion::open(name); }), NAMEDSHM_CONTAINS("another kind of object"));
  CHECK_FALSE(SharedRegion::create(name, 4096, ec));
  CHECK(ec.value() == ERROR_INVALID_HANDLE);
  CHECK_THAT(message_of([&] { return SharedRegion::create(name, 4096); }), NAMEDSHM_CONTAINS("another kind of object"));
  CloseHandle(event);
}
#endif
