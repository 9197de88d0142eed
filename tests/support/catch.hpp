// Catch2 v2 (single header, Debian's package) or v3 (what vcpkg installs): one include for both.
#ifndef NAMEDSHM_TESTS_CATCH_HPP
#define NAMEDSHM_TESTS_CATCH_HPP

// NAMEDSHM_SKIP(why) leaves a test case that cannot run here, saying why after the marker
// "namedshm: skipped: ". A run whose every test case was skipped exits with 4 (Catch2 v3 does
// so itself; for v2, main.cpp does), which CTest counts as skipped (SKIP_RETURN_CODE, see
// tests/CMakeLists.txt), not passed; scripts/test.sh counts the markers in its valgrind run,
// which runs every test case in one process.
#if defined(NAMEDSHM_CATCH2_V3)
#  include <catch2/catch_session.hpp>                   // Catch::Session, for our own main
#  include <catch2/catch_template_test_macros.hpp>      // TEMPLATE_TEST_CASE
#  include <catch2/catch_test_macros.hpp>               // TEST_CASE, REQUIRE, SECTION, SKIP
#  include <catch2/matchers/catch_matchers_string.hpp>  // ContainsSubstring
#  define NAMEDSHM_CONTAINS(text) Catch::Matchers::ContainsSubstring(text)
#  define NAMEDSHM_SKIP(why) SKIP("namedshm: skipped: " why)
#else
#  include <catch2/catch.hpp>
#  define NAMEDSHM_CONTAINS(text) Catch::Matchers::Contains(text)
namespace namedshm_test {
/// Catch2 v2: counts a test case left through NAMEDSHM_SKIP, for main.cpp's exit code.
void note_skipped_test_case() noexcept;
}  // namespace namedshm_test
   // Catch2 v2 has no SKIP: say why in the output (a warning, which the console reporter always
   // prints), count the test case as skipped and leave it.
#  define NAMEDSHM_SKIP(why)                     \
    do {                                         \
      WARN("namedshm: skipped: " why);           \
      ::namedshm_test::note_skipped_test_case(); \
      return;                                    \
    } while (false)
#endif

#endif  // NAMEDSHM_TESTS_CATCH_HPP
