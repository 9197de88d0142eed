// When a name disappears, per platform (DESIGN.md "Lifetime"): Windows destroys an object with
// its last handle; on POSIX the creating region removes the name, openers never do.
#include <namedshm/namedshm.hpp>

#include "support/catch.hpp"
#include "support/process.hpp"

using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm_test::unique_name;

namespace {
bool name_exists(const std::string& name) {
  std::error_code ec;
  static_cast<void>(ReadOnlyRegion::open(name, ec));
  return !ec;
}
}  // namespace

NAMEDSHM_CHILD_SCENARIO(open_and_exit) {
  auto region = SharedRegion::open(args.at(0));
  region.object<int>() = 7;
  return 0;
}

TEST_CASE("the name is gone once the creator and every opener have closed", "[lifetime]") {
  const auto name = unique_name("gone");
  {
    auto creator = SharedRegion::create(name, 64);
    auto opener = ReadOnlyRegion::open(name);
    CHECK(name_exists(name));
  }
  CHECK_FALSE(name_exists(name));
  auto again = SharedRegion::create(name, 64);  // and the name can be created afresh
  CHECK(again.created());
}

TEST_CASE("a closed opener does not take the name with it", "[lifetime]") {
  const auto name = unique_name("opener-close");
  auto creator = SharedRegion::create(name, 64);
  ReadOnlyRegion::open(name).close();
  CHECK(namedshm_test::run_child("open_and_exit", {name}) == 0);  // nor does a child that opened it
  CHECK(name_exists(name));
  CHECK(creator.object<int>() == 7);
}

TEST_CASE("closing the creator while an opener lives: per-platform rule", "[lifetime]") {
  const auto name = unique_name("creator-close");
  auto creator = SharedRegion::create(name, 64);
  auto opener = SharedRegion::open(name);
  creator.object<int>() = 5;
  creator.close();
  // The opener's mapping stays valid on every platform.
  CHECK(opener.object<int>() == 5);
#if defined(_WIN32)
  CHECK(name_exists(name));  // a handle is still open somewhere: the kernel keeps the object
#else
  CHECK_FALSE(name_exists(name));  // the creator removed the name; the memory lives on
#endif
}

TEST_CASE("keep_name keeps a POSIX name until remove(), Windows ignores it", "[lifetime]") {
  const auto name = unique_name("keep");
  namedshm::CreateOptions options;
  options.keep_name = true;
  SharedRegion::create(name, 64, options).close();
#if defined(_WIN32)
  CHECK_FALSE(name_exists(name));  // no handle left: no object
  CHECK_FALSE(SharedRegion::remove(name));
#else
  CHECK(name_exists(name));
  CHECK(SharedRegion::remove(name));
  CHECK_FALSE(name_exists(name));
  CHECK_FALSE(SharedRegion::remove(name));  // nothing left to remove, and no error
#endif
}

TEST_CASE("a creator never removes an object that replaced its own under the same name", "[lifetime]") {
  const auto name = unique_name("replaced");
  namedshm::CreateOptions options;
  options.keep_name = true;
  auto first = SharedRegion::create(name, 64);
  if (!SharedRegion::remove(name)) {
    // Windows: names cannot be removed, so the situation cannot arise.
    CHECK(name_exists(name));
    return;
  }
  auto second = SharedRegion::create(name, 64, options);
  second.object<int>() = 2;
  first.close();  // must not remove the second object's name
  REQUIRE(name_exists(name));
  CHECK(ReadOnlyRegion::open(name).object<int>() == 2);
  second.close();
  CHECK(SharedRegion::remove(name));
}

TEST_CASE("a mapping outlives the removal of its name", "[lifetime]") {
  const auto name = unique_name("unlinked");
  auto region = SharedRegion::create(name, 4096);
  SharedRegion::remove(name);
  region.object<int>(100) = 9;
  CHECK(region.object<int>(100) == 9);
}
