// namedshm: what SharedRegion asks a backend for, in one platform-neutral struct.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_REQUEST_HPP
#define NAMEDSHM_DETAIL_REQUEST_HPP

#include <cstdint>      // std::uint32_t, std::uint64_t
#include <string_view>  // std::string_view

#include "name.hpp"  // NameParts

namespace namedshm::detail {

/// POSIX: how a new object's pages are backed; see namedshm::Backing.
enum class BackingRequest : unsigned char { checked, reserved, sparse };

/// Whether a backend may create the object, open it, or either.
enum class Disposition : unsigned char { create, open, open_or_create };

/// Everything a backend needs to acquire one mapping. Built by SharedRegion after the name
/// passed check_name, so backends never see an invalid name.
struct Request {
  NameParts name;
  Disposition disposition = Disposition::open;
  std::uint64_t size = 0;  ///< bytes to create with; 0 for a plain open
  bool writable = true;
  std::uint32_t permissions = 0600;  ///< POSIX mode of a created object
  const void* security = nullptr;    ///< Windows: SECURITY_ATTRIBUTES* for a created object
  std::string_view sddl;             ///< Windows: SDDL text for a created object's security
  BackingRequest backing = BackingRequest::checked;
};

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_REQUEST_HPP
