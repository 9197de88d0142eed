// Names: the rules of DESIGN.md "Names" through the pure check_name, the UTF-8 and wide-text
// helpers, and the same verdicts through every operation of the real API.
#include <namedshm/namedshm.hpp>

#include <cstdint>           // std::uint32_t, the value written through a region
#include <cstdio>            // std::snprintf, to show invalid bytes in a test's output
#include <initializer_list>  // std::initializer_list, code units of ill-formed wide text
#include <string>            // std::string, std::wstring
#include <string_view>       // std::string_view, names with an explicit length
#include <system_error>      // std::error_code, std::errc, std::system_error
#include <vector>            // std::vector, the table of invalid names

#include "support/catch.hpp"
#include "support/process.hpp"

using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm::detail::check_name;
using namedshm::detail::is_valid_utf8;
using namedshm::detail::NameCheck;
using namedshm::detail::Scope;
using namedshm::detail::wide_to_utf8;
using namedshm_test::unique_name;

namespace {

// Written as escapes so that the test does not depend on the compiler's source character set.
// "Grüße-世界": the hex escapes are split where a hex digit follows.
constexpr std::string_view greetings =
    "Gr\xC3\xBC\xC3\x9F"
    "e-\xE4\xB8\x96\xE7\x95\x8C";
constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD

/// `text` with control characters written as \xNN escapes, as namedshm's messages quote names;
/// with `non_ascii_too`, the bytes above 0x7F as well, for readable test output.
std::string escaped(std::string_view text, bool non_ascii_too) {
  std::string result;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || (non_ascii_too && byte > 0x7F)) {
      char escape[8];
      std::snprintf(escape, sizeof escape, "\\x%02X", static_cast<unsigned>(byte));
      result += escape;
    } else {
      result += c;
    }
  }
  return result;
}

std::string printable(std::string_view text) { return escaped(text, true); }
// Appended, not `"\"" + escaped(...)`: that operator+ inserts the literal at the front of the
// temporary, and in optimised C++20 builds g++ 12 inlines the insert and reports a false
// -Wrestrict overlap there (a known g++ 12 false positive), an error under -Werror.
std::string quoted_as_in_messages(std::string_view name) {
  std::string quoted = "\"";
  quoted += escaped(name, false);
  quoted += '"';
  return quoted;
}

/// An ASCII name as a wide string.
std::wstring widen_ascii(std::string_view text) {
  std::wstring wide;
  for (const char c : text) wide += static_cast<wchar_t>(c);
  return wide;
}

/// Wide text from numeric code units, for ill-formed text that no literal can spell portably.
std::wstring wide_units(std::initializer_list<unsigned long> units) {
  std::wstring wide;
  for (const unsigned long unit : units) wide += static_cast<wchar_t>(unit);
  return wide;
}

/// Checks that check_name refuses `name` with `error`, for the rule whose words are `rule`.
void check_refused(std::string_view name, std::errc error, std::string_view rule) {
  INFO("name: \"" << printable(name) << "\"");
  const NameCheck check = check_name(name);
  CHECK_FALSE(check.ok());
  CHECK(check.error == error);
  CHECK_THAT(std::string(check.rule), NAMEDSHM_CONTAINS(std::string(rule)));
}

/// Checks that check_name accepts `name` and splits it as `scope`, `prefix`, `object`.
void check_accepted(std::string_view name, Scope scope, std::string_view prefix, std::string_view object) {
  INFO("name: \"" << printable(name) << "\"");
  const NameCheck check = check_name(name);
  REQUIRE(check.ok());
  CHECK(check.parts.scope == scope);
  CHECK(check.parts.prefix == prefix);
  CHECK(check.parts.object == object);
}

/// One invalid name, the code it must get and words of the rule it breaks.
struct InvalidName {
  std::string name;
  std::errc error;
  const char* rule;
};

/// One name for every rule (and every kind of ill-formed UTF-8).
std::vector<InvalidName> invalid_names() {
  constexpr auto invalid = std::errc::invalid_argument;
  return {
      {"", invalid, "empty"},
      {"Local\\", invalid, "nothing follows the prefix"},
      {"Global\\", invalid, "nothing follows the prefix"},
      {std::string(256, 'n'), std::errc::filename_too_long, "longer than 255 bytes"},
      {"Local\\" + std::string(256, 'n'), std::errc::filename_too_long, "longer than 255 bytes"},
      {"a/b", invalid, "'/'"},
      {"/leading-slash", invalid, "'/'"},
      {"Local\\a\\b", invalid, "'\\' after its prefix"},
      {"bare\\name", invalid, "'\\' after its prefix"},
      {std::string("ab\0cd", 5), invalid, "NUL"},
      {"local\\x", invalid, "case-sensitive"},
      {"GLOBAL\\x", invalid, "case-sensitive"},
      {".", invalid, "\".\" or \"..\""},
      {"Local\\..", invalid, "\".\" or \"..\""},
      {"overlong-\xC0\x80", invalid, "not valid UTF-8"},
      {"lone-continuation-\x80", invalid, "not valid UTF-8"},
      {"surrogate-\xED\xA0\x80", invalid, "not valid UTF-8"},
      {"above-max-\xF4\x90\x80\x80", invalid, "not valid UTF-8"},
      {"truncated-\xE4\xB8", invalid, "not valid UTF-8"},
  };
}

/// The std::system_error that `operation` throws; one with an empty code if it throws nothing.
/// Any other exception escapes, and Catch2 reports it as a failure.
template <class Operation>
std::system_error error_thrown_by(Operation&& operation) {
  try {
    operation();
  } catch (const std::system_error& error) {
    return error;
  }
  return std::system_error(std::error_code(), "nothing was thrown");
}

/// Runs one operation both ways on an invalid name: the error_code overload must fail with
/// `expected`, the throwing one with the same code and a message that starts with `heading`
/// followed by the rule's words.
template <class WithCode, class Throwing>
void check_operation_refuses(const InvalidName& expected, const std::string& heading, WithCode&& with_code,
                             Throwing&& throwing) {
  INFO(printable(heading));
  std::error_code code = std::make_error_code(std::errc::io_error);
  CHECK_FALSE(with_code(code));
  CHECK(code == std::make_error_code(expected.error));
  const std::system_error error = error_thrown_by(throwing);
  CHECK(error.code() == code);
  const std::string what = error.what();
  CHECK_THAT(what, Catch::Matchers::StartsWith(heading + ": ") && NAMEDSHM_CONTAINS(expected.rule));
}

}  // namespace

TEST_CASE("check_name accepts bare names and names with a Local or Global prefix, which it splits off", "[names]") {
  static_assert(check_name("Local\\demo").ok(), "check_name is usable at compile time");
  check_accepted("demo", Scope::none, "", "demo");
  check_accepted("Local\\demo", Scope::local, "Local\\", "demo");
  check_accepted("Global\\demo", Scope::global, "Global\\", "demo");
  // Only the exact prefixes followed by a backslash count: these are bare names.
  check_accepted("Local", Scope::none, "", "Local");
  check_accepted("Globalx", Scope::none, "", "Globalx");
  check_accepted("local-x", Scope::none, "", "local-x");
  // Dots are only refused as the whole name.
  check_accepted("...", Scope::none, "", "...");
  check_accepted("Local\\.hidden", Scope::local, "Local\\", ".hidden");
}

TEST_CASE("check_name counts the 255-byte limit in bytes after the prefix", "[names]") {
  const std::string longest(255, 'n');
  check_accepted(longest, Scope::none, "", longest);
  check_accepted("Local\\" + longest, Scope::local, "Local\\", longest);
  check_accepted("Global\\" + longest, Scope::global, "Global\\", longest);
  check_refused(longest + "n", std::errc::filename_too_long, "longer than 255 bytes");
  check_refused("Global\\" + longest + "n", std::errc::filename_too_long, "longer than 255 bytes");

  // 85 three-byte characters are 85 characters but 255 bytes; one more byte is too many.
  std::string wide_characters;
  for (int i = 0; i < 85; ++i) wide_characters += "\xE4\xB8\x96";
  check_accepted(wide_characters, Scope::none, "", wide_characters);
  check_refused(wide_characters + "n", std::errc::filename_too_long, "longer than 255 bytes");
}

TEST_CASE("check_name accepts multi-byte UTF-8", "[names]") {
  check_accepted(greetings, Scope::none, "", greetings);
  const std::string local = "Local\\" + std::string(greetings);
  check_accepted(local, Scope::local, "Local\\", greetings);
  check_accepted("smile-\xF0\x9F\x98\x80", Scope::none, "", "smile-\xF0\x9F\x98\x80");  // U+1F600
  check_accepted("max-\xF4\x8F\xBF\xBF", Scope::none, "", "max-\xF4\x8F\xBF\xBF");      // U+10FFFF
}

TEST_CASE("check_name refuses an empty name and a prefix with nothing after it", "[names]") {
  check_refused("", std::errc::invalid_argument, "empty");
  check_refused("Local\\", std::errc::invalid_argument, "nothing follows the prefix");
  check_refused("Global\\", std::errc::invalid_argument, "nothing follows the prefix");
}

TEST_CASE("check_name refuses a slash, a backslash after the prefix and NUL in the object name", "[names]") {
  check_refused("a/b", std::errc::invalid_argument, "'/'");
  check_refused("/posix-style", std::errc::invalid_argument, "'/'");
  check_refused("Local\\a/b", std::errc::invalid_argument, "'/'");
  check_refused("Local\\a\\b", std::errc::invalid_argument, "'\\' after its prefix");
  check_refused("Global\\Local\\x", std::errc::invalid_argument, "'\\' after its prefix");
  check_refused("bare\\name", std::errc::invalid_argument, "'\\' after its prefix");
  check_refused(std::string_view("ab\0cd", 5), std::errc::invalid_argument, "NUL");
  check_refused(std::string_view("Local\\\0", 7), std::errc::invalid_argument, "NUL");
  check_refused(std::string_view("tail\0", 5), std::errc::invalid_argument, "NUL");
}

TEST_CASE("check_name: the prefixes are case-sensitive, as in Windows", "[names]") {
  check_refused("local\\x", std::errc::invalid_argument, "case-sensitive");
  check_refused("LOCAL\\x", std::errc::invalid_argument, "case-sensitive");
  check_refused("GLOBAL\\x", std::errc::invalid_argument, "case-sensitive");
  check_refused("global\\x", std::errc::invalid_argument, "case-sensitive");
}

TEST_CASE("check_name refuses \".\" and \"..\", with or without a prefix", "[names]") {
  check_refused(".", std::errc::invalid_argument, "\".\" or \"..\"");
  check_refused("..", std::errc::invalid_argument, "\".\" or \"..\"");
  check_refused("Local\\.", std::errc::invalid_argument, "\".\" or \"..\"");
  check_refused("Global\\..", std::errc::invalid_argument, "\".\" or \"..\"");
}

TEST_CASE("check_name refuses ill-formed UTF-8", "[names]") {
  const char* const rule = "not valid UTF-8";
  check_refused("overlong-\xC0\x80", std::errc::invalid_argument, rule);  // U+0000 in two bytes
  check_refused("lone-\x80-continuation", std::errc::invalid_argument, rule);
  check_refused("surrogate-\xED\xA0\x80", std::errc::invalid_argument, rule);  // U+D800
  check_refused("above-\xF4\x90\x80\x80", std::errc::invalid_argument, rule);  // U+110000
  check_refused("truncated-\xE4\xB8", std::errc::invalid_argument, rule);      // 2 of 3 bytes
  check_refused("\xE4\xB8-cut-short", std::errc::invalid_argument, rule);
}

TEST_CASE("is_valid_utf8 accepts every scalar value's form and nothing else", "[names][utf8]") {
  static_assert(is_valid_utf8("Gr\xC3\xBC\xC3\x9F"
                              "e"),
                "is_valid_utf8 is usable at compile time");
  CHECK(is_valid_utf8(""));
  CHECK(is_valid_utf8(greetings));
  // The first and last code point of each sequence length, and around the surrogates.
  for (const std::string_view valid : {"\x7F", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80",
                                       "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF"}) {
    INFO(printable(valid));
    CHECK(is_valid_utf8(valid));
  }
  for (const std::string_view invalid :
       {"\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xE0\x9F\xBF", "\xED\xA0\x80", "\xED\xBF\xBF",
        "\xF0\x80\x80\x80", "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "\xC3", "\xC3\x28",
        "\xE4\xB8", "\xF0\x9F\x98", "\xF0\x9F\x98\x28"}) {
    INFO(printable(invalid));
    CHECK_FALSE(is_valid_utf8(invalid));
  }
}

TEST_CASE("wide_to_utf8 converts well-formed wide text, also outside the BMP", "[names][wide]") {
  std::string utf8 = "left over";  // the result replaces, never appends
  CHECK(wide_to_utf8(L"", utf8));
  CHECK(utf8.empty());
  CHECK(wide_to_utf8(L"Local\\demo", utf8));
  CHECK(utf8 == "Local\\demo");
  CHECK(wide_to_utf8(L"Gr\u00FC\u00DFe-\u4E16\u754C", utf8));
  CHECK(utf8 == greetings);
  // One code unit in UTF-32 (Linux), a surrogate pair in UTF-16 (Windows): the same result.
  CHECK(wide_to_utf8(L"\U0001F600", utf8));
  CHECK(utf8 == "\xF0\x9F\x98\x80");
  CHECK(wide_to_utf8(L"\U0010FFFF", utf8));
  CHECK(utf8 == "\xF4\x8F\xBF\xBF");
  CHECK(wide_to_utf8(L"\uFFFD", utf8));  // U+FFFD itself is well-formed
  CHECK(utf8 == replacement_character);
}

TEST_CASE("wide_to_utf8 turns ill-formed wide text into U+FFFD and reports it", "[names][wide]") {
  const std::string fffd(replacement_character);
  std::string utf8;
  CHECK_FALSE(wide_to_utf8(wide_units({0xD800}), utf8));  // a lone high surrogate
  CHECK(utf8 == fffd);
  CHECK_FALSE(wide_to_utf8(wide_units({'a', 0xDC00, 'b'}), utf8));  // a lone low surrogate
  CHECK(utf8 == "a" + fffd + "b");
  CHECK_FALSE(wide_to_utf8(wide_units({'a', 0xD83D}), utf8));  // a high surrogate at the end
  CHECK(utf8 == "a" + fffd);
  CHECK_FALSE(wide_to_utf8(wide_units({0xDE00, 0xD83D}), utf8));  // a pair in the wrong order
  CHECK(utf8 == fffd + fffd);

  const std::wstring pair = wide_units({0xD83D, 0xDE00});
  if constexpr (sizeof(wchar_t) == 2) {
    CHECK(wide_to_utf8(pair, utf8));  // UTF-16: the pair is U+1F600
    CHECK(utf8 == "\xF0\x9F\x98\x80");
  } else {
    CHECK_FALSE(wide_to_utf8(pair, utf8));  // UTF-32: surrogates are never code points
    CHECK(utf8 == fffd + fffd);
    CHECK_FALSE(wide_to_utf8(wide_units({'x', 0x110000}), utf8));  // above U+10FFFF
    CHECK(utf8 == "x" + fffd);
  }
}

TEST_CASE("every operation refuses an invalid name with check_name's code and rule", "[names][api]") {
  for (const InvalidName& bad : invalid_names()) {
    INFO("name: \"" << printable(bad.name) << "\"");
    const NameCheck check = check_name(bad.name);  // the table agrees with the pure rules
    CHECK(check.error == bad.error);
    CHECK_THAT(std::string(check.rule), NAMEDSHM_CONTAINS(bad.rule));

    const std::string& name = bad.name;
    const std::string shown = quoted_as_in_messages(name);
    check_operation_refuses(
        bad, "namedshm: create " + shown + " (64 bytes)",
        [&](std::error_code& code) { return SharedRegion::create(name, 64, code).valid(); },
        [&] { return SharedRegion::create(name, 64); });
    check_operation_refuses(
        bad, "namedshm: open " + shown, [&](std::error_code& code) { return SharedRegion::open(name, code).valid(); },
        [&] { return SharedRegion::open(name); });
    check_operation_refuses(
        bad, "namedshm: open_or_create " + shown + " (64 bytes)",
        [&](std::error_code& code) { return SharedRegion::open_or_create(name, 64, code).valid(); },
        [&] { return SharedRegion::open_or_create(name, 64); });
    check_operation_refuses(
        bad, "namedshm: remove " + shown, [&](std::error_code& code) { return SharedRegion::remove(name, code); },
        [&] { SharedRegion::remove(name); });
    check_operation_refuses(
        bad, "namedshm: open read-only " + shown,
        [&](std::error_code& code) { return ReadOnlyRegion::open(name, code).valid(); },
        [&] { return ReadOnlyRegion::open(name); });
  }
}

TEST_CASE("a message shows control characters of a name as escapes, a NUL too", "[names][api]") {
  // what() returns a C string: a raw NUL in the quoted name would end the message there.
  const std::string name("ab\0c\td\x7F", 7);
  const std::system_error error = error_thrown_by([&] { return SharedRegion::open(name); });
  CHECK(error.code() == std::errc::invalid_argument);
  CHECK_THAT(std::string(error.what()),
             Catch::Matchers::StartsWith("namedshm: open \"ab\\x00c\\x09d\\x7F\": the name contains a NUL"));
}

TEST_CASE("an ill-formed wide name is refused by every operation", "[names][wide][api]") {
  std::wstring wide = widen_ascii(unique_name("bad-wide"));
  wide += static_cast<wchar_t>(0xD800);
  std::error_code code;
  CHECK_FALSE(SharedRegion::create(wide, 64, code));
  CHECK(code == std::make_error_code(std::errc::invalid_argument));
  CHECK_FALSE(SharedRegion::open(wide, code));
  CHECK(code == std::make_error_code(std::errc::invalid_argument));
  CHECK_FALSE(SharedRegion::open_or_create(wide.c_str(), 64, code));
  CHECK(code == std::make_error_code(std::errc::invalid_argument));
  CHECK_FALSE(SharedRegion::remove(wide, code));
  CHECK(code == std::make_error_code(std::errc::invalid_argument));
  CHECK_FALSE(ReadOnlyRegion::open(wide.c_str(), code));
  CHECK(code == std::make_error_code(std::errc::invalid_argument));
  // The message shows the name with U+FFFD where the bad code unit was.
  CHECK_THROWS_WITH(SharedRegion::create(wide, 64), NAMEDSHM_CONTAINS("not well-formed Unicode") &&
                                                        NAMEDSHM_CONTAINS(std::string(replacement_character) + "\""));
}

TEST_CASE("a wide name reaches the same object as the equal UTF-8 name", "[names][wide][api]") {
  const std::string base = unique_name("wide");
  const std::wstring wide = widen_ascii(base) + L"-\u00FC\U0001F600";  // ü, and 😀 outside the BMP
  const std::string utf8 = base + "-\xC3\xBC\xF0\x9F\x98\x80";

  auto created = SharedRegion::create(wide, 4096);
  CHECK(created.name() == utf8);
  created.object<std::uint32_t>() = 0x5EED;
  auto opened = SharedRegion::open(utf8);
  CHECK(opened.object<std::uint32_t>() == 0x5EED);
  opened.object<std::uint32_t>(4) = 7;
  CHECK(created.object<std::uint32_t>(4) == 7);

  const wchar_t* const pointer = wide.c_str();
  auto reader = ReadOnlyRegion::open(pointer);
  CHECK(reader.name() == utf8);
  CHECK(reader.object<std::uint32_t>() == 0x5EED);
}

TEST_CASE("the longest valid name works end to end, with or without its prefix", "[names][api]") {
  // 255 bytes after the prefix, some of them in multi-byte characters.
  std::string longest = unique_name("long") + "-\xE4\xB8\x96\xE7\x95\x8C";
  longest.append(255 - longest.size(), 'n');
  REQUIRE(check_name(longest).ok());
  auto created = SharedRegion::create("Local\\" + longest, 64);
  created.object<std::uint32_t>() = 42;
  CHECK(ReadOnlyRegion::open(longest).object<std::uint32_t>() == 42);
  std::error_code code;
  CHECK_FALSE(SharedRegion::create(longest, 64, code));  // the bare name is the same object
  CHECK(code == std::errc::file_exists);
}
