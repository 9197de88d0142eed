// The run id of a test run: scripts/test.sh gives each stage it runs one of its own, in the
// environment variable NAMEDSHM_TEST_RUN, which CTest passes on to every test. The tests
// (tests/support/process.cpp, unique_name) and the example pair's driver put it in every name
// they make, so that test.sh can find what a stage left behind, and only that stage's names,
// also while another run goes on beside it. Unset (a developer's own ctest), names go without.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_SUPPORT_TEST_RUN_HPP
#define NAMEDSHM_SUPPORT_TEST_RUN_HPP

#include <cstddef>  // std::size_t
#include <cstdio>   // std::fprintf, for a run id that cannot be used
#include <cstdlib>  // std::abort; std::getenv on POSIX
#include <string>   // std::string

#if defined(_WIN32)
#  include "win32.hpp"  // GetEnvironmentVariableA (getenv is deprecated by cl.exe: C4996)
#endif

namespace namedshm_test {

/// The longest run id: names must stay far below the 255 bytes a name may have.
inline constexpr std::size_t max_run_id_length = 32;

/// NAMEDSHM_TEST_RUN, or an empty string if it is not set. A value that is not 1 to 32 ASCII
/// letters and digits would make names that test.sh cannot match (or invalid ones): the process
/// says so on stderr and aborts, since no test of such a run could be trusted to clean up.
inline std::string test_run_id() {
  std::string id;
#if defined(_WIN32)
  char buffer[max_run_id_length + 2] = {};
  const DWORD length = GetEnvironmentVariableA("NAMEDSHM_TEST_RUN", buffer, sizeof buffer);
  if (length == 0) return id;
  id.assign(buffer, length < sizeof buffer ? length : sizeof buffer);  // too long: the size it needs
#else
  const char* value = std::getenv("NAMEDSHM_TEST_RUN");
  if (value == nullptr) return id;
  id = value;
#endif
  bool usable = !id.empty() && id.size() <= max_run_id_length;
  for (const char c : id) {
    usable = usable && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
  }
  if (!usable) {
    std::fprintf(stderr, "NAMEDSHM_TEST_RUN must be 1 to %u ASCII letters and digits\n",
                 static_cast<unsigned>(max_run_id_length));
    std::abort();
  }
  return id;
}

}  // namespace namedshm_test

#endif  // NAMEDSHM_SUPPORT_TEST_RUN_HPP
