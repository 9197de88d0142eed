// namedshm: what Event asks a backend for, in one platform-neutral struct.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_EVENT_REQUEST_HPP
#define NAMEDSHM_DETAIL_EVENT_REQUEST_HPP

#include <chrono>       // std::chrono::steady_clock, the deadline of a wait
#include <string_view>  // std::string_view

#include "name.hpp"     // NameParts
#include "request.hpp"  // Disposition, SecurityRequest

namespace namedshm::detail {

/// The clock of every deadline: min() means "do not wait", max() "for ever".
using WaitClock = std::chrono::steady_clock;

/// Everything a backend needs to create or open one event. Built by Event after the name
/// passed check_name.
struct EventRequest {
  NameParts name;
  std::string_view utf8_name;  ///< the whole name as the caller wrote it
  Disposition disposition = Disposition::open;
  bool manual_reset = false;
  bool initially_set = false;
  bool keep_name = false;  ///< POSIX: the name outlives every handle, until removed
  SecurityRequest security;
};

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_EVENT_REQUEST_HPP
