// namedshm: the name rules. Pure functions, no system calls, so tests and fuzzers call them
// directly and both backends agree on what a valid name is.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_NAME_HPP
#define NAMEDSHM_DETAIL_NAME_HPP

#include <cstddef>       // std::size_t
#include <string>        // std::string, the result of wide-to-UTF-8 conversion
#include <string_view>   // std::string_view, std::wstring_view
#include <system_error>  // std::errc
#include <type_traits>   // std::make_unsigned_t, to read wchar_t as a code unit

namespace namedshm::detail {

/// Longest object name after the prefix, in UTF-8 bytes (NAME_MAX on Linux).
inline constexpr std::size_t max_object_name_bytes = 255;

/// The name of an empty object (default-constructed, moved from or closed). Does not throw.
inline const std::string& empty_name() noexcept {
  static const std::string none;
  return none;
}

/// The namespace a name asks for; `none` means a bare name (Windows treats it as `Local\`).
enum class Scope : unsigned char { none, local, global };

/// A valid name split into its prefix and the object's own name.
struct NameParts {
  Scope scope = Scope::none;
  std::string_view prefix;  ///< "Local\", "Global\" or empty, as written by the caller
  std::string_view object;  ///< what follows the prefix: 1..255 bytes of UTF-8
};

/// The verdict on a name: `error` is a default-constructed std::errc when the name is valid.
struct NameCheck {
  std::errc error{};
  const char* rule = "";  ///< which rule the name breaks, as a phrase for error messages
  NameParts parts;

  constexpr bool ok() const noexcept { return error == std::errc{}; }
};

/// Returns the length of the UTF-8 sequence starting at text[0], or 0 if it is not valid
/// (truncated, overlong, a surrogate or above U+10FFFF).
constexpr std::size_t utf8_sequence_length(std::string_view text) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto continuation = [&](std::size_t i) { return i < text.size() && (byte(i) & 0xC0U) == 0x80U; };
  const unsigned lead = byte(0);
  if (lead < 0x80U) return 1;
  if (lead < 0xC2U) return 0;  // a stray continuation byte or an overlong two-byte form
  if (lead < 0xE0U) return continuation(1) ? 2 : 0;
  if (lead < 0xF0U) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xE0U && byte(1) < 0xA0U) return 0;   // overlong
    if (lead == 0xEDU && byte(1) >= 0xA0U) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (lead < 0xF5U) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (lead == 0xF0U && byte(1) < 0x90U) return 0;   // overlong
    if (lead == 0xF4U && byte(1) >= 0x90U) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

/// True if `text` is well-formed UTF-8.
constexpr bool is_valid_utf8(std::string_view text) noexcept {
  while (!text.empty()) {
    const std::size_t length = utf8_sequence_length(text);
    if (length == 0) return false;
    text.remove_prefix(length);
  }
  return true;
}

/// True if `text` starts with `prefix` when ASCII letters are compared without case.
constexpr bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) noexcept {
  if (text.size() < prefix.size()) return false;
  const auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (lower(text[i]) != lower(prefix[i])) return false;
  }
  return true;
}

constexpr NameCheck reject(std::errc error, const char* rule) noexcept {
  NameCheck check;
  check.error = error;
  check.rule = rule;
  return check;
}

/// Checks `name` against the rules of DESIGN.md and splits it into prefix and object name.
/// Never throws; the same verdict on every platform.
constexpr NameCheck check_name(std::string_view name) noexcept {
  constexpr std::string_view local_prefix = "Local\\";
  constexpr std::string_view global_prefix = "Global\\";
  if (name.empty()) return reject(std::errc::invalid_argument, "the name is empty");

  NameParts parts;
  if (name.substr(0, local_prefix.size()) == local_prefix) {
    parts.scope = Scope::local;
    parts.prefix = name.substr(0, local_prefix.size());
  } else if (name.substr(0, global_prefix.size()) == global_prefix) {
    parts.scope = Scope::global;
    parts.prefix = name.substr(0, global_prefix.size());
  } else if (starts_with_ignoring_case(name, local_prefix) || starts_with_ignoring_case(name, global_prefix)) {
    return reject(std::errc::invalid_argument, "the prefix is case-sensitive: write Local\\ or Global\\");
  }
  parts.object = name.substr(parts.prefix.size());

  if (parts.object.empty()) return reject(std::errc::invalid_argument, "nothing follows the prefix");
  if (parts.object.size() > max_object_name_bytes) {
    return reject(std::errc::filename_too_long, "the name is longer than 255 bytes after its prefix");
  }
  if (parts.object == "." || parts.object == "..") {
    return reject(std::errc::invalid_argument, R"(the name cannot be "." or "..")");
  }
  for (const char c : parts.object) {
    if (c == '\0') return reject(std::errc::invalid_argument, "the name contains a NUL character");
    if (c == '/') return reject(std::errc::invalid_argument, "the name contains '/'");
    if (c == '\\') {
      return reject(std::errc::invalid_argument,
                    R"(the name contains '\' after its prefix (only Local\ and Global\ are prefixes))");
    }
  }
  if (!is_valid_utf8(parts.object)) return reject(std::errc::invalid_argument, "the name is not valid UTF-8");

  NameCheck check;
  check.parts = parts;
  return check;
}

/// Appends the UTF-8 form of one code point (which the caller has checked is a scalar value).
inline void append_utf8(std::string& out, char32_t code_point) {
  const auto put = [&](unsigned value) { out.push_back(static_cast<char>(value)); };
  const auto cp = static_cast<unsigned>(code_point);
  if (cp < 0x80U) {
    put(cp);
  } else if (cp < 0x800U) {
    put(0xC0U | (cp >> 6U));
    put(0x80U | (cp & 0x3FU));
  } else if (cp < 0x10000U) {
    put(0xE0U | (cp >> 12U));
    put(0x80U | ((cp >> 6U) & 0x3FU));
    put(0x80U | (cp & 0x3FU));
  } else {
    put(0xF0U | (cp >> 18U));
    put(0x80U | ((cp >> 12U) & 0x3FU));
    put(0x80U | ((cp >> 6U) & 0x3FU));
    put(0x80U | (cp & 0x3FU));
  }
}

/// Converts a wide name (UTF-16 where wchar_t has 16 bits, as on Windows; UTF-32 elsewhere) to
/// UTF-8. Ill-formed input (an unpaired surrogate, a value above U+10FFFF) becomes U+FFFD so
/// that error messages can still show the name, and the function returns false.
/// Throws std::bad_alloc only.
inline bool wide_to_utf8(std::wstring_view wide, std::string& out) {
  constexpr char32_t replacement = 0xFFFD;
  bool well_formed = true;
  out.clear();
  out.reserve(wide.size());
  for (std::size_t i = 0; i < wide.size(); ++i) {
    auto unit = static_cast<char32_t>(static_cast<std::make_unsigned_t<wchar_t>>(wide[i]));
    if constexpr (sizeof(wchar_t) == 2) {
      const bool high = unit >= 0xD800 && unit <= 0xDBFF;
      const bool low_next = i + 1 < wide.size() && wide[i + 1] >= 0xDC00 && wide[i + 1] <= 0xDFFF;
      if (high && low_next) {
        const auto low = static_cast<char32_t>(wide[++i]);
        unit = 0x10000 + ((unit - 0xD800) << 10U) + (low - 0xDC00);
      }
    }
    if ((unit >= 0xD800 && unit <= 0xDFFF) || unit > 0x10FFFF) {
      unit = replacement;
      well_formed = false;
    }
    append_utf8(out, unit);
  }
  return well_formed;
}

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_NAME_HPP
