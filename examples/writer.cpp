// namedshm-writer: the first process of the Win32 sample "Creating Named Shared Memory", on
// top of namedshm::SharedRegion, for Windows and POSIX.
//
//   namedshm-writer [--name NAME] [--message TEXT] [--size BYTES] [--encoding utf8|utf16]
//                   [--timeout SECONDS]
//
// Like the sample, it creates a pagefile-backed region (a POSIX shared memory object) of 256
// bytes named Global\MyFileMappingObject (on POSIX the prefix is dropped, so the object is
// /MyFileMappingObject), copies "Message from first process." to offset 0 with a NUL
// terminator, and keeps the region alive. Unlike the sample it never blocks on a key press
// alone: it waits until a reader has read the message, or --timeout seconds (default 60) pass,
// or, when stdin is a terminal, a key (Enter on POSIX) is pressed.
//
// - Encoding: UTF-16 on Windows (as a UNICODE build of the sample stores it), UTF-8 on POSIX;
//   --encoding chooses. A UTF-16 message must start with a character in U+0001..U+00FF, or
//   readers would take it for UTF-8 (support/message.hpp explains why); the writer refuses
//   any other rather than let it be misread.
// - "A reader has read it": our reader increments a 32-bit read count that lies right after
//   the message (support/message.hpp has the layout) and notifies the writer's event NAME.read
//   (a namedshm::Event), which wakes the writer at once. A plain program that only reads the
//   text at offset 0, as the sample's reader does, can read it all the while; it just does not
//   acknowledge, and the writer then waits its whole timeout and exits with 6.
// - The message is published so that a reader that is already waiting never sees half of it,
//   and it may not be empty, because an empty message looks like "not written yet".
// - Ctrl+C (SIGINT, SIGTERM) ends the wait cleanly: on POSIX the name is removed either way.
// - Exit codes: 0 read (or key pressed), 1 usage, 3 name taken, 4 access denied (on Windows
//   also Global\ without SeCreateGlobalPrivilege), 5 message too long, 6 not read within the
//   timeout, 7 other failure, 130 interrupted. Every failure is one line on stderr.
#include <atomic>        // std::atomic, the first code unit and the read count
#include <chrono>        // std::chrono::steady_clock, the deadline
#include <cstdint>       // std::uint16_t, std::uint32_t
#include <cstdio>        // stdout, stderr
#include <cstring>       // std::memcpy
#include <optional>      // std::optional, no options after --help
#include <string>        // std::string
#include <string_view>   // std::string_view
#include <system_error>  // std::system_error, namedshm's failures

#include <namedshm/event.hpp>     // namedshm::Event, the reader's acknowledgement
#include <namedshm/namedshm.hpp>  // namedshm::SharedRegion

#include "support/console.hpp"  // arguments, output, exit codes, key press, Ctrl+C
#include "support/message.hpp"  // the layout, encodings, defaults

namespace {

constexpr const char* program = "namedshm-writer";

constexpr const char* usage =
    "Usage: namedshm-writer [--name NAME] [--message TEXT] [--size BYTES]\n"
    "                       [--encoding utf8|utf16] [--timeout SECONDS]\n"
    "\n"
    "Creates the named shared memory NAME of BYTES bytes, stores TEXT at its start\n"
    "(NUL-terminated) and keeps it until a reader has read it or SECONDS pass.\n"
    "\n"
    "  --name NAME        default Global\\MyFileMappingObject (on POSIX the Local\\ or\n"
    "                     Global\\ prefix is dropped: /MyFileMappingObject)\n"
    "  --message TEXT     default \"Message from first process.\"; not empty\n"
    "  --size BYTES       default 256\n"
    "  --encoding ENC     utf16 (default on Windows) or utf8 (default on POSIX)\n"
    "  --timeout SECONDS  how long to wait for a reader; default 60\n"
    "  -h, --help         show this text\n"
    "\n"
    "Exit status: 0 read, 1 usage, 3 name taken, 4 access denied, 5 message too long,\n"
    "6 not read within the timeout, 7 other failure, 130 interrupted.";

struct Options {
  std::string name{example::default_name};
  std::string message{example::default_message};
  std::size_t size = example::default_size;
  example::Encoding encoding = NAMEDSHM_WINDOWS ? example::Encoding::utf16 : example::Encoding::utf8;
  example::Timeout timeout = example::parse_timeout("60");
};

std::optional<Options> parse(const std::vector<std::string>& arguments) {
  Options options;
  const bool go_on = example::parse_arguments(arguments, usage, [&](std::size_t& at) {
    std::string value;
    if (example::take_option(arguments, at, "--name", value)) {
      options.name = value;
    } else if (example::take_option(arguments, at, "--message", value)) {
      options.message = value;
    } else if (example::take_option(arguments, at, "--size", value)) {
      options.size = example::parse_size(value);
    } else if (example::take_option(arguments, at, "--timeout", value)) {
      options.timeout = example::parse_timeout(value);
    } else if (example::take_option(arguments, at, "--encoding", value)) {
      if (value != "utf8" && value != "utf16") throw example::UsageError("--encoding is utf8 or utf16");
      options.encoding = value == "utf8" ? example::Encoding::utf8 : example::Encoding::utf16;
    } else {
      return false;
    }
    return true;
  });
  if (!go_on) return std::nullopt;
  if (options.message.empty()) throw example::UsageError("the message is empty");
  if (!example::is_valid_utf8(options.message)) throw example::UsageError("the message is not valid UTF-8");
  const char32_t first = example::first_code_point(options.message);
  if (options.encoding == example::Encoding::utf16 && first > 0xFF) {
    throw example::UsageError(
        "a UTF-16 message must start with a character from U+0001 to U+00FF, or readers take it "
        "for UTF-8; use --encoding utf8");
  }
  return options;
}

/// The name as a POSIX system sees it ("/MyFileMappingObject"), followed by ", "; nothing on
/// Windows, which uses the name as given.
std::string os_name_prefix(std::string_view name) {
  if (NAMEDSHM_WINDOWS) return "";
  for (const std::string_view prefix : {"Local\\", "Global\\"}) {
    if (name.substr(0, prefix.size()) == prefix) name.remove_prefix(prefix.size());
  }
  return "/" + std::string(name) + ", ";
}

/// Sleeps until a reader notifies `read_event` (true), or for one poll interval, so that the
/// caller can look at the key and Ctrl+C.
bool wait_for_reader(namedshm::Event& read_event) {
  if (read_event.valid()) return read_event.wait_for(example::poll_interval);
  example::pause_briefly();
  return false;
}

void report(const std::string& line) { example::report(program, line); }

/// Waits until a reader has read the message, a key is pressed, Ctrl+C, or the timeout: the
/// exit code for each.
int wait_until_read(const Options& options, const std::atomic<std::uint32_t>* read_count, namedshm::Event& read_event,
                    bool interactive) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout.duration;
  for (bool told = false;;) {
    if (told || (read_count != nullptr && read_count->load(std::memory_order_acquire) != 0)) {
      example::write_line(stdout, std::string(program) + ": a reader has read the message; closing the region");
      return example::exit_ok;
    }
    if (interactive && example::key_pressed()) {
      example::write_line(stdout, std::string(program) + ": key pressed; closing the region");
      return example::exit_ok;
    }
    if (example::interrupted()) {
      report("interrupted; closing the region");
      return example::exit_interrupted;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      report("no reader confirmed reading the message within " + options.timeout.text + " s");
      return example::exit_not_acknowledged;
    }
    told = wait_for_reader(read_event);
  }
}

int run(const Options& options) {
  const std::string stored = example::encode(options.message, options.encoding);
  if (stored.size() > options.size) {
    report("the message needs " + std::to_string(stored.size()) + " bytes as " +
           example::encoding_name(options.encoding) + " with its terminator, but the region has only " +
           std::to_string(options.size) + " (see --size)");
    return example::exit_too_long;
  }

  auto region = namedshm::SharedRegion::create(options.name, options.size);
  // Made before the message is visible, so that every reader of the message finds it. Without
  // it (a name too long for the suffix, say) the read count alone tells, and is polled.
  std::error_code no_event;
  auto read_event = namedshm::Event::create(example::read_event_name(options.name), no_event);

  // Publish: everything but the first code unit, then that unit in one release store.
  std::memcpy(region.data() + 2, stored.data() + 2, stored.size() - 2);
  std::uint16_t first_unit = 0;
  std::memcpy(&first_unit, stored.data(), sizeof first_unit);
  region.object<std::atomic<std::uint16_t>>(0).store(first_unit, std::memory_order_release);

  const std::atomic<std::uint32_t>* read_count = nullptr;
  if (example::has_read_count(stored.size(), region.size())) {
    read_count = &region.object<std::atomic<std::uint32_t>>(example::read_count_offset(stored.size()));
  }

  const bool interactive = example::stdin_is_interactive();
  example::write_line(stdout, std::string(program) + ": wrote \"" + options.message + "\" to \"" + options.name +
                                  "\" (" + os_name_prefix(options.name) + std::to_string(region.size()) + " bytes, " +
                                  example::encoding_name(options.encoding) + "); waiting up to " +
                                  options.timeout.text + " s for a reader" +
                                  (interactive ? " (or " + std::string(example::key_prompt) + ")" : ""));
  if (read_count == nullptr && !read_event.valid()) {
    example::write_line(stdout, std::string(program) +
                                    ": the message leaves no room for the read count and there is no read "
                                    "event, so the wait lasts the whole timeout");
  }

  const int outcome = wait_until_read(options, read_count, read_event, interactive);
  // Closed here rather than by the destructors, which must stay silent: a close that fails says
  // so (on POSIX, "... cannot remove the name: it is left"), and run_main reports it.
  read_event.close();
  region.close();
  return outcome;
}

}  // namespace

int main(int argc, char** argv) {
  return example::run_main(program, argc, argv, parse, [](const Options& options) {
    try {
      return run(options);
    } catch (const std::system_error& error) {
      if (example::exit_code_for(error.code()) != example::exit_name_taken) throw;
      std::string line(example::without_library_prefix(error.what()));
      line += "; another process holds this name";
#if defined(__linux__)
      line += " (a writer that was killed leaves it in /dev/shm)";
#endif
      throw example::Failure{example::exit_name_taken, line};
    }
  });
}
