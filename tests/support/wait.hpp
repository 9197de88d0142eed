// Test support: bounded waits for what another process or thread does, and a look at whether
// a name exists. Shared by the multi-process tests.
#ifndef NAMEDSHM_TESTS_WAIT_HPP
#define NAMEDSHM_TESTS_WAIT_HPP

#include <chrono>        // the bound
#include <string>        // std::string, names
#include <system_error>  // std::error_code
#include <thread>        // std::this_thread::sleep_for between looks

#include <namedshm/namedshm.hpp>  // ReadOnlyRegion, for name_exists

namespace namedshm_test {

/// Waits until `done()`; bounded (60 s) so that a broken peer fails the test instead of
/// hanging it. Never a condition for passing: a correct peer is done long before.
template <class Condition>
bool wait_until(Condition done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

/// True if a region (or any object namedshm can open read-only) has this name now.
inline bool name_exists(const std::string& name) {
  std::error_code ec;
  static_cast<void>(namedshm::ReadOnlyRegion::open(name, ec));
  return !ec;
}

}  // namespace namedshm_test

#endif  // NAMEDSHM_TESTS_WAIT_HPP
