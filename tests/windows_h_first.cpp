// Windows only: a user who includes <windows.h> first can still include namedshm, and finds
// their macros as they left them. (MinGW's libstdc++ defines NOMINMAX itself, so min/max are
// macros there only if the toolchain lets them be; with MSVC they are.)
#include <windows.h>  // before namedshm, as the user configured it

#if defined(min)
#  define NAMEDSHM_TEST_USER_HAS_MIN 1
#endif
#if defined(NOMINMAX)
#  define NAMEDSHM_TEST_USER_HAS_NOMINMAX 1
#endif

#include <namedshm/namedshm.hpp>

#if defined(NAMEDSHM_TEST_USER_HAS_MIN) && !defined(min)
#  error "namedshm removed the user's min macro"
#endif
#if defined(NOMINMAX) && !defined(NAMEDSHM_TEST_USER_HAS_NOMINMAX)
#  error "namedshm left NOMINMAX defined"
#endif

#include "support/catch.hpp"
#include "support/process.hpp"

TEST_CASE("namedshm works after <windows.h>, whatever its macros", "[windows.h]") {
  const auto name = namedshm_test::unique_name("winh-first");
  auto region = namedshm::SharedRegion::create(name, 64);
  CHECK((std::min)(region.size(), std::size_t{10}) == 10);  // parenthesised: safe with the macros
  CHECK((std::max)(region.size(), std::size_t{10}) == 64);
  // The native handle is a HANDLE the user can pass to Win32 directly.
  DWORD flags = 0;
  CHECK(GetHandleInformation(static_cast<HANDLE>(region.native_handle()), &flags));
}
