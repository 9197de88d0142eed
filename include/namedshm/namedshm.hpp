// namedshm: named shared memory for C++17, on Windows and POSIX.
// SPDX-License-Identifier: MIT
//
// One header: include it, and two processes share memory by name.
//
//   auto region = namedshm::SharedRegion::create("Local\\demo", 4096);   // first process
//   region.object<Counter>().value = 42;
//
//   auto reader = namedshm::ReadOnlyRegion::open("Local\\demo");         // second process
//   std::cout << reader.object<Counter>().value;                          // const Counter&
#ifndef NAMEDSHM_NAMEDSHM_HPP
#define NAMEDSHM_NAMEDSHM_HPP

#include <cstddef>       // std::byte, std::size_t
#include <cstdint>       // std::uint32_t, std::uintptr_t
#include <new>           // std::launder
#include <string>        // std::string, the region's name
#include <string_view>   // std::string_view, std::wstring_view
#include <system_error>  // std::error_code, std::system_error
#include <type_traits>   // std::conditional_t, std::enable_if_t

#include "detail/bounds.hpp"   // detail::check_view
#include "detail/config.hpp"   // NAMEDSHM_VERSION, NAMEDSHM_HAS_STD_SPAN, NAMEDSHM_ASSERT
#include "detail/error.hpp"    // detail::Status, or_throw, or_report, messages
#include "detail/name.hpp"     // detail::check_name
#include "detail/region.hpp"   // detail::Region, the owned mapping
#include "detail/request.hpp"  // detail::Request
#include "shareable.hpp"       // enable_sharing, is_shareable_v

#if NAMEDSHM_HAS_STD_SPAN
#  include <ranges>  // std::ranges::enable_borrowed_range, so std::span converts from Span
#  include <span>    // std::span
#endif

namespace namedshm {

/// What a region may do with its memory.
enum class Access : unsigned char { read_only, read_write };

/// POSIX: how a new object's pages are backed. Ignored on Windows, where a pagefile-backed
/// section is charged against the commit limit in full when it is created, so creation fails
/// (ERROR_COMMITMENT_LIMIT) rather than a later write.
enum class Backing : unsigned char {
  /// Creation fails (ENOSPC) if the file system behind shm_open (/dev/shm) has less free space
  /// than the size, instead of a later write raising SIGBUS. Cheap; another process can still
  /// use the space up in between.
  checked,
  /// Every page is allocated at creation (posix_fallocate): later writes can never fail. Costs
  /// time and memory in proportion to the size.
  reserved,
  /// No check: pages are allocated when first written, and a write that the file system cannot
  /// back raises SIGBUS. For large regions used sparsely.
  sparse,
};

static_assert(static_cast<int>(Backing::checked) == static_cast<int>(detail::BackingRequest::checked) &&
                  static_cast<int>(Backing::reserved) == static_cast<int>(detail::BackingRequest::reserved) &&
                  static_cast<int>(Backing::sparse) == static_cast<int>(detail::BackingRequest::sparse),
              "Backing and detail::BackingRequest must list the same values in the same order");

/**
 * Who may use an object that a call creates: one set of fields for regions, events and
 * channels. Each platform reads its own fields and ignores the other's; every field has a safe
 * default (only the creating user, on both platforms).
 */
struct SecurityOptions {
  /// POSIX: the mode of a new object, set with fchmod so that the umask cannot narrow it.
  /// The default 0600 lets only the creating user in. Ignored on Windows.
  std::uint32_t permissions = 0600;
  /// Windows: a `SECURITY_ATTRIBUTES*` for the new object; null gives the creator's default
  /// security and a handle that child processes do not inherit. Ignored on POSIX.
  const void* security_attributes = nullptr;
  /// Windows: the new object's security descriptor as SDDL text, e.g.
  /// `"D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GRGW;;;IU)"`; the handle is not inheritable. Use it or
  /// security_attributes, not both. Ignored on POSIX (use `permissions`).
  std::string_view security_descriptor;
};

/// How to create a region; every field has a safe default.
struct CreateOptions {
  /// Who may use the new object.
  SecurityOptions security;
  /// POSIX: keep the name after every handle is gone, also after crashes, until
  /// SharedRegion::remove(); the object then lives as a file in /dev/shm does. Ignored on
  /// Windows, where the kernel destroys the object with its last handle.
  bool keep_name = false;
  /// POSIX: how the pages are backed; see Backing. Ignored on Windows.
  Backing backing = Backing::checked;
};

/**
 * The name of a region, as a function argument: UTF-8 (`const char*`, `std::string`,
 * `std::string_view`) or wide (`const wchar_t*`, `std::wstring`; UTF-16 on Windows).
 *
 * Like std::string_view it refers to the caller's string, so it only lives as a parameter.
 * Names are `Local\name`, `Global\name` or a bare `name`; see README "Names".
 */
class Name {
 public:
  /// Refers to a UTF-8 name. Does not throw.
  template <class Text, std::enable_if_t<std::is_convertible_v<const Text&, std::string_view>, int> = 0>
  Name(const Text& name) noexcept : utf8_(name) {}  // NOLINT(google-explicit-constructor): a parameter type

  /// Converts a wide name to UTF-8. Throws std::bad_alloc only; ill-formed text is reported
  /// by the operation that receives the name.
  template <class Text, std::enable_if_t<std::is_convertible_v<const Text&, std::wstring_view>, int> = 0>
  Name(const Text& name) {  // NOLINT(google-explicit-constructor): a parameter type
    // Assigned here, not in the initializer list: clang's -Wuninitialized misreads a member
    // initializer that writes converted_ as a read of it.
    well_formed_ = detail::wide_to_utf8(std::wstring_view(name), converted_);  // NOLINT(*-prefer-member-initializer)
    utf8_ = converted_;
  }

  Name(const Name&) = delete;
  Name& operator=(const Name&) = delete;
  Name(Name&&) = delete;
  Name& operator=(Name&&) = delete;
  ~Name() = default;

  /// The name in UTF-8 (ill-formed wide text shows U+FFFD). Does not throw.
  [[nodiscard]] std::string_view utf8() const noexcept { return utf8_; }
  /// False if a wide name was not well-formed UTF-16 (UTF-32). Does not throw.
  [[nodiscard]] bool well_formed() const noexcept { return well_formed_; }

 private:
  std::string converted_;
  bool well_formed_ = true;
  std::string_view utf8_;
};

namespace detail {
/// The name rules applied to a caller's Name; sets `status` if it breaks one. Does not throw.
inline NameCheck check_argument(const Name& name, Status& status) noexcept {
  if (!name.well_formed()) {
    status.set(std::errc::invalid_argument, "the wide name is not well-formed Unicode");
    return {};
  }
  NameCheck check = check_name(name.utf8());
  if (!check.ok()) status.set(check.error, check.rule);
  return check;
}

/// SecurityOptions as the backends take them. Does not throw.
inline SecurityRequest security_request(const SecurityOptions& options) noexcept {
  return {options.permissions, options.security_attributes, options.security_descriptor};
}
}  // namespace detail

/**
 * A contiguous run of `T` inside a region: pointer plus count, like C++20 std::span. Under
 * C++20 it is a contiguous, borrowed range, so std::span<T> (and std::span<const T>) convert
 * from it implicitly. Does not own anything; valid while its region is.
 */
template <class T>
class Span {
 public:
  using element_type = T;                  ///< `T`, const-qualified in a read-only view
  using value_type = std::remove_cv_t<T>;  ///< `T` without const
  using size_type = std::size_t;           ///< the type of sizes and indexes
  using pointer = T*;                      ///< a pointer to an element
  using reference = T&;                    ///< a reference to an element
  using iterator = T*;                     ///< contiguous iterator: a plain pointer

  /// An empty span. Does not throw.
  constexpr Span() noexcept = default;
  /// `size` elements from `data`. Does not throw.
  constexpr Span(T* data, std::size_t size) noexcept : data_(data), size_(size) {}
  /// Span<T> converts to Span<const T>.
  template <class U, std::enable_if_t<std::is_convertible_v<U (*)[], T (*)[]>, int> = 0>
  constexpr Span(const Span<U>& other) noexcept : data_(other.data()), size_(other.size()) {}

  /// The first element. Does not throw.
  [[nodiscard]] constexpr T* data() const noexcept { return data_; }
  /// The number of elements. Does not throw.
  [[nodiscard]] constexpr std::size_t size() const noexcept { return size_; }
  /// The number of bytes. Does not throw.
  [[nodiscard]] constexpr std::size_t size_bytes() const noexcept { return size_ * sizeof(T); }
  /// True if there are no elements. Does not throw.
  [[nodiscard]] constexpr bool empty() const noexcept { return size_ == 0; }
  /// An iterator to the first element. Does not throw.
  [[nodiscard]] constexpr T* begin() const noexcept { return data_; }
  /// An iterator past the last element. Does not throw.
  [[nodiscard]] constexpr T* end() const noexcept { return data_ + size_; }
  /// Unchecked in release builds, like std::span; `index < size()` is the caller's duty.
  [[nodiscard]] constexpr T& operator[](std::size_t index) const noexcept {
    NAMEDSHM_ASSERT(index < size_, "namedshm::Span index out of range");
    return data_[index];
  }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

/**
 * A move-only owner of one named shared-memory object and a view of all of it.
 *
 * Use the aliases: `SharedRegion` (read-write; can create) and `ReadOnlyRegion` (read-only
 * views, all `const`). Every fallible function comes twice, as in std::filesystem: one throws
 * std::system_error whose `what()` names the operation, the region and the reason; the other
 * is `noexcept` and reports through a `std::error_code&`, leaving the region empty on failure.
 *
 * Lifetime, the same on both platforms: the object lives while any process holds a handle to
 * it, creator or opener, and goes with the last one (Windows: the kernel's rule; POSIX: the
 * last live namedshm handle removes the name). A name all of whose users died counts as gone:
 * open() does not find it, create() and open_or_create() make a new object in its place. So
 * processes that all call open_or_create() meet one object, in any order of start and exit.
 * Not removed on POSIX: CreateOptions::keep_name regions, and other programs' segments that
 * namedshm opens. Mappings already made stay valid after their name is gone.
 *
 * Move-only, and nothing of it throws: a default-constructed or moved-from region is empty,
 * and moving onto a region, or destroying it, releases it as close() does, but silently (call
 * close() to hear of a failure).
 *
 * Thread safety: distinct regions may be used from distinct threads; one region is not
 * synchronised (like any standard container). The shared memory itself is the caller's to
 * synchronise, e.g. with std::atomic members.
 *
 * Example:
 *   auto region = namedshm::SharedRegion::open_or_create("Local\\counters", 4096);
 *   auto counts = region.array<std::atomic<std::uint64_t>>(0, 16);
 *   counts[3].fetch_add(1);
 */
template <Access A>
class BasicRegion {
  template <class T>
  using element = std::conditional_t<A == Access::read_write, T, const T>;

 public:
  /// `HANDLE` of the section (Windows) or the descriptor (POSIX).
  using native_handle_type = detail::Region::native_handle_type;
  /// `std::byte` for SharedRegion, `const std::byte` for ReadOnlyRegion.
  using byte_type = element<std::byte>;

  /**
   * Creates a new object of `size` bytes, zero-filled, and maps it read-write. Fails with
   * `std::errc::file_exists` if the name exists: it never opens someone else's object.
   * Throws std::system_error.
   */
  [[nodiscard]] static BasicRegion create(const Name& name, std::size_t size, const CreateOptions& options = {}) {
    return detail::or_throw({"create", name.utf8(), size}, [&](detail::Status& status) {
      return acquire(name, creation_request(detail::Disposition::create, size, options), status);
    });
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static BasicRegion create(const Name& name, std::size_t size, std::error_code& ec) noexcept {
    return create(name, size, CreateOptions{}, ec);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static BasicRegion create(const Name& name, std::size_t size, const CreateOptions& options,
                                          std::error_code& ec) noexcept {
    return detail::or_report(ec, [&](detail::Status& status) {
      return acquire(name, creation_request(detail::Disposition::create, size, options), status);
    });
  }

  /**
   * Opens an existing object and maps all of it. Fails with
   * `std::errc::no_such_file_or_directory` if there is none. size() is the object's size:
   * exact on POSIX, rounded up to whole pages by Windows. Throws std::system_error.
   */
  [[nodiscard]] static BasicRegion open(const Name& name) {
    constexpr const char* verb = A == Access::read_write ? "open" : "open read-only";
    return detail::or_throw({verb, name.utf8()},
                            [&](detail::Status& status) { return acquire(name, open_request(), status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static BasicRegion open(const Name& name, std::error_code& ec) noexcept {
    return detail::or_report(ec, [&](detail::Status& status) { return acquire(name, open_request(), status); });
  }

  /**
   * Opens the object if it exists, else creates it; created() tells which. Fails with
   * `std::errc::invalid_argument` if an existing object is smaller than `size` (the message
   * gives both sizes): it never hands back less than asked for. Throws std::system_error.
   */
  [[nodiscard]] static BasicRegion open_or_create(const Name& name, std::size_t size,
                                                  const CreateOptions& options = {}) {
    return detail::or_throw({"open_or_create", name.utf8(), size}, [&](detail::Status& status) {
      return acquire(name, creation_request(detail::Disposition::open_or_create, size, options), status);
    });
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static BasicRegion open_or_create(const Name& name, std::size_t size, std::error_code& ec) noexcept {
    return open_or_create(name, size, CreateOptions{}, ec);
  }
  /// As above; reports failure through `ec`. Does not throw.
  [[nodiscard]] static BasicRegion open_or_create(const Name& name, std::size_t size, const CreateOptions& options,
                                                  std::error_code& ec) noexcept {
    return detail::or_report(ec, [&](detail::Status& status) {
      return acquire(name, creation_request(detail::Disposition::open_or_create, size, options), status);
    });
  }

  /**
   * POSIX: removes the name now, whoever holds the object (existing mappings stay valid; a
   * later open or create meets another object): for keep_name regions and other programs'
   * segments. Returns false if there was none. Windows: returns false; the kernel removes a
   * name with the object's last handle. Throws std::system_error.
   */
  static bool remove(const Name& name) {
    return detail::or_throw({"remove", name.utf8()}, [&](detail::Status& status) { return remove_name(name, status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  static bool remove(const Name& name, std::error_code& ec) noexcept {
    return detail::or_report(ec, [&](detail::Status& status) { return remove_name(name, status); });
  }

  /**
   * POSIX: removes the name only if no live namedshm handle has its object open (each holds a
   * shared flock on it); returns true if it removed it. Rarely needed: a name that namedshm
   * manages goes with its last handle, and the next open or create clears one whose users all
   * died. It serves the names the rule leaves alone: a keep_name region (or one made by
   * namedshm before 0.3.0) whose users are gone. It cannot see programs that map the object
   * without namedshm's lock. Windows: returns false, as nothing outlives its last handle
   * there. Throws std::system_error.
   */
  static bool remove_if_stale(const Name& name) {
    return detail::or_throw({"remove_if_stale", name.utf8()},
                            [&](detail::Status& status) { return remove_stale_name(name, status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  static bool remove_if_stale(const Name& name, std::error_code& ec) noexcept {
    return detail::or_report(ec, [&](detail::Status& status) { return remove_stale_name(name, status); });
  }

  /// True if the region owns an object. Does not throw.
  [[nodiscard]] bool valid() const noexcept { return region_.valid(); }
  /// Same as valid(). Does not throw.
  explicit operator bool() const noexcept { return valid(); }
  /// The name as given (UTF-8); empty for an empty region. Does not throw.
  [[nodiscard]] const std::string& name() const noexcept { return region_.name(); }
  /// Bytes mapped: all of the object. 0 for an empty region. Does not throw.
  [[nodiscard]] std::size_t size() const noexcept { return region_.size(); }
  /// True if this region created the object, false if it opened an existing one. Does not throw.
  [[nodiscard]] bool created() const noexcept { return region_.created(); }
  /// Read-write or read-only, fixed by the type. Does not throw.
  [[nodiscard]] static constexpr Access access() noexcept { return A; }
  /// The first byte of the view (page-aligned); null for an empty region. Does not throw.
  [[nodiscard]] byte_type* data() const noexcept { return region_.data(); }
  /// All mapped bytes. Does not throw.
  [[nodiscard]] Span<byte_type> bytes() const noexcept { return {data(), size()}; }
  /// The section HANDLE (Windows) or descriptor (POSIX), still owned by the region. Does not throw.
  [[nodiscard]] native_handle_type native_handle() const noexcept { return region_.native_handle(); }

  /**
   * The `T` at byte `offset`: `T&` in a SharedRegion, `const T&` in a ReadOnlyRegion. `T`
   * must satisfy is_shareable_v (checked at compile time); the offset must suit alignof(T)
   * and the object must fit (checked at run time). No object is constructed: the bytes are
   * the object, as another process wrote them. Throws std::system_error.
   */
  template <class T>
  [[nodiscard]] element<T>& object(std::size_t offset = 0) const {
    return *array<T>(offset, 1).data();
  }
  /// As above; returns null and sets `ec` on failure. Does not throw.
  template <class T>
  [[nodiscard]] element<T>* object(std::size_t offset, std::error_code& ec) const noexcept {
    return array<T>(offset, 1, ec).data();
  }

  /**
   * `count` consecutive `T`s from byte `offset`, with the same checks as object(); the count is
   * checked without overflow. Example: `auto cells = region.array<std::uint32_t>(64, 16);`
   * Throws std::system_error.
   */
  template <class T>
  [[nodiscard]] Span<element<T>> array(std::size_t offset, std::size_t count) const {
    detail::Status status;
    element<T>* first = locate<T>(offset, count, status);
    if (status) detail::throw_view_error({name(), offset, count, sizeof(T), size()}, status);
    return {first, count};
  }
  /// As above; returns an empty Span and sets `ec` on failure. Does not throw.
  template <class T>
  [[nodiscard]] Span<element<T>> array(std::size_t offset, std::size_t count, std::error_code& ec) const noexcept {
    element<T>* first = detail::or_report(ec, [&](detail::Status& status) { return locate<T>(offset, count, status); });
    return {first, first != nullptr ? count : 0};
  }

  /**
   * Unmaps and closes now, as the destructor would, and reports what the destructor must
   * swallow: on POSIX, a last handle's name that could not be removed (it is left in /dev/shm),
   * a failed munmap or close. The region is empty afterwards either way; closing an empty
   * region does nothing. Throws std::system_error.
   */
  void close() {
    detail::close_or_throw("close", [&](detail::Status& status) { return region_.close(status); });
  }
  /// As above; reports failure through `ec`. Does not throw.
  void close(std::error_code& ec) noexcept {
    detail::or_report(ec, [&](detail::Status& status) { static_cast<void>(region_.close(status)); });
  }

 private:
  /// The checks behind object() and array(): null and `status` set on failure.
  template <class T>
  element<T>* locate(std::size_t offset, std::size_t count, detail::Status& status) const noexcept {
    detail::require_shareable<T>();
    const auto base = reinterpret_cast<std::uintptr_t>(data());
    const detail::ViewCheck check = detail::check_view({base, size(), offset, count, sizeof(T), alignof(T)});
    if (!check.ok()) {
      status.set(check.error, check.rule);
      return nullptr;
    }
    byte_type* first = data() + offset;
    return std::launder(reinterpret_cast<element<T>*>(first));
  }

  static detail::Request open_request() noexcept {
    detail::Request request;
    request.disposition = detail::Disposition::open;
    request.writable = A == Access::read_write;
    return request;
  }

  static detail::Request creation_request(detail::Disposition disposition, std::size_t size,
                                          const CreateOptions& options) noexcept {
    static_assert(A == Access::read_write, "namedshm: a ReadOnlyRegion cannot create; use SharedRegion");
    detail::Request request;
    request.disposition = disposition;
    request.size = size;
    request.security = detail::security_request(options.security);
    request.backing = static_cast<detail::BackingRequest>(options.backing);
    request.keep_name = options.keep_name;
    return request;
  }

  static BasicRegion acquire(const Name& name, detail::Request request, detail::Status& status) noexcept {
    request.name = detail::check_argument(name, status).parts;
    if (status) return {};
    BasicRegion region;
    region.region_ = detail::Region::acquire(name.utf8(), request, status);
    return region;
  }

  static bool remove_name(const Name& name, detail::Status& status) noexcept {
    const detail::NameCheck check = detail::check_argument(name, status);
    return !status && detail::os::remove(check.parts, status);
  }
  static bool remove_stale_name(const Name& name, detail::Status& status) noexcept {
    const detail::NameCheck check = detail::check_argument(name, status);
    return !status && detail::os::remove_if_stale(check.parts, status);
  }

  detail::Region region_;
};

/// A read-write region: creates, opens or open-or-creates; views are mutable.
using SharedRegion = BasicRegion<Access::read_write>;
/// A read-only region: opens only; every view is const, and the OS maps the pages read-only.
using ReadOnlyRegion = BasicRegion<Access::read_only>;

}  // namespace namedshm

/// @cond INTERNAL
#if NAMEDSHM_HAS_STD_SPAN
// A Span points into a region, not into itself: std::span may be made from a temporary one.
namespace std::ranges {  // NOLINT(cert-dcl58-cpp): [range.range] invites this specialisation
template <class T>
inline constexpr bool enable_borrowed_range<namedshm::Span<T>> = true;
}  // namespace std::ranges
#endif
/// @endcond

#endif  // NAMEDSHM_NAMEDSHM_HPP
