// namedshm: what Mutex asks a backend for, and what a lock call found, platform-neutral.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_MUTEX_REQUEST_HPP
#define NAMEDSHM_DETAIL_MUTEX_REQUEST_HPP

#include <cstddef>      // std::size_t
#include <string_view>  // std::string_view

#include "event_request.hpp"  // WaitClock, the clock of every deadline
#include "name.hpp"           // NameParts
#include "request.hpp"        // Disposition, SecurityRequest

namespace namedshm::detail {

/// Everything a backend needs to create or open one mutex. Built by Mutex after the name
/// passed check_name (and its length the backend's suffix, if any).
struct MutexRequest {
  NameParts name;
  std::string_view utf8_name;  ///< the whole name as the caller wrote it
  Disposition disposition = Disposition::open;
  bool keep_name = false;  ///< POSIX: the name outlives the creating Mutex
  SecurityRequest security;
};

/// What Windows adds to a mutex's name for its kernel object (".lock"). The same limit holds
/// on every platform, so that one name works on both.
inline constexpr std::size_t mutex_suffix_bytes = 5;

/// What an attempt to lock found; namedshm::Locked lists the same values in the same order.
enum class LockOutcome : unsigned char { no, yes, owner_died };

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_MUTEX_REQUEST_HPP
