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
  bool keep_name = false;  ///< POSIX: the name outlives every handle, until removed
  SecurityRequest security;
};

/// What Windows adds to a mutex's name for its kernel object (".lock"). The same limit holds
/// on every platform, so that one name works on both.
inline constexpr std::size_t mutex_suffix_bytes = 5;

/// What both backends say of the same situations, in the same words.
namespace mutex_text {
inline constexpr const char* other_object = "the name belongs to an object that is not a mutex";
inline constexpr const char* other_region = "the name belongs to a shared memory region that is not a mutex";
inline constexpr const char* given_up =
    "the mutex cannot be used any more: an owner that found its previous owner dead unlocked it "
    "without mark_consistent()";
inline constexpr const char* relocked = "this thread holds the mutex already (it is not recursive)";
inline constexpr const char* not_held = "this thread does not hold the mutex";
inline constexpr const char* not_inconsistent = "this thread does not hold a mutex whose previous owner died";
}  // namespace mutex_text

/// What an attempt to lock found; namedshm::Locked lists the same values in the same order.
enum class LockOutcome : unsigned char { no, yes, owner_died };

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_MUTEX_REQUEST_HPP
