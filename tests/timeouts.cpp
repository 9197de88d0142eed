// Timeouts of any std::chrono::duration as whole nanoseconds (Event::wait_for, the channel's
// receive_for): rounded up, exact for every 64-bit count (no long double, which is a 53-bit
// double on MSVC), and "for ever" beyond what int64 nanoseconds hold.
#include <namedshm/detail/timeout.hpp>

#include <chrono>   // the durations under test
#include <cstdint>  // INT64_MAX, std::int64_t
#include <limits>   // quiet_NaN, infinity
#include <ratio>    // std::ratio, std::pico

#include "support/catch.hpp"

using namedshm::detail::steady_deadline;
using namedshm::detail::timeout_ns;
using namedshm::detail::wait_forever;
using std::chrono::duration;

TEST_CASE("a timeout that is not positive does not wait", "[timeouts]") {
  CHECK(timeout_ns(std::chrono::nanoseconds(0)) == 0);
  CHECK(timeout_ns(std::chrono::milliseconds(-5)) == 0);
  CHECK(timeout_ns((std::chrono::hours::min)()) == 0);
  CHECK(timeout_ns(duration<double>(-0.5)) == 0);
  CHECK(timeout_ns(duration<double>(-std::numeric_limits<double>::infinity())) == 0);
  CHECK(timeout_ns(duration<double>(std::numeric_limits<double>::quiet_NaN())) == 0);
  CHECK(timeout_ns(duration<unsigned, std::milli>(0)) == 0);
}

TEST_CASE("a timeout becomes whole nanoseconds, rounded up", "[timeouts]") {
  CHECK(timeout_ns(std::chrono::nanoseconds(1)) == 1);
  CHECK(timeout_ns(std::chrono::microseconds(3)) == 3'000);
  CHECK(timeout_ns(std::chrono::seconds(2)) == 2'000'000'000);
  CHECK(timeout_ns(std::chrono::hours(1)) == 3'600'000'000'000);
  CHECK(timeout_ns(duration<unsigned, std::milli>(5)) == 5'000'000);
  // Finer than a nanosecond: never rounded down to "do not wait".
  CHECK(timeout_ns(duration<std::int64_t, std::pico>(1)) == 1);
  CHECK(timeout_ns(duration<std::int64_t, std::pico>(1'000)) == 1);
  CHECK(timeout_ns(duration<std::int64_t, std::pico>(1'001)) == 2);
  // A third of a second is 333,333,333.3 ns.
  CHECK(timeout_ns(duration<std::int64_t, std::ratio<1, 3>>(1)) == 333'333'334);
  CHECK(timeout_ns(duration<std::int64_t, std::ratio<1, 3>>(3)) == 1'000'000'000);
  CHECK(timeout_ns(duration<double, std::nano>(1.5)) == 2);
  CHECK(timeout_ns(duration<double>(1e-10)) == 1);
  CHECK(timeout_ns(duration<float, std::milli>(1.0F)) == 1'000'000);
}

TEST_CASE("a 64-bit timeout is exact, where a double would round it", "[timeouts]") {
  // 2^53 + 1 is the first integer a double cannot hold; 2^63 - 2 rounds up to 2^63 in one.
  constexpr std::int64_t beyond_double = (std::int64_t{1} << 53) + 1;
  CHECK(timeout_ns(std::chrono::nanoseconds(beyond_double)) == beyond_double);
  CHECK(timeout_ns(std::chrono::nanoseconds(INT64_MAX - 2)) == INT64_MAX - 2);
  CHECK(timeout_ns(std::chrono::seconds(9'223'372'036)) == 9'223'372'036'000'000'000);
  CHECK(timeout_ns(duration<std::int64_t, std::pico>(INT64_MAX)) == INT64_MAX / 1000 + 1);
}

TEST_CASE("a timeout of 2^63 - 1 ns or more waits for ever", "[timeouts]") {
  CHECK(timeout_ns((std::chrono::nanoseconds::max)()) == wait_forever);
  CHECK(timeout_ns(std::chrono::seconds(9'223'372'037)) == wait_forever);
  CHECK(timeout_ns((std::chrono::hours::max)()) == wait_forever);
  CHECK(timeout_ns(duration<unsigned long long, std::milli>(~0ULL)) == wait_forever);
  CHECK(timeout_ns(duration<double>(1e10)) == wait_forever);
  CHECK(timeout_ns(duration<double>(std::numeric_limits<double>::infinity())) == wait_forever);
}

TEST_CASE("a steady_clock deadline: min() for no wait, max() for ever, else now + timeout", "[timeouts]") {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point now = Clock::now();
  CHECK(steady_deadline(0, now) == (Clock::time_point::min)());
  CHECK(steady_deadline(wait_forever, now) == (Clock::time_point::max)());
  CHECK(steady_deadline(1'500, now) - now == std::chrono::ceil<Clock::duration>(std::chrono::nanoseconds(1'500)));
  // Past what the clock can hold: for ever, never a wrapped-around deadline in the past.
  CHECK(steady_deadline(INT64_MAX - 1, now) == (Clock::time_point::max)());
}
