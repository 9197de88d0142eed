// namedshm: how failures travel from a backend to the caller, and the messages they become.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_ERROR_HPP
#define NAMEDSHM_DETAIL_ERROR_HPP

#include <cstdint>       // std::uint64_t, sizes in messages
#include <cstdio>        // std::fputs, std::fflush: the default handler without exceptions
#include <exception>     // std::terminate
#include <new>           // std::bad_alloc
#include <string>        // std::string, the message of a thrown error
#include <string_view>   // std::string_view
#include <system_error>  // std::error_code, std::system_error, std::errc
#include <type_traits>   // std::is_void_v, std::is_invocable_v
#include <utility>       // std::forward, std::move

#include "config.hpp"  // NAMEDSHM_EXCEPTIONS

/**
 * Without exceptions (NAMEDSHM_EXCEPTIONS is 0), a throwing overload that fails calls
 * `NAMEDSHM_THROW_HANDLER(error)` and then std::terminate(), also if the handler returns.
 * `error` is a detail::UnthrownError: `error.code()` and `error.what()` are those of the
 * std::system_error a build with exceptions throws. The default handler writes `error.what()`
 * and a new line to stderr. Define the macro before including namedshm, the same in every
 * translation unit (on the command line, say), to log elsewhere or to end the process your
 * way; the `std::error_code&` overloads never call it.
 */
#ifndef NAMEDSHM_THROW_HANDLER
#  define NAMEDSHM_THROW_HANDLER(error) ::namedshm::detail::print_error(error)
#endif

namespace namedshm::detail {

/// The outcome of an operation: the error plus what a message needs beyond it. Filled by
/// noexcept code, so it holds no owning strings: `detail` is a static phrase or null. The error
/// is a value and a category, not a std::error_code: a default std::error_code calls
/// std::system_category(), an out-of-line function of the C++ library, and a Status is made on
/// every call, also where a successful call must cost no more than its system call (Mutex).
struct Status {
  int value = 0;                                  ///< 0: no error
  const std::error_category* category = nullptr;  ///< of `value`; set with it
  const char* detail = nullptr;                   ///< which rule or precondition failed, or a hint
  std::uint64_t actual_size = 0;                  ///< open_or_create: the size of the smaller existing object

  explicit operator bool() const noexcept { return value != 0; }
  /// The error, or a clear std::error_code if there is none.
  [[nodiscard]] std::error_code code() const noexcept {
    return value != 0 ? std::error_code(value, *category) : std::error_code();
  }

  void set(std::errc error, const char* why = nullptr) noexcept {
    const std::error_code code = std::make_error_code(error);
    value = code.value();
    category = &code.category();
    detail = why;
  }
  void set_system(int os_error, const char* why = nullptr) noexcept {
    value = os_error;
    category = &std::system_category();
    detail = why;
  }
};

/// Records the OS error `error` of one step of a release (0: it went well), unless an earlier
/// step already failed: the first failure is the one reported. Does not throw.
inline void note_close_error(int error, const char* why, Status& status) noexcept {
  if (error != 0 && !status) status.set_system(error, why);
}

/**
 * What NAMEDSHM_THROW_HANDLER receives in a build without exceptions: the error of the
 * std::system_error that the failed call would have thrown, and its message, which this object
 * owns. Not a std::system_error itself: the Microsoft STL without exceptions (_HAS_EXCEPTIONS=0)
 * keeps only a pointer to the message in std::exception, so a std::system_error made from a
 * temporary string (as its constructor makes "<message>: <reason>") points at freed memory.
 */
class UnthrownError {
 public:
  /// `what()` becomes "<message>: <code.message()>", as std::system_error words it.
  UnthrownError(std::error_code code, std::string message) : code_(code), what_(std::move(message)) {
    what_ += ": ";
    what_ += code.message();
  }

  /// The error: the OS's code, or a std::errc value namedshm found itself.
  [[nodiscard]] const std::error_code& code() const noexcept { return code_; }
  /// The whole message, valid as long as this object.
  [[nodiscard]] const char* what() const noexcept { return what_.c_str(); }

 private:
  std::error_code code_;
  std::string what_;
};

/// The default NAMEDSHM_THROW_HANDLER: `what()` and a new line on stderr, flushed, since
/// std::terminate() flushes nothing and stderr may be a buffered file. Does not throw.
inline void print_error(const UnthrownError& error) noexcept {
  std::fputs(error.what(), stderr);
  std::fputs("\n", stderr);
  std::fflush(stderr);
}

/// Throws std::system_error(code, message), or, without exceptions, hands the same error to
/// NAMEDSHM_THROW_HANDLER as an UnthrownError and terminates.
[[noreturn]] inline void throw_or_terminate(std::error_code code, std::string message) {
#if NAMEDSHM_EXCEPTIONS
  throw std::system_error(code, message);
#else
  const UnthrownError error(code, std::move(message));
  NAMEDSHM_THROW_HANDLER(error);
  std::terminate();
#endif
}

/**
 * Runs `allocate` (which allocates and may throw std::bad_alloc) for a noexcept caller: false,
 * with `status` set to not_enough_memory, if it threw. Without exceptions an allocation that
 * fails has already ended the process, as operator new does there.
 */
template <class Allocate>
bool allocate_or_report([[maybe_unused]] Status& status, Allocate&& allocate) noexcept {
#if NAMEDSHM_EXCEPTIONS
  try {
    allocate();
  } catch (const std::bad_alloc&) {
    status.set(std::errc::not_enough_memory);
    return false;
  }
#else
  allocate();
#endif
  return true;
}

/// What the caller was doing, for the first words of a message.
struct OperationText {
  const char* verb;        ///< "create", "open", "open read-only", "view", ...
  std::string_view name;   ///< the region's name as the caller wrote it
  std::uint64_t size = 0;  ///< the size asked for; 0 leaves it out of the message
};

/// Appends `name` in double quotes, with control characters (a NUL above all, which would end
/// what() early) written as \xNN escapes. Throws std::bad_alloc only.
inline void append_quoted(std::string& text, std::string_view name) {
  constexpr char hex[] = "0123456789ABCDEF";
  text += '"';
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20U || byte == 0x7FU) {
      text += "\\x";
      text += hex[byte >> 4U];
      text += hex[byte & 0xFU];
    } else {
      text += c;
    }
  }
  text += '"';
}

/// Builds `namedshm: create "Local\demo" (4096 bytes): <detail>`; std::system_error appends
/// ": <reason from the OS>". Throws std::bad_alloc only.
inline std::string describe(const OperationText& what, const Status& status) {
  std::string text = "namedshm: ";
  text += what.verb;
  text += ' ';
  append_quoted(text, what.name);
  if (what.size != 0) {
    text += " (" + std::to_string(what.size) + " bytes)";
  }
  if (status.actual_size != 0) {
    text += ": the existing object has only " + std::to_string(status.actual_size) + " bytes";
  }
  if (status.detail != nullptr) {
    text += ": ";
    text += status.detail;
  }
  return text;
}

/// Throws the std::system_error that the throwing overloads promise.
[[noreturn]] inline void throw_error(const OperationText& what, const Status& status) {
  throw_or_terminate(status.code(), describe(what, status));
}

/**
 * The one way a throwing overload reports: runs `operation(status)` and throws (or, without
 * exceptions, hands to NAMEDSHM_THROW_HANDLER) the error it recorded, described by
 * `describe()`, an OperationText made only then; else returns its result. Calls whose success
 * must cost no more than their system call (Mutex's lock and unlock) describe themselves so.
 */
template <class Describe, class Operation, std::enable_if_t<std::is_invocable_v<Describe&>, int> = 0>
auto or_throw(Describe&& describe, Operation&& operation) {
  Status status;
  if constexpr (std::is_void_v<decltype(operation(status))>) {
    operation(status);
    if (status) throw_error(describe(), status);
  } else {
    auto result = operation(status);
    if (status) throw_error(describe(), status);
    return result;
  }
}

/// As above, described by `what`.
template <class Operation>
auto or_throw(const OperationText& what, Operation&& operation) {
  return or_throw([&what] { return what; }, std::forward<Operation>(operation));
}

/// The one way a noexcept overload reports: runs `operation(status)`, copies the outcome into
/// `ec` (cleared on success) and returns the result. Does not throw.
template <class Operation>
auto or_report(std::error_code& ec, Operation&& operation) noexcept {
  Status status;
  if constexpr (std::is_void_v<decltype(operation(status))>) {
    operation(status);
    ec = status.code();
  } else {
    auto result = operation(status);
    ec = status.code();
    return result;
  }
}

/// The throwing close() of every class: `close(status)` releases the object and returns the
/// name it had, which the message of a failure names (the object has none any more).
template <class Close>
void close_or_throw(const char* verb, Close&& close) {
  Status status;
  const std::string name = close(status);
  if (status) throw_error({verb, name}, status);
}

/// Where a typed view was asked for, for the message of a failed view.
struct ViewText {
  std::string_view name;
  std::uint64_t offset = 0;
  std::uint64_t count = 0;
  std::uint64_t element_size = 0;
  std::uint64_t region_size = 0;
};

/// Throws for a failed view: `namedshm: view of "x" (offset 3, 1 x 4 bytes; the region has
/// 256 bytes): the offset is not aligned for the type: Invalid argument`.
[[noreturn]] inline void throw_view_error(const ViewText& view, const Status& status) {
  std::string text = "namedshm: view of ";
  append_quoted(text, view.name);
  text += " (offset " + std::to_string(view.offset) + ", " + std::to_string(view.count) + " x " +
          std::to_string(view.element_size) + " bytes; the region has " + std::to_string(view.region_size) + " bytes)";
  if (status.detail != nullptr) {
    text += ": ";
    text += status.detail;
  }
  throw_or_terminate(status.code(), std::move(text));
}

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_ERROR_HPP
