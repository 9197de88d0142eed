// namedshm: which types may live in memory that other processes map. Small on purpose: the
// seqlock and the channel need it, without the platform's headers.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_SHAREABLE_HPP
#define NAMEDSHM_SHAREABLE_HPP

#include <atomic>       // std::atomic, to accept lock-free atomics as shareable
#include <type_traits>  // the shareability checks

namespace namedshm {

/// Opt-in for a standard-layout, trivially destructible struct that is not trivially copyable
/// only because it has lock-free `std::atomic` members. Specialise it as `std::true_type` to
/// promise that every member is trivially copyable or an always-lock-free atomic.
template <class T>
struct enable_sharing : std::false_type {};

namespace detail {
template <class T>
struct atomic_value {
  static constexpr bool is_atomic = false;
};
template <class U>
struct atomic_value<std::atomic<U>> {
  static constexpr bool is_atomic = true;
  static constexpr bool always_lock_free = std::atomic<U>::is_always_lock_free;
};

template <class Element>
constexpr bool is_shareable_element() noexcept {
  // Each branch names std::atomic<...> only for atomics, so any Element can be asked about.
  if constexpr (atomic_value<Element>::is_atomic) {
    return atomic_value<Element>::always_lock_free;
  } else if constexpr (enable_sharing<Element>::value) {
    return std::is_standard_layout_v<Element> && std::is_trivially_destructible_v<Element>;
  } else {
    return std::is_trivially_copyable_v<Element>;
  }
}

/// Fails to compile, with a message that says why, for a `T` that cannot live in shared memory.
template <class T>
constexpr void require_shareable() noexcept {
  using Element = std::remove_cv_t<std::remove_all_extents_t<T>>;
  static_assert(!std::is_reference_v<T>, "namedshm: view a type, not a reference");
  if constexpr (atomic_value<Element>::is_atomic) {
    static_assert(atomic_value<Element>::always_lock_free,
                  "namedshm: this std::atomic is not always lock-free: it would use a lock private "
                  "to one process and could not synchronise two");
  } else if constexpr (enable_sharing<Element>::value) {
    static_assert(std::is_standard_layout_v<Element> && std::is_trivially_destructible_v<Element>,
                  "namedshm: enable_sharing<T> needs a standard-layout, trivially destructible T");
  } else {
    static_assert(std::is_trivially_copyable_v<Element>,
                  "namedshm: T must be trivially copyable to live in shared memory (another process "
                  "cannot use its pointers, heap or vtable); for a struct with lock-free std::atomic "
                  "members, specialise namedshm::enable_sharing<T>");
  }
}
}  // namespace detail

/// True for types whose objects can live in memory that other processes map: trivially
/// copyable types, always-lock-free `std::atomic`s, arrays of these, and opted-in structs.
template <class T>
inline constexpr bool is_shareable_v =
    !std::is_reference_v<T> && detail::is_shareable_element<std::remove_cv_t<std::remove_all_extents_t<T>>>();

}  // namespace namedshm

#endif  // NAMEDSHM_SHAREABLE_HPP
