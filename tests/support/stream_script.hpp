// Test support: what the stream tests (channel, broadcast) share: a reproducible random
// sequence, the byte pattern every message carries, a checksum over a stream, the wait
// policies by name, and a death without clean-up.
#ifndef NAMEDSHM_TESTS_STREAM_SCRIPT_HPP
#define NAMEDSHM_TESTS_STREAM_SCRIPT_HPP

#include <namedshm/channel.hpp>  // WaitPolicy

#include <array>    // std::array, the wait policies
#include <cstddef>  // std::byte, std::size_t
#include <cstdint>  // std::uint64_t
#include <string>   // std::string, a policy's name

#if defined(_WIN32)
#  include "support/win32.hpp"  // TerminateProcess, for a child that dies by its own hand
#else
#  include <csignal>  // std::raise(SIGKILL)
#endif

namespace namedshm_test {

/// splitmix64: the same numbers from the same seed, in every process.
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31U);
  }

 private:
  std::uint64_t state_;
};

/// The bytes of message `index`: they depend on the index and the offset, so that a message
/// out of place, cut short or mixed with another fails check().
struct Pattern {
  static std::byte byte_at(std::uint64_t index, std::size_t offset) {
    return static_cast<std::byte>((index * 131U + offset * 7U + (offset >> 8U)) & 0xFFU);
  }
  static void fill(std::byte* out, std::size_t size, std::uint64_t index) {
    for (std::size_t i = 0; i < size; ++i) out[i] = byte_at(index, i);
  }
  static bool check(const std::byte* in, std::size_t size, std::uint64_t index) {
    for (std::size_t i = 0; i < size; ++i) {
      if (in[i] != byte_at(index, i)) return false;
    }
    return true;
  }
};

/// FNV-1a over a stream of messages, each preceded by its size.
class Checksum {
 public:
  void add(const std::byte* data, std::size_t size) {
    add_byte(static_cast<std::byte>(size & 0xFFU));
    add_byte(static_cast<std::byte>((size >> 8U) & 0xFFU));
    for (std::size_t i = 0; i < size; ++i) add_byte(data[i]);
  }
  std::uint64_t value() const { return value_; }

 private:
  void add_byte(std::byte b) { value_ = (value_ ^ static_cast<std::uint64_t>(b)) * 0x100000001B3ULL; }
  std::uint64_t value_ = 0xCBF29CE484222325ULL;
};

inline constexpr std::array<namedshm::WaitPolicy, 3> all_policies = {
    namedshm::WaitPolicy::spin, namedshm::WaitPolicy::block, namedshm::WaitPolicy::spin_then_block};

inline const char* policy_name(namedshm::WaitPolicy policy) {
  switch (policy) {
    case namedshm::WaitPolicy::spin:
      return "spin";
    case namedshm::WaitPolicy::block:
      return "block";
    case namedshm::WaitPolicy::spin_then_block:
      return "spin_then_block";
  }
  return "?";
}

inline namedshm::WaitPolicy policy_from(const std::string& text) {
  if (text == "spin") return namedshm::WaitPolicy::spin;
  if (text == "block") return namedshm::WaitPolicy::block;
  return namedshm::WaitPolicy::spin_then_block;
}

/// Ends this process at once, without destructors: a death, not a close.
[[noreturn]] inline void die() {
#if defined(_WIN32)
  TerminateProcess(GetCurrentProcess(), 137);
#else
  std::raise(SIGKILL);
#endif
  for (;;) {
  }
}

}  // namespace namedshm_test

#endif  // NAMEDSHM_TESTS_STREAM_SCRIPT_HPP
