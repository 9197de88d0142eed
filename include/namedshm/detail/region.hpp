// namedshm: one named mapping, owned, below the public classes: SharedRegion and
// ReadOnlyRegion are made of it, and so are the POSIX event and the channel endpoints.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_REGION_HPP
#define NAMEDSHM_DETAIL_REGION_HPP

#include <cstddef>      // std::byte, std::size_t
#include <cstdint>      // std::uint64_t, PTRDIFF_MAX
#include <string>       // std::string, the name for messages
#include <string_view>  // std::string_view
#include <utility>      // std::move

#include "backend.hpp"    // os::Mapping, os::acquire, os::close
#include "error.hpp"      // Status, allocate_or_report
#include "name.hpp"       // empty_name
#include "name_text.hpp"  // NameText
#include "request.hpp"    // Request, check_security

namespace namedshm::detail {

/// A mapping of one named object and the name it was asked for. Move-only, as its parts are
/// (its moves are theirs); a moved-from or closed Region is empty.
class Region {
 public:
  using native_handle_type = os::native_handle_type;

  /**
   * Creates, opens or opens-or-creates `request.name` (already checked) as `request` says;
   * `name` is the whole name as the caller wrote it, kept for messages. Checks the request's
   * size and security first. Empty, with `status` set, on failure. Does not throw.
   */
  static Region acquire(std::string_view name, const Request& request, Status& status) noexcept {
    if (request.disposition != Disposition::open && request.size == 0) {
      status.set(std::errc::invalid_argument, "the size is 0");
      return {};
    }
    if (request.size > static_cast<std::uint64_t>(PTRDIFF_MAX)) {  // no process could map it
      status.set(std::errc::file_too_large, "the size is larger than the address space");
      return {};
    }
    if (!check_security(request.security, status)) return {};
    Region region;
    if (!region.name_.assign(name, status)) return {};
    region.mapping_ = os::acquire(request, status);
    if (status) return {};
    return region;
  }

  [[nodiscard]] bool valid() const noexcept { return mapping_.view.valid(); }
  [[nodiscard]] std::byte* data() const noexcept { return static_cast<std::byte*>(mapping_.address()); }
  [[nodiscard]] std::size_t size() const noexcept { return mapping_.size(); }
  [[nodiscard]] bool created() const noexcept { return valid() && mapping_.created; }
  /// The name as the caller wrote it; empty for an empty region (also a moved-from one).
  [[nodiscard]] const std::string& name() const noexcept { return valid() ? name_.get() : empty_name(); }
  [[nodiscard]] native_handle_type native_handle() const noexcept { return mapping_.handle.get(); }

  /**
   * Releases everything now (on POSIX the last live handle also removes the name) and returns the name it
   * had, for a message; `status` reports the first step that failed, and the Region is empty
   * either way. Does not throw.
   */
  std::string close(Status& status) noexcept {
    os::close(mapping_, status);
    return name_.take();
  }

 private:
  os::Mapping mapping_;
  NameText name_;
};

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_REGION_HPP
