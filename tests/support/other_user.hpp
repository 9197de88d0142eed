// Test support, POSIX: runs a child scenario (NAMEDSHM_CHILD_SCENARIO) as another user, to test
// what permissions let other users do. Root starts the child as nobody:nogroup without
// supplementary groups, through util-linux setpriv. Header-only: tests/CMakeLists.txt compiles
// no other support file.
#ifndef NAMEDSHM_TESTS_OTHER_USER_HPP
#define NAMEDSHM_TESTS_OTHER_USER_HPP

#if !defined(_WIN32)

#  include <unistd.h>  // getuid, geteuid

#  include <stdexcept>  // std::runtime_error, when setpriv cannot be started
#  include <string>     // std::string

#  include "catch.hpp"    // NAMEDSHM_SKIP, WARN
#  include "process.hpp"  // Arguments, ChildProcess, ScenarioRegistration, self_path

namespace namedshm_test {

/// The exit code of a scenario that finds itself running as root: the switch did not happen.
inline constexpr int still_root_exit_code = 86;
/// run_child_as_nobody's result when setpriv could not be started at all.
inline constexpr int no_setpriv_exit_code = -1000;

/// Exits with 0 if it runs without root's rights, which only a working setpriv gives a root parent.
inline int other_user_probe(const Arguments& /*args*/) {
  return getuid() != 0 && geteuid() != 0 ? 0 : still_root_exit_code;
}
// An inline variable: one registration for the whole test program.
inline const ScenarioRegistration other_user_probe_registration("other_user_probe", other_user_probe);

/// Runs this test binary as `--child scenario args...` as the user nobody and the group nogroup,
/// with no supplementary groups, and waits for it: its exit code, -N if signal N ended it, or
/// no_setpriv_exit_code.
inline int run_child_as_nobody(const std::string& scenario, const Arguments& args) {
  Arguments command{"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", self_path(), "--child", scenario};
  command.insert(command.end(), args.begin(), args.end());
  try {
    return ChildProcess::start_command(command).wait();
  } catch (const std::runtime_error&) {
    return no_setpriv_exit_code;
  }
}

}  // namespace namedshm_test

/// Leaves the test case with NAMEDSHM_SKIP unless run_child_as_nobody works here: the tests
/// must run as root, setpriv must exist, and nobody must be allowed to execute the binary.
#  define NAMEDSHM_REQUIRE_OTHER_USER()                                                                          \
    do {                                                                                                         \
      if (geteuid() != 0) NAMEDSHM_SKIP("the tests do not run as root, so they cannot start a child as nobody"); \
      const int other_user_probe_exit = ::namedshm_test::run_child_as_nobody("other_user_probe", {});            \
      if (other_user_probe_exit != 0) {                                                                          \
        WARN("setpriv --reuid=nobody --regid=nogroup --clear-groups: exit code " << other_user_probe_exit);      \
        NAMEDSHM_SKIP(                                                                                           \
            "setpriv could not run the test binary as nobody (util-linux missing, or nobody "                    \
            "may not execute the binary)");                                                                      \
      }                                                                                                          \
    } while (false)

#endif  // !_WIN32

#endif  // NAMEDSHM_TESTS_OTHER_USER_HPP
