// Catch2 v2 (single header, Debian's package) or v3 (what vcpkg installs): one include for both.
#ifndef NAMEDSHM_TESTS_CATCH_HPP
#define NAMEDSHM_TESTS_CATCH_HPP

#if defined(NAMEDSHM_CATCH2_V3)
#  include <catch2/catch_session.hpp>                   // Catch::Session, for our own main
#  include <catch2/catch_template_test_macros.hpp>      // TEMPLATE_TEST_CASE
#  include <catch2/catch_test_macros.hpp>               // TEST_CASE, REQUIRE, SECTION
#  include <catch2/matchers/catch_matchers_string.hpp>  // ContainsSubstring
#  define NAMEDSHM_CONTAINS(text) Catch::Matchers::ContainsSubstring(text)
#  define NAMEDSHM_SKIP(why) SKIP(why)
#else
#  include <catch2/catch.hpp>
#  define NAMEDSHM_CONTAINS(text) Catch::Matchers::Contains(text)
// Catch2 v2 has no SKIP: say why in the output and leave the test case.
#  define NAMEDSHM_SKIP(why) \
    do {                     \
      WARN("skipped: " why); \
      return;                \
    } while (false)
#endif

#endif  // NAMEDSHM_TESTS_CATCH_HPP
