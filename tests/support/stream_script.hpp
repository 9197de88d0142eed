// Test support: what the stream tests (channel, broadcast) share: a reproducible random
// sequence, the byte pattern every message carries, a checksum over a stream, a script of
// messages sent and checked, the wait policies by name, and a death without clean-up.
#ifndef NAMEDSHM_TESTS_STREAM_SCRIPT_HPP
#define NAMEDSHM_TESTS_STREAM_SCRIPT_HPP

#include <namedshm/channel.hpp>  // WaitPolicy

#include <array>    // std::array, the wait policies
#include <cstddef>  // std::byte, std::size_t
#include <cstdint>  // std::uint64_t
#include <cstring>  // std::memcpy, the checksum's trailer
#include <string>   // std::string, a policy's name
#include <vector>   // std::vector, a message's buffer

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

/**
 * Sends `count` messages of a `Script` (a Pattern whose next_size() gives each message's size),
 * by send() and by prepare() + commit() in turn, then one 8-byte message with their checksum:
 * 0, or 3 if a send failed. `Sender`: ChannelSender or BroadcastSender.
 */
template <class Script, class Sender>
int send_script(Sender& sender, std::uint64_t count, std::uint64_t seed) {
  Script script(seed, sender.max_message_size());
  Checksum checksum;
  std::vector<std::byte> buffer(sender.max_message_size());
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::size_t size = script.next_size();
    if (i % 2 == 0) {
      Script::fill(buffer.data(), size, i);
      if (!sender.send(buffer.data(), size)) return 3;
      checksum.add(buffer.data(), size);
    } else {
      const auto room = sender.prepare(size);
      if (room.data() == nullptr) return 3;
      Script::fill(room.data(), size, i);
      checksum.add(room.data(), size);
      sender.commit(size);
    }
  }
  const std::uint64_t sum = checksum.value();
  return sender.send(&sum, sizeof sum) ? 0 : 3;
}

/**
 * Receives what send_script sent, checking every message byte for byte, in order, and the
 * checksum: 0, or 5 (a message is missing), 6 (a message is wrong), 7 (the checksum differs).
 * `Receiver`: ChannelReceiver or BroadcastReceiver.
 */
template <class Script, class Receiver>
int receive_script(Receiver& receiver, std::uint64_t count, std::uint64_t seed) {
  Script script(seed, receiver.max_message_size());
  Checksum checksum;
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::size_t size = script.next_size();
    const auto message = receiver.receive();
    if (!message) return 5;
    if (message->size() != size || !Script::check(message->data(), size, i)) return 6;
    checksum.add(message->data(), message->size());
  }
  const auto trailer = receiver.receive();
  if (!trailer || trailer->size() != sizeof(std::uint64_t)) return 5;
  std::uint64_t sum = 0;
  std::memcpy(&sum, trailer->data(), sizeof sum);
  return sum == checksum.value() ? 0 : 7;
}

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
