// namedshm: the small region that holds a named primitive's state (a POSIX event's, a mutex's
// on both platforms): made with the state's size or opened at its size, and recognised by the
// magic word that its creator publishes last.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_STATE_REGION_HPP
#define NAMEDSHM_DETAIL_STATE_REGION_HPP

#include <cstdint>  // std::uint32_t
#include <new>      // std::launder

#include "creator_wait.hpp"  // wait_for_creator
#include "error.hpp"         // Status
#include "region.hpp"        // Region
#include "request.hpp"       // Request, Disposition

namespace namedshm::detail::os {

/**
 * Creates (with sizeof(State) bytes) or opens the region of a primitive's state. `request` is
 * the primitive's own (EventRequest, MutexRequest). A name that belongs to another kind of
 * object is said with State::other_object. Does not throw.
 */
template <class State, class PrimitiveRequest>
Region acquire_state_region(const PrimitiveRequest& request, Status& status) noexcept {
  Request region_request;
  region_request.name = request.name;
  region_request.disposition = request.disposition;
  region_request.size = request.disposition == Disposition::open ? 0 : sizeof(State);
  region_request.security = request.security;
  region_request.keep_name = request.keep_name;
  Region region = Region::acquire(request.utf8_name, region_request, status);
  if (status && status.code() == std::errc::invalid_argument) status.detail = State::other_object;
  return region;
}

/**
 * Whether another process's region holds a State: waits (creator_wait at most) until its
 * creator has published the magic word, and checks it. False, with `status` set (State::
 * other_region), for a region of another kind or too small for one. Does not throw.
 */
template <class State>
bool holds_published_state(const Region& region, Status& status) noexcept {
  std::uint32_t magic = 0;
  if (region.size() >= sizeof(State)) {
    const auto& word = std::launder(reinterpret_cast<const State*>(region.data()))->magic;
    wait_for_creator([&] { return (magic = word.load(std::memory_order_acquire)) != 0; });
  }
  if (magic == State::expected_magic) return true;
  status.set(std::errc::invalid_argument, State::other_region);
  return false;
}

}  // namespace namedshm::detail::os

#endif  // NAMEDSHM_DETAIL_STATE_REGION_HPP
