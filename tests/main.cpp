// The tests' entry point: either a Catch2 run, or a child scenario that a test started.
#if !defined(NAMEDSHM_CATCH2_V3)
#  define CATCH_CONFIG_RUNNER
#endif
#include "support/catch.hpp"
#include "support/process.hpp"

int main(int argc, char** argv) {
  int exit_code = 0;
  if (namedshm_test::run_child_scenario(argc, argv, exit_code)) return exit_code;
  return Catch::Session().run(argc, argv);
}
