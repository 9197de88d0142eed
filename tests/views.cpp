// Typed views: object<T>, array<T>, bytes(), data(); their checks (alignment, bounds, empty
// regions), const views of read-only regions, namedshm::Span, atomics shared between mappings.
#include <namedshm/namedshm.hpp>

#include <atomic>        // std::atomic counters in shared memory
#include <cstddef>       // std::byte, std::size_t
#include <cstdint>       // fixed-width integers, std::uintptr_t
#include <cstring>       // std::memcpy, to read bytes behind a typed view
#include <limits>        // std::numeric_limits, counts that overflow
#include <string>        // std::string, a label read back
#include <system_error>  // std::error_code, std::errc, std::system_error
#include <type_traits>   // std::is_same_v, std::is_const_v, the shareability checks

#if NAMEDSHM_HAS_STD_SPAN
#  include <span>  // std::span, which views convert to under C++20
#endif

#include "support/catch.hpp"
#include "support/process.hpp"

using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm::Span;
using namedshm_test::unique_name;

namespace {

struct Sample {
  std::int32_t id;
  double value;
  char label[8];
};

struct alignas(16) Block {
  std::byte bytes[16];
};

/// Not trivially copyable under every compiler (std::atomic members), so it is opted in below.
struct Tally {
  std::atomic<std::uint32_t> hits;
  std::atomic<std::uint64_t> bytes;
  std::uint32_t flags;
};

constexpr std::size_t max_size = std::numeric_limits<std::size_t>::max();

const void* address(const void* pointer) { return pointer; }

}  // namespace

namespace namedshm {
template <>
struct enable_sharing<Tally> : std::true_type {};
}  // namespace namedshm

// Plain values, structs of them and arrays of both may live in shared memory.
static_assert(namedshm::is_shareable_v<int>);
static_assert(namedshm::is_shareable_v<const int>);
static_assert(namedshm::is_shareable_v<Sample>);
static_assert(namedshm::is_shareable_v<int[4]>);
static_assert(namedshm::is_shareable_v<Sample[2][3]>);
// Always-lock-free atomics, arrays of them, and a struct opted in with enable_sharing.
static_assert(namedshm::is_shareable_v<std::atomic<std::uint32_t>>);
static_assert(namedshm::is_shareable_v<std::atomic<std::uint64_t>>);
static_assert(namedshm::is_shareable_v<std::atomic<std::uint32_t>[4]>);
static_assert(namedshm::is_shareable_v<Tally>);
// What another process could not use: heap pointers, vtables, references, a lock-based atomic.
struct WithVirtual {
  virtual ~WithVirtual() = default;
  int value = 0;
};
struct Large {
  char bytes[64];
};
static_assert(!namedshm::is_shareable_v<std::string>);
static_assert(!namedshm::is_shareable_v<WithVirtual>);
static_assert(!namedshm::is_shareable_v<int&>);
static_assert(!namedshm::is_shareable_v<std::atomic<Large>>);

TEST_CASE("typed views point into the mapping at the requested offset", "[views]") {
  auto region = SharedRegion::create(unique_name("addr"), 4096);
  std::byte* const base = region.data();
  REQUIRE(base != nullptr);
  CHECK(reinterpret_cast<std::uintptr_t>(base) % 4096 == 0);  // a whole page
  CHECK(address(&region.object<std::uint64_t>()) == address(base));
  CHECK(address(&region.object<std::uint32_t>(8)) == address(base + 8));
  const Span<std::uint16_t> cells = region.array<std::uint16_t>(100, 10);
  CHECK(address(cells.data()) == address(base + 100));
  CHECK(cells.size() == 10);
  const Span<std::byte> all = region.bytes();
  CHECK(all.data() == base);
  CHECK(all.size() == 4096);

  region.object<std::uint32_t>(8) = 0x01020304U;
  std::uint32_t copy = 0;
  std::memcpy(&copy, base + 8, sizeof copy);
  CHECK(copy == 0x01020304U);
  CHECK(all[8] == base[8]);
}

TEST_CASE("typed writes are seen through a second region on the same name", "[views]") {
  const auto name = unique_name("typed");
  auto writer = SharedRegion::create(name, 4096);
  auto reader = ReadOnlyRegion::open(name);
  auto other_writer = SharedRegion::open(name);

  Sample& sample = writer.object<Sample>(64);
  sample.id = -7;
  sample.value = 2.5;
  std::memcpy(sample.label, "sample", 7);
  const Sample& seen = reader.object<Sample>(64);
  CHECK(&seen != &sample);  // another mapping of the same memory
  CHECK(seen.id == -7);
  CHECK(seen.value == 2.5);
  CHECK(std::string(seen.label) == "sample");

  const Span<std::uint64_t> cells = other_writer.array<std::uint64_t>(1024, 4);
  cells[3] = 0xFEEDFACECAFEBEEFULL;
  CHECK(writer.array<std::uint64_t>(1024, 4)[3] == 0xFEEDFACECAFEBEEFULL);
  CHECK(reader.object<std::uint64_t>(1024 + 3 * 8) == 0xFEEDFACECAFEBEEFULL);
}

TEST_CASE("a view at an offset not aligned for its type is refused", "[views]") {
  auto region = SharedRegion::create(unique_name("align"), 4096);
  std::error_code ec;
  CHECK(region.object<std::uint32_t>(2, ec) == nullptr);
  CHECK(ec == std::errc::invalid_argument);
  CHECK(region.array<std::uint64_t>(12, 2, ec).empty());
  CHECK(ec == std::errc::invalid_argument);
  CHECK(region.object<Block>(8, ec) == nullptr);  // alignas(16)
  CHECK(ec == std::errc::invalid_argument);
  CHECK_THROWS_AS(region.object<std::uint32_t>(2), std::system_error);
  CHECK_THROWS_WITH(region.array<std::uint64_t>(12, 2), NAMEDSHM_CONTAINS("not aligned"));

  // Aligned offsets work, and any offset suits a type aligned to 1.
  CHECK(region.object<Block>(16, ec) != nullptr);
  CHECK_FALSE(ec);
  CHECK(region.object<std::uint64_t>(8, ec) != nullptr);
  CHECK_FALSE(ec);
  CHECK(region.array<char>(3, 5, ec).size() == 5);
  CHECK_FALSE(ec);
}

TEST_CASE("a view must lie inside the region, and its end is a valid empty view", "[views]") {
  auto region = SharedRegion::create(unique_name("bounds"), 4096);
  std::error_code ec = std::make_error_code(std::errc::io_error);
  const Span<std::uint32_t> at_end = region.array<std::uint32_t>(4096, 0, ec);
  CHECK_FALSE(ec);
  CHECK(at_end.empty());
  CHECK(region.array<std::uint32_t>(4096, 0).empty());  // the throwing overload does not throw
  CHECK(address(&region.object<std::uint32_t>(4092)) == address(region.data() + 4092));  // the last one
  CHECK(region.array<std::uint32_t>(0, 1024).size() == 1024);                            // all of it

  CHECK(region.object<std::uint32_t>(4096, ec) == nullptr);
  CHECK(ec == std::errc::result_out_of_range);
  CHECK(region.array<char>(4097, 0, ec).empty());  // the offset alone is past the end
  CHECK(ec == std::errc::result_out_of_range);
  CHECK(region.array<std::uint32_t>(0, 1025, ec).empty());
  CHECK(ec == std::errc::result_out_of_range);
  CHECK(region.array<std::uint32_t>(4, 1024, ec).empty());  // one element too many from offset 4
  CHECK(ec == std::errc::result_out_of_range);
  CHECK_THROWS_WITH(region.array<std::uint32_t>(0, 1025), NAMEDSHM_CONTAINS("does not fit"));
}

TEST_CASE("huge offsets and counts are refused, never wrapped around", "[views]") {
  auto region = SharedRegion::create(unique_name("overflow"), 4096);
  std::error_code ec;
  CHECK(region.array<std::uint64_t>(8, max_size / 2, ec).empty());
  CHECK(ec == std::errc::result_out_of_range);
  // (max / 8 + 2) * 8 wraps to 8: a check of offset + count * sizeof(T) <= size would pass.
  CHECK(region.array<std::uint64_t>(8, max_size / 8 + 2, ec).empty());
  CHECK(ec == std::errc::result_out_of_range);
  CHECK(region.array<std::byte>(0, max_size, ec).empty());
  CHECK(ec == std::errc::result_out_of_range);
  // offset + sizeof(T) wraps to 0.
  CHECK(region.object<std::uint32_t>(max_size - 3, ec) == nullptr);
  CHECK(ec == std::errc::result_out_of_range);
  CHECK(region.array<char>(max_size, 1, ec).empty());
  CHECK(ec == std::errc::result_out_of_range);
  CHECK_THROWS_AS(region.array<std::uint64_t>(8, max_size / 8 + 2), std::system_error);
}

TEST_CASE("views of an empty region fail with bad_file_descriptor", "[views]") {
  const SharedRegion empty;
  const ReadOnlyRegion empty_read_only;
  CHECK(empty.data() == nullptr);
  CHECK(empty.bytes().empty());
  CHECK(empty.bytes().data() == nullptr);
  CHECK(empty_read_only.bytes().empty());

  std::error_code ec;
  CHECK(empty.object<int>(0, ec) == nullptr);
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK(empty.array<int>(0, 0, ec).empty());  // even an empty view needs a region
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK(empty_read_only.object<int>(0, ec) == nullptr);
  CHECK(ec == std::errc::bad_file_descriptor);
  CHECK_THROWS_WITH(empty.object<int>(), NAMEDSHM_CONTAINS("the region is empty"));
  CHECK_THROWS_AS(empty_read_only.array<int>(0, 1), std::system_error);
}

TEST_CASE("the error_code overloads of views set the code on failure and clear it on success", "[views]") {
  auto region = SharedRegion::create(unique_name("view-ec"), 4096);
  std::error_code ec;
  static_assert(noexcept(region.object<int>(0, ec)));
  static_assert(noexcept(region.array<int>(0, 1, ec)));
  static_assert(noexcept(region.bytes()));
  static_assert(noexcept(region.data()));
  static_assert(!noexcept(region.object<int>(0)));
  static_assert(!noexcept(region.array<int>(0, 1)));

  const Span<int> failed = region.array<int>(4094, 1, ec);
  CHECK(ec == std::errc::result_out_of_range);
  CHECK(failed.data() == nullptr);
  CHECK(failed.size() == 0);
  CHECK(region.object<int>(1, ec) == nullptr);
  CHECK(ec == std::errc::invalid_argument);

  int* const first = region.object<int>(0, ec);  // a stale code is cleared
  CHECK_FALSE(ec);
  CHECK(address(first) == address(region.data()));
  ec = std::make_error_code(std::errc::io_error);
  const Span<int> cells = region.array<int>(16, 4, ec);
  CHECK_FALSE(ec);
  CHECK(cells.size() == 4);
  CHECK(address(cells.data()) == address(region.data() + 16));
}

TEST_CASE("views of a ReadOnlyRegion are const, views of a SharedRegion are not", "[views]") {
  const auto name = unique_name("const");
  auto writer = SharedRegion::create(name, 4096);
  auto reader = ReadOnlyRegion::open(name);
  std::error_code ec;

  static_assert(std::is_same_v<decltype(reader.object<std::uint32_t>()), const std::uint32_t&>);
  static_assert(std::is_same_v<decltype(reader.object<std::uint32_t>(0, ec)), const std::uint32_t*>);
  static_assert(std::is_same_v<decltype(reader.array<std::uint32_t>(0, 1)), Span<const std::uint32_t>>);
  static_assert(std::is_same_v<decltype(reader.array<std::uint32_t>(0, 1, ec)), Span<const std::uint32_t>>);
  static_assert(std::is_same_v<decltype(reader.bytes()), Span<const std::byte>>);
  static_assert(std::is_same_v<decltype(reader.data()), const std::byte*>);
  static_assert(std::is_const_v<std::remove_reference_t<decltype(reader.object<Sample>())>>);

  static_assert(std::is_same_v<decltype(writer.object<std::uint32_t>()), std::uint32_t&>);
  static_assert(std::is_same_v<decltype(writer.object<std::uint32_t>(0, ec)), std::uint32_t*>);
  static_assert(std::is_same_v<decltype(writer.array<std::uint32_t>(0, 1)), Span<std::uint32_t>>);
  static_assert(std::is_same_v<decltype(writer.bytes()), Span<std::byte>>);
  static_assert(std::is_same_v<decltype(writer.data()), std::byte*>);
  static_assert(!std::is_const_v<std::remove_reference_t<decltype(writer.object<Sample>())>>);

  writer.array<std::uint32_t>(0, 2)[1] = 99;
  CHECK(reader.array<std::uint32_t>(0, 2)[1] == 99);
  CHECK(reader.bytes().size() == writer.bytes().size());
}

TEST_CASE("namedshm::Span: size, iteration, indexing, conversion to const", "[views][span]") {
  auto region = SharedRegion::create(unique_name("span"), 4096);
  const Span<std::uint32_t> cells = region.array<std::uint32_t>(64, 8);
  CHECK(cells.size() == 8);
  CHECK(cells.size_bytes() == 32);
  CHECK_FALSE(cells.empty());
  CHECK(cells.end() - cells.begin() == 8);
  CHECK(cells.begin() == cells.data());

  std::uint32_t next = 1;
  for (std::uint32_t& cell : cells) cell = next++;
  CHECK(cells[0] == 1);
  CHECK(cells[7] == 8);
  CHECK(region.object<std::uint32_t>(64 + 7 * 4) == 8);  // the Span wrote into the region

  const Span<const std::uint32_t> read_only = cells;
  CHECK(read_only.data() == cells.data());
  CHECK(read_only.size() == cells.size());
  std::uint32_t sum = 0;
  for (const std::uint32_t value : read_only) sum += value;
  CHECK(sum == 36);

  const Span<std::uint32_t> copy = cells;  // a view: copying shares the elements
  copy[0] = 100;
  CHECK(cells[0] == 100);

  const Span<double> none;
  CHECK(none.empty());
  CHECK(none.data() == nullptr);
  CHECK(none.size_bytes() == 0);
  CHECK(none.begin() == none.end());

  static_assert(std::is_convertible_v<Span<int>, Span<const int>>);
  static_assert(!std::is_convertible_v<Span<const int>, Span<int>>);
  static_assert(!std::is_convertible_v<Span<long>, Span<int>>);
  static_assert(std::is_same_v<Span<const int>::value_type, int>);
  static_assert(std::is_same_v<Span<const int>::element_type, const int>);
}

#if NAMEDSHM_HAS_STD_SPAN
TEST_CASE("under C++20 views convert to std::span", "[views][span]") {
  const auto name = unique_name("std-span");
  auto writer = SharedRegion::create(name, 4096);
  auto reader = ReadOnlyRegion::open(name);
  const std::span<std::uint32_t> cells = writer.array<std::uint32_t>(32, 4);
  CHECK(address(cells.data()) == address(writer.data() + 32));
  CHECK(cells.size() == 4);
  cells[2] = 12;
  const std::span<const std::uint32_t> seen = reader.array<std::uint32_t>(32, 4);
  CHECK(address(seen.data()) == address(reader.data() + 32));
  CHECK(seen.size() == 4);
  CHECK(seen[2] == 12);
  const std::span<const std::byte> bytes = reader.bytes();
  CHECK(bytes.size() == 4096);
  // A named Span converts too, also to a span of const elements.
  const namedshm::Span<std::uint32_t> view = writer.array<std::uint32_t>(32, 4);
  const std::span<std::uint32_t> from_variable = view;
  const std::span<const std::uint32_t> as_const = view;
  CHECK(from_variable.data() == as_const.data());
}
#endif

TEST_CASE("lock-free atomics in a region are shared by two mappings of it", "[views][atomic]") {
  const auto name = unique_name("atomic");
  auto first = SharedRegion::create(name, 4096);
  auto second = SharedRegion::open(name);

  auto& counter32 = first.object<std::atomic<std::uint32_t>>(0);
  auto& counter64 = first.object<std::atomic<std::uint64_t>>(8);
  auto& other32 = second.object<std::atomic<std::uint32_t>>(0);
  auto& other64 = second.object<std::atomic<std::uint64_t>>(8);
  CHECK(&counter32 != &other32);  // two mappings, one memory

  CHECK(counter32.fetch_add(5) == 0);  // zero-filled memory is a zero counter
  CHECK(other32.load() == 5);
  CHECK(other32.fetch_add(1) == 5);
  CHECK(counter32.load() == 6);

  counter64.fetch_add(std::uint64_t{1} << 40);  // beyond 32 bits
  CHECK(other64.fetch_add(1) == (std::uint64_t{1} << 40));
  CHECK(counter64.load() == (std::uint64_t{1} << 40) + 1);

  const auto counters = second.array<std::atomic<std::uint64_t>>(64, 4);
  counters[3].store(77);
  CHECK(first.array<std::atomic<std::uint64_t>>(64, 4)[3].load() == 77);
}

TEST_CASE("a struct opted in with enable_sharing is usable as a view", "[views][atomic]") {
  const auto name = unique_name("tally");
  auto first = SharedRegion::create(name, 4096);
  auto second = SharedRegion::open(name);
  Tally& tally = first.object<Tally>(128);
  tally.hits.fetch_add(3);
  tally.bytes.fetch_add(4096);
  tally.flags = 0x10;
  const Tally& seen = second.object<Tally>(128);
  CHECK(seen.hits.load() == 3);
  CHECK(seen.bytes.load() == 4096);
  CHECK(seen.flags == 0x10);
  CHECK(second.array<Tally>(128, 2).size() == 2);
}
