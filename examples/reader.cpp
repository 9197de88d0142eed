// namedshm-reader: the second process of the Win32 sample "Creating Named Shared Memory", on
// top of namedshm::SharedRegion, for Windows and POSIX.
//
//   namedshm-reader [--name NAME] [--timeout SECONDS]
//
// Like the sample, it opens the region named Global\MyFileMappingObject (on POSIX
// /MyFileMappingObject), maps it and shows the text at offset 0: here on a line of its own on
// stdout, in UTF-8, and nothing else goes to stdout. Unlike the sample it may start first: it
// waits up to --timeout seconds (default 10) for the region to appear and for the message in
// it to be complete, then fails with exit status 2.
//
// - Encoding: the text may be UTF-8 or UTF-16LE, whoever wrote it. It is UTF-16 if byte 0 is
//   not 0 and byte 1 is 0, else UTF-8; support/message.hpp explains the rule and its limit.
// - After printing, it tells the writer: it increments the read count after the message and
//   notifies the writer's event NAME.read (layout and event in support/message.hpp). It opens
//   the region read-write for the count; if the OS denies write access, it opens read-only
//   instead, reads the message just the same, and says on stderr whether the event still let
//   it tell the writer. A writer that made no event (a raw program) is simply not notified.
// - stderr: notes ("note: waiting ...", "note: opened ... read-only ...") as they happen and,
//   on failure, one last line that says what went wrong.
// - Exit codes: 0 printed, 1 usage, 2 no region or no message within the timeout, 4 access
//   denied, 7 other failure, 130 interrupted.
#include <atomic>        // std::atomic, the first code unit and the read count
#include <chrono>        // std::chrono::steady_clock, the deadline
#include <cstdint>       // std::uint16_t, std::uint32_t
#include <cstdio>        // stdout, stderr
#include <optional>      // std::optional, no options after --help
#include <string>        // std::string
#include <system_error>  // std::system_error, namedshm's failures

#include <namedshm/event.hpp>     // namedshm::Event, the acknowledgement
#include <namedshm/namedshm.hpp>  // namedshm::SharedRegion, namedshm::ReadOnlyRegion

#include "support/console.hpp"  // arguments, output, exit codes, Ctrl+C
#include "support/message.hpp"  // the layout, encodings, defaults

namespace {

constexpr const char* program = "namedshm-reader";

constexpr const char* usage =
    "Usage: namedshm-reader [--name NAME] [--timeout SECONDS]\n"
    "\n"
    "Opens the named shared memory NAME, waiting for it if need be, and prints the\n"
    "NUL-terminated text at its start (UTF-8 or UTF-16) as a line of UTF-8.\n"
    "\n"
    "  --name NAME        default Global\\MyFileMappingObject (on POSIX the Local\\ or\n"
    "                     Global\\ prefix is dropped: /MyFileMappingObject)\n"
    "  --timeout SECONDS  how long to wait for the region and its message; default 10\n"
    "  -h, --help         show this text\n"
    "\n"
    "Exit status: 0 printed, 1 usage, 2 not found within the timeout, 4 access denied,\n"
    "7 other failure, 130 interrupted.";

struct Options {
  std::string name{example::default_name};
  example::Timeout timeout = example::parse_timeout("10");
};

using example::Failure;

std::optional<Options> parse(const std::vector<std::string>& arguments) {
  Options options;
  const bool go_on = example::parse_arguments(arguments, usage, [&](std::size_t& at) {
    std::string value;
    if (example::take_option(arguments, at, "--name", value)) {
      options.name = value;
    } else if (example::take_option(arguments, at, "--timeout", value)) {
      options.timeout = example::parse_timeout(value);
    } else {
      return false;
    }
    return true;
  });
  return go_on ? std::optional<Options>(options) : std::nullopt;
}

void report(const std::string& line) { example::report(program, line); }

using Clock = std::chrono::steady_clock;

void pause_or_stop(const Clock::time_point deadline, const Failure& on_timeout) {
  if (example::interrupted()) throw Failure{example::exit_interrupted, "interrupted"};
  if (Clock::now() >= deadline) throw on_timeout;
  example::pause_briefly();
}

/// Waits for the message to be complete, prints it, and (read-write only) counts the read.
template <class Region>
void read_message(const Region& region, const Options& options, const Clock::time_point deadline) {
  const Failure no_message{example::exit_not_found,
                           "\"" + options.name + "\" holds no message after " + options.timeout.text + " s"};
  if (region.size() < 2) {  // no room for a character and its terminator
    throw Failure{example::exit_not_found, "\"" + options.name + "\" has only " + std::to_string(region.size()) +
                                               " byte, too few for a message"};
  }
  const auto& first_unit = region.template object<std::atomic<std::uint16_t>>(0);
  while (first_unit.load(std::memory_order_acquire) == 0) pause_or_stop(deadline, no_message);

  const auto* bytes = reinterpret_cast<const unsigned char*>(region.data());
  const example::Message message = example::decode(bytes, region.size());
  example::write_line(stdout, message.text);

  if constexpr (Region::access() == namedshm::Access::read_write) {
    if (message.terminated && example::has_read_count(message.stored_bytes, region.size())) {
      const std::size_t offset = example::read_count_offset(message.stored_bytes);
      region.template object<std::atomic<std::uint32_t>>(offset).fetch_add(1, std::memory_order_release);
    }
  }
}

/// Notifies the writer's "read" event, if there is one we may open. True if notified.
bool tell_writer(const Options& options) noexcept {
  std::error_code ec;
  auto read_event = namedshm::Event::open(example::read_event_name(options.name), ec);
  if (!ec) read_event.notify(ec);
  return !ec;
}

void run(const Options& options) {
  const auto deadline = Clock::now() + options.timeout.duration;
  const Failure not_found{example::exit_not_found, "no shared memory named \"" + options.name + "\" appeared within " +
                                                       options.timeout.text + " s"};
  bool told_waiting = false;
  for (;;) {
    try {
      read_message(namedshm::SharedRegion::open(options.name), options, deadline);
      tell_writer(options);
      return;
    } catch (const std::system_error& error) {
      const example::ExitCode code = example::exit_code_for(error.code());
      if (code == example::exit_access_denied) break;
      if (code != example::exit_not_found) throw;
    }
    if (!told_waiting && options.timeout.duration.count() > 0) {
      report("note: waiting up to " + options.timeout.text + " s for \"" + options.name + "\" to appear");
      told_waiting = true;
    }
    pause_or_stop(deadline, not_found);
  }
  // No write access: read all the same; only the event, if it lets us in, tells the writer.
  const auto region = namedshm::ReadOnlyRegion::open(options.name);
  read_message(region, options, deadline);
  report("note: opened \"" + options.name + "\" read-only (no write access), so the writer " +
         (tell_writer(options) ? "is told through its event only" : "is not told"));
}

}  // namespace

int main(int argc, char** argv) {
  return example::run_main(program, argc, argv, parse, [](const Options& options) {
    run(options);
    return example::exit_ok;
  });
}
