// create / open / open_or_create: what each does with existing and missing names, and sizes.
#include <namedshm/namedshm.hpp>

#include <cstring>  // std::memcmp

#include "support/catch.hpp"
#include "support/process.hpp"

using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm_test::unique_name;

TEST_CASE("create makes a zero-filled region of the requested size", "[create]") {
  const auto name = unique_name("create");
  auto region = SharedRegion::create(name, 1000);
  REQUIRE(region.valid());
  CHECK(region.created());
  CHECK(region.size() == 1000);
  CHECK(region.name() == name);
  CHECK(region.native_handle() != decltype(region)::native_handle_type{});
  for (const std::byte b : region.bytes()) REQUIRE(b == std::byte{0});
}

TEST_CASE("create fails with file_exists and leaves the existing object alone", "[create]") {
  const auto name = unique_name("exists");
  auto first = SharedRegion::create(name, 64);
  first.object<std::uint32_t>() = 0xC0FFEEU;

  std::error_code ec;
  auto second = SharedRegion::create(name, 64, ec);
  CHECK(ec == std::errc::file_exists);
  CHECK_FALSE(second.valid());
  CHECK(second.size() == 0);
  CHECK_THROWS_WITH(SharedRegion::create(name, 64), NAMEDSHM_CONTAINS(name));
  CHECK(first.object<std::uint32_t>() == 0xC0FFEEU);
  // The failed create removed nothing: a new opener still finds the first object.
  CHECK(SharedRegion::open(name).object<std::uint32_t>() == 0xC0FFEEU);
}

TEST_CASE("open fails with no_such_file_or_directory for a missing name", "[open]") {
  const auto name = unique_name("missing");
  std::error_code ec;
  auto region = SharedRegion::open(name, ec);
  CHECK(ec == std::errc::no_such_file_or_directory);
  CHECK_FALSE(region);
  auto read_only = ReadOnlyRegion::open(name, ec);
  CHECK(ec == std::errc::no_such_file_or_directory);
  CHECK_FALSE(read_only);
}

TEST_CASE("open maps the whole existing object and sees the creator's writes", "[open]") {
  const auto name = unique_name("open");
  auto creator = SharedRegion::create(name, 8192);
  creator.array<char>(4000, 6)[0] = 'x';
  auto opener = SharedRegion::open(name);
  CHECK_FALSE(opener.created());
  CHECK(opener.size() == 8192);  // a whole number of pages: exact on every platform
  CHECK(opener.array<char>(4000, 6)[0] == 'x');
  opener.object<char>(8191) = 'y';  // and the other way round
  CHECK(creator.object<char>(8191) == 'y');
}

TEST_CASE("open of an object whose size is not whole pages", "[open]") {
  const auto name = unique_name("odd-size");
  auto creator = SharedRegion::create(name, 100);
  auto opener = SharedRegion::open(name);
#if defined(_WIN32)
  // Windows rounds a section up to whole pages, and so does Wine 8: the view of all of it is
  // one 4 KiB page.
  CHECK(opener.size() == 4096);
#else
  CHECK(opener.size() == 100);  // fstat is exact
#endif
}

TEST_CASE("open_or_create creates once, then opens", "[open_or_create]") {
  const auto name = unique_name("ooc");
  auto first = SharedRegion::open_or_create(name, 4096);
  CHECK(first.created());
  first.object<int>() = 17;
  auto second = SharedRegion::open_or_create(name, 4096);
  CHECK_FALSE(second.created());
  CHECK(second.object<int>() == 17);
  CHECK(second.size() == 4096);
}

TEST_CASE("open_or_create accepts an existing object at least as large as asked", "[open_or_create]") {
  const auto name = unique_name("ooc-larger");
  auto first = SharedRegion::create(name, 8192);
  auto second = SharedRegion::open_or_create(name, 100);
  CHECK_FALSE(second.created());
  CHECK(second.size() == 8192);  // the object's size, not the request
}

TEST_CASE("open_or_create refuses an existing object smaller than asked, naming both sizes", "[open_or_create]") {
  const auto name = unique_name("ooc-smaller");
  auto first = SharedRegion::create(name, 4096);
  std::error_code ec;
  auto second = SharedRegion::open_or_create(name, 3 * 4096, ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK_FALSE(second);
  CHECK_THROWS_WITH(SharedRegion::open_or_create(name, 3 * 4096), NAMEDSHM_CONTAINS("12288 bytes") &&
                                                                      NAMEDSHM_CONTAINS("only 4096 bytes") &&
                                                                      NAMEDSHM_CONTAINS(name));
}

TEST_CASE("a size of 0 is refused before any system call", "[create][open_or_create]") {
  const auto name = unique_name("zero");
  std::error_code ec;
  CHECK_FALSE(SharedRegion::create(name, 0, ec));
  CHECK(ec == std::errc::invalid_argument);
  CHECK_FALSE(SharedRegion::open_or_create(name, 0, ec));
  CHECK(ec == std::errc::invalid_argument);
  CHECK_THROWS_WITH(SharedRegion::create(name, 0), NAMEDSHM_CONTAINS("the size is 0"));
  static_cast<void>(SharedRegion::open(name, ec));  // and nothing was created
  CHECK(ec == std::errc::no_such_file_or_directory);
}

TEST_CASE("a size no process could map is refused", "[create]") {
  const auto name = unique_name("huge");
  std::error_code ec;
  CHECK_FALSE(SharedRegion::create(name, static_cast<std::size_t>(-1), ec));
  CHECK(ec == std::errc::file_too_large);
  CHECK_FALSE(SharedRegion::open_or_create(name, static_cast<std::size_t>(-1) / 2 + 1, ec));
  CHECK(ec == std::errc::file_too_large);
}

TEST_CASE("the error_code overloads clear the code on success", "[create][open]") {
  const auto name = unique_name("clear-ec");
  std::error_code ec = std::make_error_code(std::errc::io_error);
  auto region = SharedRegion::create(name, 64, ec);
  CHECK_FALSE(ec);
  ec = std::make_error_code(std::errc::io_error);
  auto opened = ReadOnlyRegion::open(name, ec);
  CHECK_FALSE(ec);
  CHECK(opened.valid());
}

TEST_CASE("read-only and read-write openers share one object", "[open]") {
  const auto name = unique_name("shared");
  auto writer = SharedRegion::create(name, 256);
  auto reader = ReadOnlyRegion::open(name);
  std::memcpy(writer.data(), "hello", 6);
  CHECK(std::memcmp(reader.data(), "hello", 6) == 0);
  CHECK(reader.access() == namedshm::Access::read_only);
  CHECK(writer.access() == namedshm::Access::read_write);
}
