// Windows only: including namedshm (which includes <windows.h>) leaves no min/max macros and
// defines neither WIN32_LEAN_AND_MEAN nor NOMINMAX for the code that follows.
#include <cstddef>  // first, so that the toolchain's own configuration macros are in place

// MinGW's libstdc++ defines NOMINMAX in every standard header; only what namedshm adds counts.
#if defined(NOMINMAX)
#  define NAMEDSHM_TEST_TOOLCHAIN_NOMINMAX 1
#endif

#include <namedshm/namedshm.hpp>

#include <algorithm>  // std::min, std::max: must not collide with macros after our header

#ifdef min
#  error "namedshm leaked the min macro"
#endif
#ifdef max
#  error "namedshm leaked the max macro"
#endif
#if defined(NOMINMAX) && !defined(NAMEDSHM_TEST_TOOLCHAIN_NOMINMAX)
#  error "namedshm left NOMINMAX defined"
#endif
#ifdef WIN32_LEAN_AND_MEAN
#  error "namedshm left WIN32_LEAN_AND_MEAN defined"
#endif

#include "support/catch.hpp"
#include "support/process.hpp"

TEST_CASE("std::min and std::max work after namedshm.hpp", "[windows.h]") {
  const auto name = namedshm_test::unique_name("winh-absent");
  auto region = namedshm::SharedRegion::create(name, 64);
  CHECK(std::min(region.size(), std::size_t{10}) == 10);
  CHECK(std::max(region.size(), std::size_t{10}) == 64);
}
