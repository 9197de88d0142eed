// namedshm: how failures travel from a backend to the caller, and the messages they become.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_ERROR_HPP
#define NAMEDSHM_DETAIL_ERROR_HPP

#include <cstdint>       // std::uint64_t, sizes in messages
#include <string>        // std::string, the message of a thrown error
#include <string_view>   // std::string_view
#include <system_error>  // std::error_code, std::system_error, std::errc

namespace namedshm::detail {

/// The outcome of an operation: the error code plus what a message needs beyond it. Filled by
/// noexcept code, so it holds no owning strings: `detail` is a static phrase or null.
struct Status {
  std::error_code code;
  const char* detail = nullptr;   ///< which rule or precondition failed, or a hint
  std::uint64_t actual_size = 0;  ///< open_or_create: the size of the smaller existing object

  explicit operator bool() const noexcept { return static_cast<bool>(code); }

  void set(std::errc error, const char* why = nullptr) noexcept {
    code = std::make_error_code(error);
    detail = why;
  }
  void set_system(int os_error, const char* why = nullptr) noexcept {
    code.assign(os_error, std::system_category());
    detail = why;
  }
};

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
  throw std::system_error(status.code, describe(what, status));
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
  throw std::system_error(status.code, text);
}

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_ERROR_HPP
