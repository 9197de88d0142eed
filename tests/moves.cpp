// Moves and close(): a region is move-only, a move hands the object over whole, a moved-from
// or closed region owns nothing, and every owner releases its object exactly once.
#include <namedshm/namedshm.hpp>

#include <cstddef>       // std::byte, what data() points to
#include <cstdint>       // std::uint32_t, values written through the regions
#include <string>        // std::string, names
#include <system_error>  // std::error_code, std::errc
#include <type_traits>   // the move and copy traits
#include <utility>       // std::move, std::swap
#include <vector>        // std::vector of regions, reallocated while they live

#include "support/catch.hpp"
#include "support/process.hpp"

using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm_test::unique_name;

namespace {

/// True if a new open() finds an object under `name`; fails the test on any other error.
bool name_exists(const std::string& name) {
  std::error_code ec;
  const auto region = SharedRegion::open(name, ec);
  if (ec == std::errc::no_such_file_or_directory) return false;
  INFO("open \"" << name << "\": " << ec.message());
  CHECK_FALSE(ec);
  return region.valid();
}

/// Checks every accessor of a region that must own nothing.
template <class Region>
void check_owns_nothing(const Region& region) {
  CHECK_FALSE(region.valid());
  CHECK_FALSE(region);
  CHECK(region.size() == 0);
  CHECK(region.data() == nullptr);
  CHECK(region.bytes().empty());
  CHECK(region.name().empty());
  CHECK_FALSE(region.created());
  CHECK(region.native_handle() == Region().native_handle());
  std::error_code ec;
  CHECK(region.template object<std::uint32_t>(0, ec) == nullptr);
  CHECK(ec == std::errc::bad_file_descriptor);
}

/// Creates a region and writes `value` at its start; the region leaves through the return.
SharedRegion make_region(const std::string& name, std::uint32_t value) {
  auto region = SharedRegion::create(name, 4096);
  region.object<std::uint32_t>() = value;
  return region;
}

/// Fills a default-constructed region by move assignment, then returns it.
SharedRegion open_or_make(const std::string& name, bool make) {
  SharedRegion region;
  if (make) {
    region = SharedRegion::create(name, 4096);
  } else {
    region = SharedRegion::open(name);
  }
  return region;
}

}  // namespace

TEST_CASE("regions are move-only, and their moves do not throw", "[moves]") {
  static_assert(std::is_nothrow_move_constructible_v<SharedRegion>);
  static_assert(std::is_nothrow_move_assignable_v<SharedRegion>);
  static_assert(std::is_nothrow_destructible_v<SharedRegion>);
  static_assert(!std::is_copy_constructible_v<SharedRegion>);
  static_assert(!std::is_copy_assignable_v<SharedRegion>);
  static_assert(std::is_nothrow_move_constructible_v<ReadOnlyRegion>);
  static_assert(std::is_nothrow_move_assignable_v<ReadOnlyRegion>);
  static_assert(!std::is_copy_constructible_v<ReadOnlyRegion>);
  static_assert(!std::is_copy_assignable_v<ReadOnlyRegion>);
  static_assert(std::is_nothrow_default_constructible_v<SharedRegion>);

  const auto name = unique_name("move");
  auto source = SharedRegion::create(name, 4096);
  source.object<std::uint32_t>() = 11;
  std::byte* const address = source.data();
  const auto handle = source.native_handle();

  SharedRegion target(std::move(source));
  CHECK(target.valid());
  CHECK(target.name() == name);
  CHECK(target.size() == 4096);
  CHECK(target.created());
  CHECK(target.data() == address);  // the same mapping, not a new one
  CHECK(target.native_handle() == handle);
  CHECK(target.object<std::uint32_t>() == 11);
  check_owns_nothing(source);
}

TEST_CASE("a moved-from region owns nothing and releases nothing", "[moves]") {
  const auto name = unique_name("moved-from");
  SharedRegion target;
  {
    auto source = SharedRegion::create(name, 4096);
    target = std::move(source);
    check_owns_nothing(source);
    source.close();  // harmless on an empty region
    check_owns_nothing(source);
  }  // the moved-from source is destroyed here
  CHECK(name_exists(name));
  CHECK(target.valid());

  const auto read_only_name = unique_name("moved-from-ro");
  auto creator = SharedRegion::create(read_only_name, 4096);
  auto reader = ReadOnlyRegion::open(read_only_name);
  ReadOnlyRegion other_reader(std::move(reader));
  check_owns_nothing(reader);
  CHECK(other_reader.valid());
  CHECK(other_reader.name() == read_only_name);
}

TEST_CASE("the last owner after a move releases the object", "[moves]") {
  const auto name = unique_name("last-owner");
  {
    auto first = SharedRegion::create(name, 4096);
    SharedRegion second(std::move(first));
    SharedRegion third;
    third = std::move(second);
    CHECK(name_exists(name));
  }
  // POSIX: the creating region removed the name. Windows: the last handle took the object.
  CHECK_FALSE(name_exists(name));
}

TEST_CASE("move assignment releases the region it replaces", "[moves]") {
  const auto old_name = unique_name("replaced");
  const auto new_name = unique_name("replacing");
  auto region = SharedRegion::create(old_name, 4096);
  auto replacement = SharedRegion::create(new_name, 8192);
  replacement.object<std::uint32_t>() = 22;

  region = std::move(replacement);
  CHECK_FALSE(name_exists(old_name));  // nothing else held it
  CHECK(region.name() == new_name);
  CHECK(region.size() == 8192);
  CHECK(region.object<std::uint32_t>() == 22);
  CHECK(name_exists(new_name));
  check_owns_nothing(replacement);
}

TEST_CASE("move assignment over an opener leaves the creator's object alone", "[moves]") {
  const auto name = unique_name("opener");
  auto creator = SharedRegion::create(name, 4096);
  creator.object<std::uint32_t>() = 33;
  auto opener = SharedRegion::open(name);
  opener = SharedRegion();  // releases the opener only
  check_owns_nothing(opener);
  CHECK(name_exists(name));
  CHECK(SharedRegion::open(name).object<std::uint32_t>() == 33);
}

TEST_CASE("self-move-assignment keeps the region", "[moves]") {
  const auto name = unique_name("self");
  auto region = SharedRegion::create(name, 4096);
  region.object<std::uint32_t>() = 44;
  std::byte* const address = region.data();
  SharedRegion& same = region;  // through a reference, as generic code would do it
  region = std::move(same);
  CHECK(region.valid());
  CHECK(region.data() == address);
  CHECK(region.name() == name);
  CHECK(region.object<std::uint32_t>() == 44);
  CHECK(name_exists(name));
}

TEST_CASE("close() empties the region, releases the object and may be called again", "[moves][close]") {
  const auto name = unique_name("close");
  auto region = SharedRegion::create(name, 4096);
  region.close();
  check_owns_nothing(region);
  CHECK_FALSE(name_exists(name));
  region.close();
  check_owns_nothing(region);

  // A closed region can be given a new object.
  region = SharedRegion::create(name, 4096);
  CHECK(region.valid());
  CHECK(name_exists(name));

  SharedRegion never_opened;
  never_opened.close();
  check_owns_nothing(never_opened);
}

TEST_CASE("close() of an opener leaves the object to its creator", "[moves][close]") {
  const auto name = unique_name("close-opener");
  auto creator = SharedRegion::create(name, 4096);
  auto reader = ReadOnlyRegion::open(name);
  reader.close();
  check_owns_nothing(reader);
  creator.object<std::uint32_t>() = 55;
  CHECK(SharedRegion::open(name).object<std::uint32_t>() == 55);
}

TEST_CASE("a region returned from a function keeps working", "[moves]") {
  const auto name = unique_name("returned");
  auto region = make_region(name, 66);
  CHECK(region.valid());
  CHECK(region.created());
  CHECK(region.object<std::uint32_t>() == 66);
  CHECK(name_exists(name));

  auto opened = open_or_make(name, false);
  CHECK_FALSE(opened.created());
  CHECK(opened.object<std::uint32_t>() == 66);
  const auto other_name = unique_name("returned-2");
  auto made = open_or_make(other_name, true);
  CHECK(made.created());
  CHECK(name_exists(other_name));
}

TEST_CASE("std::swap exchanges two regions", "[moves]") {
  const auto name_a = unique_name("swap-a");
  const auto name_b = unique_name("swap-b");
  auto a = SharedRegion::create(name_a, 4096);
  auto b = SharedRegion::create(name_b, 8192);
  std::byte* const address_a = a.data();
  std::swap(a, b);
  CHECK(a.name() == name_b);
  CHECK(a.size() == 8192);
  CHECK(b.name() == name_a);
  CHECK(b.data() == address_a);
  CHECK(name_exists(name_a));
  CHECK(name_exists(name_b));
}

TEST_CASE("a std::vector of regions keeps every region across reallocation", "[moves]") {
  constexpr std::uint32_t count = 8;
  std::vector<std::string> names;
  std::vector<std::byte*> addresses;
  std::vector<SharedRegion> regions;
  regions.reserve(1);
  for (std::uint32_t i = 0; i < count; ++i) {
    names.push_back(unique_name("vector"));
    regions.push_back(SharedRegion::create(names.back(), 4096));
    regions.back().object<std::uint32_t>() = 100 + i;
    addresses.push_back(regions.back().data());
  }
  REQUIRE(regions.capacity() > 1);  // it did reallocate
  for (std::uint32_t i = 0; i < count; ++i) {
    INFO("region " << i);
    CHECK(regions[i].name() == names[i]);
    CHECK(regions[i].data() == addresses[i]);
    CHECK(regions[i].object<std::uint32_t>() == 100 + i);
    CHECK(SharedRegion::open(names[i]).object<std::uint32_t>() == 100 + i);
  }
  regions.erase(regions.begin());  // moves the others down
  CHECK_FALSE(name_exists(names[0]));
  CHECK(regions.front().name() == names[1]);
  regions.clear();
  for (const auto& name : names) CHECK_FALSE(name_exists(name));
}
