// Test support: whether this build runs under ThreadSanitizer, for the few checks that make a
// misuse on purpose which TSan reports itself (and, with halt_on_error, fails the test for).
#ifndef NAMEDSHM_TESTS_SANITIZERS_HPP
#define NAMEDSHM_TESTS_SANITIZERS_HPP

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

}  // namespace namedshm_test

#endif  // NAMEDSHM_TESTS_SANITIZERS_HPP
