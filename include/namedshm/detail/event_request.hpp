// namedshm: what Event asks a backend for, in one platform-neutral struct.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_EVENT_REQUEST_HPP
#define NAMEDSHM_DETAIL_EVENT_REQUEST_HPP

#include <cstdint>      // std::uint32_t
#include <string_view>  // std::string_view

#include "name.hpp"     // NameParts
#include "request.hpp"  // Disposition

namespace namedshm::detail {

/// Everything a backend needs to create or open one event. Built by Event after the name
/// passed check_name.
struct EventRequest {
  NameParts name;
  std::string_view utf8_name;  ///< the whole name as the caller wrote it
  Disposition disposition = Disposition::open;
  bool manual_reset = false;
  bool initially_set = false;
  std::uint32_t permissions = 0600;  ///< POSIX mode of a created event
  bool keep_name = false;            ///< POSIX: the name outlives the creating Event
  const void* security = nullptr;    ///< Windows: SECURITY_ATTRIBUTES* for a created event
  std::string_view sddl;             ///< Windows: SDDL text for a created event's security
};

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_EVENT_REQUEST_HPP
