// namedshm: how an opener waits for a creator that has made an object but not finished it, and
// checks the header that the creator writes last.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_CREATOR_WAIT_HPP
#define NAMEDSHM_DETAIL_CREATOR_WAIT_HPP

#include <atomic>        // std::atomic, the magic word
#include <chrono>        // std::chrono::steady_clock, the bound
#include <cstdint>       // std::uint32_t, std::uint64_t
#include <system_error>  // std::errc
#include <thread>        // std::this_thread::sleep_for between looks

#include "error.hpp"  // Status

namespace namedshm::detail {

/// The longest an opener waits for a creator to finish (a POSIX object's size, an event's or a
/// channel's header): far longer than creating takes, short enough for a creator that died.
inline constexpr std::chrono::milliseconds creator_wait{1000};

/**
 * Asks `finished()` until it says true, every millisecond for at most creator_wait, and returns
 * its last answer. `finished` may also end the wait early by returning true after an error it
 * records itself. Does not throw.
 */
template <class Finished>
bool wait_for_creator(Finished finished) noexcept {
  const auto give_up = std::chrono::steady_clock::now() + creator_wait;
  while (!finished()) {
    if (std::chrono::steady_clock::now() >= give_up) return finished();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

/// What an opener says when the region it opened is not the kind of object it expects.
struct HeaderTexts {
  const char* unfinished;     ///< no header: its creator died, or it is another kind of region
  const char* foreign;        ///< another header
  const char* other_version;  ///< another layout version
};

/**
 * The opener's check of a header that its creator writes with `magic` last (release): waits
 * for the creator (as POSIX sizes a region before its header is written), then checks the magic
 * and then the layout version (`version` is read only after the magic, hence a reference). False with `status` set
 * (errc::invalid_argument or protocol_not_supported, and the text that says which) if they are not the expected ones.
 * Does not throw.
 */
inline bool check_magic(const std::atomic<std::uint64_t>& magic_word, std::uint64_t magic, const std::uint32_t& version,
                        std::uint32_t expected_version, const HeaderTexts& texts, Status& status) noexcept {
  std::uint64_t found = 0;
  wait_for_creator([&] { return (found = magic_word.load(std::memory_order_acquire)) != 0; });
  if (found != magic) {
    status.set(std::errc::invalid_argument, found == 0 ? texts.unfinished : texts.foreign);
    return false;
  }
  if (version != expected_version) {
    status.set(std::errc::protocol_not_supported, texts.other_version);
    return false;
  }
  return true;
}

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_CREATOR_WAIT_HPP
