// Test support: whether this build runs under ThreadSanitizer, for the few checks that make a
// misuse on purpose which TSan reports itself (and, with halt_on_error, fails the test for);
// and how much of a stream to send when the test runs under valgrind.
#ifndef NAMEDSHM_TESTS_SANITIZERS_HPP
#define NAMEDSHM_TESTS_SANITIZERS_HPP

#include <cstdint>  // std::uint64_t

#if __has_include(<valgrind/valgrind.h>)
#  include <valgrind/valgrind.h>  // RUNNING_ON_VALGRIND
#endif

namespace namedshm_test {

#if defined(__SANITIZE_THREAD__)
inline constexpr bool thread_sanitizer = true;
#elif defined(__has_feature)
#  if __has_feature(thread_sanitizer)
inline constexpr bool thread_sanitizer = true;
#  else
inline constexpr bool thread_sanitizer = false;
#  endif
#else
inline constexpr bool thread_sanitizer = false;
#endif

/// `count` messages, or a 25th of them under valgrind: memcheck runs this process's threads one
/// at a time and many times slower, while the partner processes run natively, and the streams
/// took minutes there (scripts/test.sh runs the whole suite under it). The same sizes, laps and
/// wake-ups, only fewer of them.
inline std::uint64_t scaled(std::uint64_t count) {
#if defined(RUNNING_ON_VALGRIND)
  return RUNNING_ON_VALGRIND != 0 ? count / 25 : count;
#else
  return count;
#endif
}

}  // namespace namedshm_test

#endif  // NAMEDSHM_TESTS_SANITIZERS_HPP
