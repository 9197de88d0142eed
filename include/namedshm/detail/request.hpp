// namedshm: what the portable classes ask a backend for, in platform-neutral structs.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_REQUEST_HPP
#define NAMEDSHM_DETAIL_REQUEST_HPP

#include <cstdint>      // std::uint32_t, std::uint64_t
#include <string_view>  // std::string_view

#include "error.hpp"  // Status
#include "name.hpp"   // NameParts

namespace namedshm::detail {

/// POSIX: how a new object's pages are backed; see namedshm::Backing.
enum class BackingRequest : unsigned char { checked, reserved, sparse };

/// Whether a backend may create the object, open it, or either.
enum class Disposition : unsigned char { create, open, open_or_create };

/// Who may use an object that a call creates (namedshm::SecurityOptions, as backends see it).
struct SecurityRequest {
  std::uint32_t permissions = 0600;  ///< POSIX mode of a created object
  const void* attributes = nullptr;  ///< Windows: SECURITY_ATTRIBUTES* for a created object
  std::string_view sddl;             ///< Windows: SDDL text for a created object's security
};

/// The checks on the security fields that every creating call shares. Does not throw.
inline bool check_security(const SecurityRequest& security, Status& status) noexcept {
  if (security.attributes != nullptr && !security.sddl.empty()) {
    status.set(std::errc::invalid_argument, "give security_attributes or security_descriptor, not both");
    return false;
  }
  if (security.permissions > 0777U) {
    status.set(std::errc::invalid_argument, "the permissions are not within 0777");
    return false;
  }
  return true;
}

/// Everything a backend needs to acquire one mapping. Built by the portable classes after the
/// name passed check_name, so backends never see an invalid name.
struct Request {
  NameParts name;
  Disposition disposition = Disposition::open;
  std::uint64_t size = 0;  ///< bytes to create with; 0 for a plain open
  bool writable = true;
  SecurityRequest security;
  BackingRequest backing = BackingRequest::checked;
  bool keep_name = false;  ///< POSIX: the name outlives every handle, until removed
};

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_REQUEST_HPP
