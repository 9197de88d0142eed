// namedshm: one move-only owner for every kind of OS resource (WIL's unique_any, {fmt}'s file).
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_UNIQUE_HPP
#define NAMEDSHM_DETAIL_UNIQUE_HPP

#include <cstddef>  // std::size_t
#include <utility>  // std::exchange

namespace namedshm::detail {

/**
 * Owns one OS resource from the moment it exists: closes it when destroyed, reset or assigned
 * over, and hands it on when moved (the moved-from owner holds nothing). A class built from
 * such owners needs no hand-written move or clean-up on its error paths.
 *
 * `Traits` says what the resource is:
 *   using value_type = ...;                        // a handle, a descriptor, a view
 *   static constexpr value_type none() noexcept;   // the value that owns nothing
 *   static bool owns(value_type) noexcept;         // false for none() and every failure value
 *   static int close(value_type) noexcept;         // gives it back: 0, or the OS's error code
 */
template <class Traits>
class Unique {
 public:
  using value_type = typename Traits::value_type;

  constexpr Unique() noexcept = default;
  /// Takes ownership of `value`, which may be a failure value (then it owns nothing).
  explicit Unique(value_type value) noexcept : value_(value) {}
  Unique(const Unique&) = delete;
  Unique& operator=(const Unique&) = delete;
  Unique(Unique&& other) noexcept : value_(other.release()) {}
  Unique& operator=(Unique&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  ~Unique() { reset(); }

  [[nodiscard]] value_type get() const noexcept { return value_; }
  [[nodiscard]] bool valid() const noexcept { return Traits::owns(value_); }
  explicit operator bool() const noexcept { return valid(); }

  /// Gives up ownership without closing; the caller owns the value now.
  [[nodiscard]] value_type release() noexcept { return std::exchange(value_, Traits::none()); }

  /// Closes what it owns (ignoring a failure, as a destructor must) and takes `value`.
  void reset(value_type value = Traits::none()) noexcept {
    const value_type old = std::exchange(value_, value);
    if (Traits::owns(old)) static_cast<void>(Traits::close(old));
  }

  /// Closes what it owns now and says how that went: 0, or the OS's error code. Owns nothing
  /// afterwards either way.
  [[nodiscard]] int close() noexcept {
    if (!valid()) return 0;
    return Traits::close(release());
  }

 private:
  value_type value_ = Traits::none();
};

/// A mapped view: its address, and its length (which munmap needs; Windows reports it).
struct ViewExtent {
  void* address = nullptr;
  std::size_t size = 0;
};

/// Owner policy of a mapped view, which `unmap` gives back (0, or the OS's error code).
template <int (*unmap)(ViewExtent) noexcept>
struct ViewTraits {
  using value_type = ViewExtent;
  static constexpr ViewExtent none() noexcept { return {}; }
  static bool owns(ViewExtent view) noexcept { return view.address != nullptr; }
  static int close(ViewExtent view) noexcept { return unmap(view); }
};

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_UNIQUE_HPP
