// Windows support shared by the tests, the example pair's test driver and the IPC benchmark:
// <windows.h> without its min/max macros, and command lines for CreateProcessW (UTF-8
// arguments widened and quoted by the rules that CommandLineToArgvW and the C runtime undo).
// Empty on POSIX, where posix_spawn and execv take an argument vector.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_SUPPORT_WIN32_HPP
#define NAMEDSHM_SUPPORT_WIN32_HPP

#if defined(_WIN32)
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  ifndef NOMINMAX
#    define NOMINMAX
#  endif
#  include <windows.h>

#  include <cstddef>  // std::size_t
#  include <string>
#  include <vector>

namespace namedshm_test {

/// UTF-8 to UTF-16.
inline std::wstring widen(const std::string& text) {
  if (text.empty()) return {};
  const int length = MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  std::wstring wide(static_cast<std::size_t>(length), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), wide.data(), length);
  return wide;
}

/// Appends one argument and a space: quote everything, double the backslashes before a quote.
inline void append_quoted(std::wstring& line, const std::wstring& argument) {
  line += L'"';
  std::size_t backslashes = 0;
  for (const wchar_t c : argument) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    line.append(c == L'"' ? backslashes * 2 + 1 : backslashes, L'\\');
    backslashes = 0;
    line += c;
  }
  line.append(backslashes * 2, L'\\');
  line += L"\" ";
}

/// The command line of `program` (argv[0]) with `arguments`, for CreateProcessW.
inline std::wstring command_line(const std::wstring& program, const std::vector<std::string>& arguments) {
  std::wstring line;
  append_quoted(line, program);
  for (const auto& argument : arguments) append_quoted(line, widen(argument));
  return line;
}

}  // namespace namedshm_test

#endif  // _WIN32
#endif  // NAMEDSHM_SUPPORT_WIN32_HPP
