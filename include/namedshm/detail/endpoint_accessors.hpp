// namedshm: what the public endpoint classes of the slot-table primitives (broadcast, mailbox)
// offer alike, written once: the accessors of the shared core and close(). Not for users.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_ENDPOINT_ACCESSORS_HPP
#define NAMEDSHM_DETAIL_ENDPOINT_ACCESSORS_HPP

#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint64_t
#include <string>        // std::string, the name
#include <system_error>  // std::error_code

#include "error.hpp"  // Status, or_report, close_or_throw

namespace namedshm::detail {

/**
 * The accessors and close() of an endpoint class. `Endpoint` keeps its core (a SlotEndpoint
 * with capacity()) in `core_`, closes itself in `close_now(Status&)` (returning the name it
 * had), names its close in `close_verb`, and befriends this class; `max_message` gives the
 * largest message of a ring of a given capacity.
 */
template <class Endpoint, std::uint64_t (*max_message)(std::uint64_t) noexcept>
class EndpointAccessors {
 public:
  /// The largest message (see the class); 0 for an empty endpoint. Does not throw.
  [[nodiscard]] std::size_t max_message_size() const noexcept {
    const auto& core = self().core_;
    return core.valid() ? static_cast<std::size_t>(max_message(core.capacity())) : 0;
  }
  /// The ring's size in bytes (a power of two); 0 for an empty endpoint. Does not throw.
  [[nodiscard]] std::size_t capacity() const noexcept { return static_cast<std::size_t>(self().core_.capacity()); }
  /// True if the endpoint is attached. Does not throw.
  [[nodiscard]] bool valid() const noexcept { return self().core_.valid(); }
  /// The name as given; empty for an empty endpoint. Does not throw.
  [[nodiscard]] const std::string& name() const noexcept { return self().core_.name(); }

  /**
   * Releases everything now, as the destructor would (see the class), and reports what the
   * destructor must swallow: on POSIX, a last handle's name that could not be removed. The
   * endpoint is empty afterwards either way; closing an empty one does nothing.
   * Throws std::system_error.
   */
  void close() {
    close_or_throw(Endpoint::close_verb, [&](Status& status) { return self().close_now(status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  void close(std::error_code& ec) noexcept {
    or_report(ec, [&](Status& status) { static_cast<void>(self().close_now(status)); });
  }

 private:
  const Endpoint& self() const noexcept { return static_cast<const Endpoint&>(*this); }
  Endpoint& self() noexcept { return static_cast<Endpoint&>(*this); }
};

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_ENDPOINT_ACCESSORS_HPP
