// namedshm: how an opener waits for a creator that has made an object but not finished it.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_CREATOR_WAIT_HPP
#define NAMEDSHM_DETAIL_CREATOR_WAIT_HPP

#include <chrono>  // std::chrono::steady_clock, the bound
#include <thread>  // std::this_thread::sleep_for between looks

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

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_CREATOR_WAIT_HPP
