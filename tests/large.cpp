// Regions above 4 GiB: the size crosses the 32-bit boundary intact on both backends. The
// memory is never touched in full (pagefile sections and tmpfs objects are sparse).
#include <namedshm/namedshm.hpp>

#include <cstdint>  // std::uint64_t

#include "support/catch.hpp"
#include "support/process.hpp"

using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm_test::unique_name;

namespace {
constexpr std::uint64_t five_gib = 5ULL << 30U;
constexpr std::uint64_t last_page = five_gib - 4096;
}  // namespace

NAMEDSHM_CHILD_SCENARIO(read_last_page) {
  auto region = ReadOnlyRegion::open(args.at(0));
  if (region.size() != five_gib) return 2;
  return region.object<std::uint64_t>(static_cast<std::size_t>(last_page)) == 0x0123456789ABCDEFULL ? 0 : 3;
}

TEST_CASE("a 5 GiB region: exact size, both ends usable, seen by another process", "[large][process]") {
  if (sizeof(std::size_t) < 8) NAMEDSHM_SKIP("a 32-bit process cannot map 5 GiB");
  const auto name = unique_name("5gib");
  const auto size = static_cast<std::size_t>(five_gib);
  auto region = SharedRegion::create(name, size);
  CHECK(region.size() == size);
  region.object<std::uint64_t>(0) = 1;
  region.object<std::uint64_t>(static_cast<std::size_t>(last_page)) = 0x0123456789ABCDEFULL;
  // An opener learns the size from the OS (fstat, NtQuerySection): above 4 GiB it must not be
  // truncated to its low 32 bits (1 GiB).
  auto opened = ReadOnlyRegion::open(name);
  CHECK(opened.size() == size);
  CHECK(opened.object<std::uint64_t>(static_cast<std::size_t>(last_page)) == 0x0123456789ABCDEFULL);
  CHECK(namedshm_test::run_child("read_last_page", {name}) == 0);
}

TEST_CASE("open_or_create compares sizes above 4 GiB without truncation", "[large][open_or_create]") {
  if (sizeof(std::size_t) < 8) NAMEDSHM_SKIP("a 32-bit process cannot map 5 GiB");
  const auto name = unique_name("5gib-ooc");
  auto region = SharedRegion::create(name, 4096);
  // 4 GiB + 4 KiB: its low 32 bits (4096) would pass for the existing size if truncated.
  std::error_code ec;
  auto larger = SharedRegion::open_or_create(name, static_cast<std::size_t>((4ULL << 30U) + 4096), ec);
  CHECK(ec == std::errc::invalid_argument);
  CHECK_FALSE(larger);
}
