// The layout that the writer and reader examples share: what lies where in the region, how the
// text is encoded, and how the reader tells the two encodings apart. Pure functions, no system
// calls, no namedshm: the raw-API test programs implement the same rules on their own.
//
// Layout of the region (all offsets from the start of the mapping):
//
//   offset 0     the message, NUL-terminated: UTF-8 (one 0 byte ends it) or UTF-16LE (one 0
//                code unit, two 0 bytes, ends it). This is all that a plain program which
//                follows the Win32 sample reads or writes.
//   offset A     A = the message's size in bytes with its terminator, rounded up to a
//                multiple of 4: a 32-bit "read count", zero when the region is created. Every
//                reader that can write increments it (atomically, release) after printing the
//                message; the writer waits for it to become non-zero. If A + 4 is past the end
//                of the region, there is no read count and the writer just waits its timeout.
//   the rest     zero.
//
// Beside the region, our writer creates an auto-reset namedshm::Event named NAME + ".read"
// (read_event_name below), and our reader notifies it after reading, so that the writer wakes
// at once instead of polling the read count. The count stays, for readers that cannot open the
// event (and for anyone who looks); programs that know neither just do not acknowledge.
//
// The writer publishes the message in two steps, so that a reader that maps the region before
// the text is in place never sees half of it: it copies every byte from offset 2 on, then
// stores bytes 0 and 1 as one atomic 16-bit store (release). A reader waits (acquire) until
// those two bytes are not both 0. Every non-empty message has a non-zero first code unit, and
// a region that the writer has only just created is all zeros, so "not yet written" and
// "written" never look alike; that is why the writer refuses an empty message.
//
// How the reader tells UTF-16 from UTF-8: if byte 0 is not 0 and byte 1 is 0, the message is
// UTF-16LE; otherwise it is UTF-8. Text in UTF-8 has no 0 byte before its terminator, so byte 1
// is 0 only for a one-character ASCII message, and that reads the same as UTF-16 because the two
// bytes after it are 0 too (they are the padding before the read count, or free space). UTF-16
// text whose first character lies in U+0001..U+00FF (Latin-1, which includes all of ASCII) has
// a 0 high byte in its first unit, so it is recognised. The limit: UTF-16 text that starts with
// a character above U+00FF ("Ωmega", "世界") would be taken for UTF-8, and in general it
// cannot be told apart from UTF-8 (the four bytes 16 4E 4C 75 are "世界" in UTF-16LE and a
// valid UTF-8 string too). So our writer refuses to store such a message as UTF-16 and asks for
// `--encoding utf8`; a raw UTF-16 writer that stores one will be misread.
#ifndef NAMEDSHM_EXAMPLES_MESSAGE_HPP
#define NAMEDSHM_EXAMPLES_MESSAGE_HPP

#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint32_t
#include <string>       // std::string, encoded and decoded text
#include <string_view>  // std::string_view

namespace example {

/// The Win32 sample's name, size and message: the defaults of both programs.
inline constexpr std::string_view default_name = "Global\\MyFileMappingObject";
inline constexpr std::size_t default_size = 256;
inline constexpr std::string_view default_message = "Message from first process.";

enum class Encoding { utf8, utf16 };

inline const char* encoding_name(Encoding encoding) noexcept { return encoding == Encoding::utf8 ? "UTF-8" : "UTF-16"; }

/// The name of the writer's "it was read" event: the region's name + ".read", so
/// "Global\\MyFileMappingObject.read" for the sample's name.
inline std::string read_event_name(std::string_view region_name) { return std::string(region_name) + ".read"; }

/// Where the read count lies for a message of `stored_bytes` bytes, terminator included.
constexpr std::size_t read_count_offset(std::size_t stored_bytes) noexcept { return (stored_bytes + 3) / 4 * 4; }
/// True if the read count for such a message fits in a region of `region_size` bytes.
constexpr bool has_read_count(std::size_t stored_bytes, std::size_t region_size) noexcept {
  return read_count_offset(stored_bytes) <= region_size &&
         region_size - read_count_offset(stored_bytes) >= sizeof(std::uint32_t);
}

inline constexpr char32_t replacement_character = 0xFFFD;

/// Decodes the UTF-8 sequence at text[at], advancing `at` past it. For anything ill-formed
/// (truncated, overlong, a surrogate, above U+10FFFF) returns U+FFFD, advances by one byte and
/// clears `well_formed`.
inline char32_t next_code_point(std::string_view text, std::size_t& at, bool& well_formed) noexcept {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto reject = [&] {
    ++at;
    well_formed = false;
    return replacement_character;
  };
  const unsigned lead = byte(at);
  if (lead < 0x80U) {
    ++at;
    return lead;
  }
  std::size_t length = 4;
  char32_t minimum = 0x10000;
  if (lead < 0xC2U || lead >= 0xF5U) return reject();  // a continuation byte, overlong or too big
  if (lead < 0xE0U) {
    length = 2;
    minimum = 0x80;
  } else if (lead < 0xF0U) {
    length = 3;
    minimum = 0x800;
  }
  if (text.size() - at < length) return reject();
  char32_t value = lead & (0x7FU >> length);
  for (std::size_t i = 1; i < length; ++i) {
    const unsigned continuation = byte(at + i);
    if ((continuation & 0xC0U) != 0x80U) return reject();
    value = (value << 6U) | (continuation & 0x3FU);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return reject();
  at += length;
  return value;
}

/// As above, for callers that are content with U+FFFD.
inline char32_t next_code_point(std::string_view text, std::size_t& at) noexcept {
  bool well_formed = true;
  return next_code_point(text, at, well_formed);
}

/// Appends the UTF-8 form of a Unicode scalar value.
inline void append_utf8(std::string& out, char32_t code_point) {
  const auto put = [&](std::uint32_t bits) { out.push_back(static_cast<char>(bits)); };
  const auto cp = static_cast<std::uint32_t>(code_point);
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

/// True if `text` is well-formed UTF-8.
inline bool is_valid_utf8(std::string_view text) noexcept {
  bool well_formed = true;
  for (std::size_t at = 0; at < text.size() && well_formed;) next_code_point(text, at, well_formed);
  return well_formed;
}

/// The first character of well-formed, non-empty UTF-8 text.
inline char32_t first_code_point(std::string_view text) noexcept {
  std::size_t at = 0;
  return text.empty() ? 0 : next_code_point(text, at);
}

/// The bytes to store at offset 0: `text` (well-formed UTF-8) in `encoding`, terminator included.
inline std::string encode(std::string_view text, Encoding encoding) {
  std::string bytes;
  if (encoding == Encoding::utf8) {
    bytes.assign(text);
    bytes.push_back('\0');
    return bytes;
  }
  const auto put_unit = [&](std::uint32_t unit) {  // little-endian on every host
    bytes.push_back(static_cast<char>(unit & 0xFFU));
    bytes.push_back(static_cast<char>(unit >> 8U));
  };
  for (std::size_t at = 0; at < text.size();) {
    const auto cp = static_cast<std::uint32_t>(next_code_point(text, at));
    if (cp < 0x10000U) {
      put_unit(cp);
    } else {
      put_unit(0xD800U + ((cp - 0x10000U) >> 10U));
      put_unit(0xDC00U + ((cp - 0x10000U) & 0x3FFU));
    }
  }
  put_unit(0);
  return bytes;
}

/// The rule described at the top of this file.
inline Encoding detect_encoding(const unsigned char* bytes, std::size_t size) noexcept {
  return size >= 2 && bytes[0] != 0 && bytes[1] == 0 ? Encoding::utf16 : Encoding::utf8;
}

/// A message as read from a region.
struct Message {
  std::string text;  ///< converted to UTF-8; ill-formed input shows as U+FFFD
  Encoding encoding = Encoding::utf8;
  std::size_t stored_bytes = 0;  ///< bytes from offset 0 through the terminator
  bool terminated = false;       ///< false if the text runs to the end of the region
};

/// Reads the message at the start of `size` bytes. Never reads past `size`.
inline Message decode(const unsigned char* bytes, std::size_t size) {
  Message message;
  message.encoding = detect_encoding(bytes, size);
  std::size_t at = 0;
  if (message.encoding == Encoding::utf8) {
    while (at < size && bytes[at] != 0) ++at;
    const std::string_view raw(reinterpret_cast<const char*>(bytes), at);
    for (std::size_t i = 0; i < raw.size();) append_utf8(message.text, next_code_point(raw, i));
    message.terminated = at < size;
    message.stored_bytes = message.terminated ? at + 1 : size;
    return message;
  }
  const auto unit_at = [&](std::size_t i) { return static_cast<char32_t>(bytes[i] | (bytes[i + 1] << 8U)); };
  for (; at + 1 < size; at += 2) {
    const char32_t unit = unit_at(at);
    if (unit == 0) {
      message.terminated = true;
      break;
    }
    const bool high = unit >= 0xD800 && unit <= 0xDBFF;
    if (high && at + 3 < size && unit_at(at + 2) >= 0xDC00 && unit_at(at + 2) <= 0xDFFF) {
      append_utf8(message.text, 0x10000 + ((unit - 0xD800) << 10U) + (unit_at(at + 2) - 0xDC00));
      at += 2;
    } else {
      append_utf8(message.text, unit >= 0xD800 && unit <= 0xDFFF ? replacement_character : unit);
    }
  }
  message.stored_bytes = message.terminated ? at + 2 : size;
  return message;
}

}  // namespace example

#endif  // NAMEDSHM_EXAMPLES_MESSAGE_HPP
