// What the writer and reader examples need from the platform besides shared memory: UTF-8
// command-line arguments, UTF-8 output, a key press, Ctrl+C, the exit codes and the option
// parsing that both programs share.
//
// Text in and out is UTF-8 on both platforms. On Windows the arguments come from
// GetCommandLineW (so that "Grüße, 世界" arrives intact whatever the ANSI code page is), a
// console gets UTF-16 through WriteConsoleW, and a pipe or file gets UTF-8 bytes. Lines end
// with "\n" everywhere (stdout and stderr are in binary mode on Windows), so the output of
// both platforms is byte for byte the same.
#ifndef NAMEDSHM_EXAMPLES_CONSOLE_HPP
#define NAMEDSHM_EXAMPLES_CONSOLE_HPP

#include <cerrno>        // errno, ERANGE from std::strtoull
#include <chrono>        // std::chrono::milliseconds, timeouts
#include <cmath>         // std::isfinite, std::lround
#include <csignal>       // std::signal, SIGINT, SIGTERM
#include <cstddef>       // std::size_t
#include <cstdint>       // SIZE_MAX
#include <cstdio>        // std::FILE, std::fwrite
#include <cstdlib>       // std::strtod, std::strtoull
#include <exception>     // std::exception, in run_main
#include <sstream>       // std::ostringstream, to show a timeout as it was given
#include <stdexcept>     // std::runtime_error, the base of UsageError
#include <string>        // std::string
#include <string_view>   // std::string_view
#include <system_error>  // std::error_code, std::errc
#include <thread>        // std::this_thread::sleep_for, between polls
#include <vector>        // std::vector, the arguments

#if defined(_WIN32)
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  ifndef NOMINMAX
#    define NOMINMAX
#  endif
#  include <windows.h>  // GetCommandLineW, WriteConsoleW, WideCharToMultiByte; before the rest

#  include <conio.h>     // _kbhit, _getch
#  include <fcntl.h>     // _O_BINARY
#  include <io.h>        // _setmode, _fileno
#  include <shellapi.h>  // CommandLineToArgvW
#else
#  include <poll.h>    // poll, to look at stdin without blocking
#  include <unistd.h>  // isatty, read
#endif

namespace example {

/// Exit codes of the example programs; README.md has the same table.
enum ExitCode : int {
  exit_ok = 0,                ///< done: the message was read (writer) or printed (reader)
  exit_usage = 1,             ///< bad command line, invalid name, message not UTF-8 or empty
  exit_not_found = 2,         ///< reader: no region (or no message in it) within --timeout
  exit_name_taken = 3,        ///< writer: the name exists already
  exit_access_denied = 4,     ///< no permission (Windows: also Global\ without the privilege)
  exit_too_long = 5,          ///< writer: the message and its terminator do not fit in --size
  exit_not_acknowledged = 6,  ///< writer: no reader confirmed reading within --timeout
  exit_failure = 7,           ///< any other failure; the message says which
  exit_cut_short = 8,         ///< receive-file: the sender closed or died before the end
  exit_peer_gone = 9,         ///< send-file: the receiver closed or died first
  exit_corrupt = 10,          ///< receive-file: the SHA-256 of what arrived is not the sender's
  exit_interrupted = 130,     ///< Ctrl+C or SIGTERM (the writer still removes its region)
};

/// A mistake on the command line; main() reports it with exit_usage.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Ends a program with `code` after one line on stderr.
struct Failure {
  ExitCode code;
  std::string line;
};

/// The exit code for a failure that namedshm reported.
inline ExitCode exit_code_for(const std::error_code& error) noexcept {
#if defined(_WIN32)
  // Windows codes: compared by value, because the standard library's mapping of Win32 errors
  // to std::errc differs between implementations.
  if (error.category() == std::system_category()) {
    switch (error.value()) {
      case ERROR_FILE_NOT_FOUND:
      case ERROR_PATH_NOT_FOUND:
        return exit_not_found;
      case ERROR_ALREADY_EXISTS:
      case ERROR_FILE_EXISTS:
        return exit_name_taken;
      case ERROR_ACCESS_DENIED:
      case ERROR_PRIVILEGE_NOT_HELD:
        return exit_access_denied;
      default:
        return exit_failure;
    }
  }
#endif
  if (error == std::errc::no_such_file_or_directory) return exit_not_found;
  if (error == std::errc::file_exists) return exit_name_taken;
  if (error == std::errc::permission_denied || error == std::errc::operation_not_permitted) return exit_access_denied;
  // namedshm checks names before any system call and reports a bad one with these two.
  if (error == std::errc::invalid_argument || error == std::errc::filename_too_long) return exit_usage;
  return exit_failure;
}

/// A namedshm message without its "namedshm: " prefix, for a line that names the program.
inline std::string_view without_library_prefix(std::string_view what) noexcept {
  constexpr std::string_view prefix = "namedshm: ";
  if (what.substr(0, prefix.size()) == prefix) what.remove_prefix(prefix.size());
  return what;
}

#if defined(_WIN32)
inline std::wstring to_utf16(std::string_view text) {
  if (text.empty()) return {};
  const int length = ::MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  std::wstring wide(static_cast<std::size_t>(length), L'\0');
  ::MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), wide.data(), length);
  return wide;
}

/// Converts UTF-16 to UTF-8; an unpaired surrogate makes the whole argument invalid.
inline bool to_utf8(std::wstring_view wide, std::string& out) {
  out.clear();
  if (wide.empty()) return true;
  const int size = static_cast<int>(wide.size());
  const int length =
      ::WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, wide.data(), size, nullptr, 0, nullptr, nullptr);
  if (length == 0) return false;
  out.resize(static_cast<std::size_t>(length));
  ::WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, wide.data(), size, out.data(), length, nullptr, nullptr);
  return true;
}
#endif

/// The command line as UTF-8 strings, program name first. Throws UsageError if a Windows
/// argument is not well-formed UTF-16; POSIX arguments are passed on as they are.
inline std::vector<std::string> utf8_arguments(int argc, char** argv) {
#if defined(_WIN32)
  static_cast<void>(argc);
  static_cast<void>(argv);
  int count = 0;
  wchar_t** wide = ::CommandLineToArgvW(::GetCommandLineW(), &count);
  if (wide == nullptr) throw std::runtime_error("cannot read the command line");
  std::vector<std::string> arguments(static_cast<std::size_t>(count));
  bool well_formed = true;
  for (int i = 0; i < count; ++i) well_formed = to_utf8(wide[i], arguments[static_cast<std::size_t>(i)]) && well_formed;
  ::LocalFree(wide);
  if (!well_formed) throw UsageError("an argument is not well-formed UTF-16");
  return arguments;
#else
  return std::vector<std::string>(argv, argv + argc);
#endif
}

inline volatile std::sig_atomic_t interrupt_requested = 0;

inline void on_interrupt(int /*signal*/) { interrupt_requested = 1; }

/// Sets up the console: binary stdout and stderr on Windows, and Ctrl+C / SIGTERM turned into
/// a flag that the programs poll, so that they end through their destructors (on POSIX the
/// writer's region then removes its name).
inline void prepare_console() {
#if defined(_WIN32)
  _setmode(_fileno(stdout), _O_BINARY);
  _setmode(_fileno(stderr), _O_BINARY);
#endif
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
}

inline bool interrupted() noexcept { return interrupt_requested != 0; }

/// Writes `text` (UTF-8) and a line break to stdout or stderr, and flushes.
inline void write_line(std::FILE* stream, std::string_view text) {
#if defined(_WIN32)
  const HANDLE handle = ::GetStdHandle(stream == stderr ? STD_ERROR_HANDLE : STD_OUTPUT_HANDLE);
  DWORD mode = 0;
  if (::GetConsoleMode(handle, &mode)) {  // a console: it wants UTF-16, not bytes
    std::fflush(stream);
    const std::wstring wide = to_utf16(text) + L"\n";
    DWORD written = 0;
    ::WriteConsoleW(handle, wide.data(), static_cast<DWORD>(wide.size()), &written, nullptr);
    return;
  }
#endif
  std::fwrite(text.data(), 1, text.size(), stream);
  std::fputc('\n', stream);
  std::fflush(stream);
}

/// True if stdin is an interactive terminal (or console), where a key press may end a wait.
inline bool stdin_is_interactive() noexcept {
#if defined(_WIN32)
  DWORD mode = 0;
  return ::GetConsoleMode(::GetStdHandle(STD_INPUT_HANDLE), &mode) != 0;
#else
  return ::isatty(STDIN_FILENO) != 0;
#endif
}

/// What stops an interactive wait: a key on Windows, a line (Enter) in a POSIX terminal.
inline constexpr std::string_view key_prompt =
#if defined(_WIN32)
    "press a key";
#else
    "press Enter";
#endif

/// True if the user pressed the key of key_prompt; never blocks. Call only when interactive.
inline bool key_pressed() {
#if defined(_WIN32)
  if (_kbhit() == 0) return false;
  static_cast<void>(_getch());
  return true;
#else
  pollfd input{STDIN_FILENO, POLLIN, 0};
  if (::poll(&input, 1, 0) <= 0) return false;
  char line[256];
  static_cast<void>(::read(STDIN_FILENO, line, sizeof line));  // end of input counts as well
  return true;
#endif
}

/// How long the programs sleep between two looks at the region.
inline constexpr std::chrono::milliseconds poll_interval{15};

inline void pause_briefly() { std::this_thread::sleep_for(poll_interval); }

/// A timeout as given on the command line and as a duration.
struct Timeout {
  std::string text;
  std::chrono::milliseconds duration{0};
};

/// Parses seconds: a decimal number from 0 to one year, fractions allowed ("0.5").
inline Timeout parse_timeout(const std::string& text) {
  char* end = nullptr;
  const double seconds = text.empty() ? -1.0 : std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(seconds) || seconds < 0 ||
      seconds > 365.0 * 24 * 3600) {
    throw UsageError("--timeout wants seconds from 0 to 31536000, not \"" + text + "\"");
  }
  std::ostringstream shown;
  shown << seconds;
  return {shown.str(), std::chrono::milliseconds(std::lround(seconds * 1000))};
}

/// Parses a size in bytes: a whole number of at least 1.
inline std::size_t parse_size(const std::string& text, const char* option = "--size") {
  const bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = digits ? std::strtoull(text.c_str(), &end, 10) : 0;
  if (!digits || errno == ERANGE || value == 0 || value > static_cast<unsigned long long>(SIZE_MAX)) {
    throw UsageError(std::string(option) + " wants a whole number of bytes from 1, not \"" + text + "\"");
  }
  return static_cast<std::size_t>(value);
}

/// If arguments[at] is `option VALUE` or `option=VALUE`, stores VALUE (moving `at` past it)
/// and returns true. Throws UsageError if the value is missing.
inline bool take_option(const std::vector<std::string>& arguments, std::size_t& at, std::string_view option,
                        std::string& value) {
  const std::string_view argument = arguments[at];
  if (argument == option) {
    if (at + 1 >= arguments.size()) throw UsageError(std::string(option) + " needs a value");
    value = arguments[++at];
    return true;
  }
  if (argument.size() > option.size() && argument.substr(0, option.size()) == option &&
      argument[option.size()] == '=') {
    value = argument.substr(option.size() + 1);
    return true;
  }
  return false;
}

/// Writes "PROGRAM: LINE" to stderr.
inline void report(const char* program, const std::string& line) {
  write_line(stderr, std::string(program) + ": " + line);
}

/**
 * The main() of every example: `parse` turns the UTF-8 arguments into options (an empty
 * optional after --help), `run` does the work and returns the exit code. Whatever they throw
 * becomes one line on stderr and the exit code that goes with it.
 */
template <class Parse, class Run>
int run_main(const char* program, int argc, char** argv, Parse parse, Run run) {
  prepare_console();
  try {
    const auto options = parse(utf8_arguments(argc, argv));
    return options ? run(*options) : exit_ok;
  } catch (const Failure& failure) {
    report(program, failure.line);
    return failure.code;
  } catch (const UsageError& error) {
    report(program, std::string(error.what()) + " (see --help)");
    return exit_usage;
  } catch (const std::system_error& error) {
    report(program, std::string(without_library_prefix(error.what())));
    return exit_code_for(error.code());
  } catch (const std::exception& error) {
    report(program, error.what());
    return exit_failure;
  }
}

/// The option loop every example shares: -h/--help prints `usage` (and returns false);
/// `take` is offered each argument and returns false for one it does not know.
template <class Take>
bool parse_arguments(const std::vector<std::string>& arguments, const char* usage, Take take) {
  for (std::size_t at = 1; at < arguments.size(); ++at) {
    if (arguments[at] == "-h" || arguments[at] == "--help") {
      write_line(stdout, usage);
      return false;
    }
    if (!take(at)) throw UsageError("unknown argument \"" + arguments[at] + "\"");
  }
  return true;
}

}  // namespace example

#endif  // NAMEDSHM_EXAMPLES_CONSOLE_HPP
