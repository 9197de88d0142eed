// Test support: the exact std::error_code (value and category) that namedshm reports for a few
// refusals whose code differs between the platforms, for tests that check the code itself and
// not only that there is one.
#ifndef NAMEDSHM_TESTS_OS_ERRORS_HPP
#define NAMEDSHM_TESTS_OS_ERRORS_HPP

#include <system_error>  // std::error_code, std::system_category, std::errc

#if defined(_WIN32)
#  include "support/win32.hpp"  // ERROR_ACCESS_DENIED, ERROR_INVALID_HANDLE
#else
#  include <cerrno>  // EACCES, EEXIST
#endif

namespace namedshm_test {

/// The OS refused access: EACCES, or ERROR_ACCESS_DENIED.
inline std::error_code access_denied() {
#if defined(_WIN32)
  return {ERROR_ACCESS_DENIED, std::system_category()};
#else
  return {EACCES, std::system_category()};
#endif
}

/// Opening an event or a mutex under the name of another kind of object. Windows: the name
/// belongs to a kernel object of another type (ERROR_INVALID_HANDLE). POSIX: the region under
/// the name carries no mark of this kind, which namedshm finds itself (invalid_argument).
inline std::error_code opening_other_kind() {
#if defined(_WIN32)
  return {ERROR_INVALID_HANDLE, std::system_category()};
#else
  return std::make_error_code(std::errc::invalid_argument);
#endif
}

/// Creating an event or a mutex under the name of another kind of object. Windows: as when
/// opening (ERROR_INVALID_HANDLE). POSIX: the name is taken (EEXIST).
inline std::error_code creating_other_kind() {
#if defined(_WIN32)
  return {ERROR_INVALID_HANDLE, std::system_category()};
#else
  return {EEXIST, std::system_category()};
#endif
}

}  // namespace namedshm_test

#endif  // NAMEDSHM_TESTS_OS_ERRORS_HPP
