// libFuzzer target for the name rules: every input is tried as a UTF-8 name (check_name,
// is_valid_utf8) and as wide text (wide_to_utf8), and each result is checked against a
// reference written here independently of detail/name.hpp: a decoder that computes code
// points, instead of the header's table of valid byte ranges.
#include <namedshm/detail/name.hpp>

#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint8_t, std::uint32_t
#include <cstdio>        // std::fprintf, to say which invariant broke
#include <cstdlib>       // std::abort, which libFuzzer reports as a finding
#include <cstring>       // std::memcpy, to read wchar_t units from unaligned bytes
#include <string>        // std::string, wide_to_utf8's output
#include <string_view>   // std::string_view, std::wstring_view
#include <system_error>  // std::errc
#include <type_traits>   // std::make_unsigned_t
#include <vector>        // the decoded code points

namespace {

namespace detail = namedshm::detail;

// A broken invariant: print it, then abort so that libFuzzer saves the input as a crash.
#define FUZZ_REQUIRE(condition)                                                                    \
  do {                                                                                             \
    if (!(condition)) {                                                                            \
      (void)std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                                \
    }                                                                                              \
  } while (false)

constexpr std::uint32_t replacement_character = 0xFFFD;

bool is_scalar_value(std::uint32_t code_point) {
  return code_point <= 0x10FFFF && (code_point < 0xD800 || code_point > 0xDFFF);
}

// Decodes UTF-8 by computing each code point from its bits; false if any sequence is
// ill-formed: a bad lead or continuation byte, truncation, an overlong form, a surrogate, or a
// value above U+10FFFF (RFC 3629).
bool reference_decode(std::string_view text, std::vector<std::uint32_t>* code_points = nullptr) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<std::uint8_t>(text[i]);
    std::size_t length = 0;
    std::uint32_t value = 0;
    if ((lead & 0x80U) == 0) {
      length = 1;
      value = lead;
    } else if ((lead & 0xE0U) == 0xC0U) {
      length = 2;
      value = lead & 0x1FU;
    } else if ((lead & 0xF0U) == 0xE0U) {
      length = 3;
      value = lead & 0x0FU;
    } else if ((lead & 0xF8U) == 0xF0U) {
      length = 4;
      value = lead & 0x07U;
    } else {
      return false;  // a continuation byte, or a lead of a 5- or 6-byte form
    }
    if (text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<std::uint8_t>(text[i + k]);
      if ((next & 0xC0U) != 0x80U) return false;
      value = (value << 6U) | (next & 0x3FU);
    }
    constexpr std::uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};  // by length: no overlongs
    if (value < smallest[length] || !is_scalar_value(value)) return false;
    if (code_points != nullptr) code_points->push_back(value);
    i += length;
  }
  return true;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

bool starts_with_any_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const auto fold = [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; };
    if (fold(text[i]) != fold(prefix[i])) return false;
  }
  return true;
}

// DESIGN.md "Names", restated: an optional case-sensitive Local\ or Global\ (a prefix in any
// other case is refused), then 1 to 255 bytes of UTF-8 without '/', '\' or NUL, and not "."
// or "..".
void check_name_against_reference(std::string_view name) {
  std::string_view prefix;
  detail::Scope scope = detail::Scope::none;
  bool wrong_case_prefix = false;
  if (starts_with(name, "Local\\")) {
    prefix = name.substr(0, 6);
    scope = detail::Scope::local;
  } else if (starts_with(name, "Global\\")) {
    prefix = name.substr(0, 7);
    scope = detail::Scope::global;
  } else {
    wrong_case_prefix = starts_with_any_case(name, "Local\\") || starts_with_any_case(name, "Global\\");
  }
  const std::string_view object = name.substr(prefix.size());
  const bool valid = !wrong_case_prefix && !object.empty() && object.size() <= 255 && object != "." && object != ".." &&
                     object.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos &&
                     reference_decode(object);

  const detail::NameCheck check = detail::check_name(name);
  FUZZ_REQUIRE(check.ok() == valid);
  FUZZ_REQUIRE(check.rule != nullptr);
  if (check.ok()) {
    // The parts are views of the caller's string that put it back together exactly (an empty
    // prefix may point anywhere).
    FUZZ_REQUIRE(check.parts.scope == scope);
    FUZZ_REQUIRE(check.parts.prefix == prefix);
    FUZZ_REQUIRE(prefix.empty() || check.parts.prefix.data() == name.data());
    FUZZ_REQUIRE(check.parts.object.data() == name.data() + prefix.size());
    FUZZ_REQUIRE(check.parts.prefix.size() + check.parts.object.size() == name.size());
    FUZZ_REQUIRE(!check.parts.object.empty() && check.parts.object.size() <= detail::max_object_name_bytes);
    FUZZ_REQUIRE(check.parts.object.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos);
    FUZZ_REQUIRE(reference_decode(check.parts.object));
    FUZZ_REQUIRE(*check.rule == '\0');
  } else {
    // A refusal says why, with one of the two codes the API documents, and "too long" only
    // for a name that is too long.
    FUZZ_REQUIRE(*check.rule != '\0');
    FUZZ_REQUIRE(check.error == std::errc::invalid_argument || check.error == std::errc::filename_too_long);
    if (check.error == std::errc::filename_too_long) FUZZ_REQUIRE(object.size() > 255);
  }
}

// wide_to_utf8 on the input read as wchar_t units (UTF-32 on this clang/Linux build, where
// wchar_t has 32 bits; the UTF-16 branch is compiled only where wchar_t has 16 bits, and the
// Windows unit tests cover it). The output must decode to the input's units, each unit that
// is not a scalar value replaced by U+FFFD, and the result says whether there was one.
void check_wide_to_utf8(const std::uint8_t* data, std::size_t size) {
  static_assert(sizeof(wchar_t) == 4, "this target reads the input as UTF-32");
  // Buffers kept from one input to the next: fewer allocations, more executions per second.
  static std::wstring wide;
  static std::vector<std::uint32_t> expected;
  static std::vector<std::uint32_t> decoded;
  static std::string out;
  wide.assign(size / sizeof(wchar_t), L'\0');
  if (!wide.empty()) std::memcpy(wide.data(), data, wide.size() * sizeof(wchar_t));
  expected.clear();
  decoded.clear();

  bool well_formed = true;
  for (const wchar_t unit : wide) {
    const auto value = static_cast<std::uint32_t>(static_cast<std::make_unsigned_t<wchar_t>>(unit));
    well_formed = well_formed && is_scalar_value(value);
    expected.push_back(is_scalar_value(value) ? value : replacement_character);
  }

  out = "stale text that must be replaced";
  const bool reported = detail::wide_to_utf8(wide, out);
  FUZZ_REQUIRE(reference_decode(out, &decoded));
  FUZZ_REQUIRE(detail::is_valid_utf8(out));
  FUZZ_REQUIRE(reported == well_formed);
  FUZZ_REQUIRE(decoded == expected);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  FUZZ_REQUIRE(detail::is_valid_utf8(text) == reference_decode(text));
  check_name_against_reference(text);
  check_wide_to_utf8(data, size);
  return 0;
}
