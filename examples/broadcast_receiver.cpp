// namedshm-broadcast-receiver: one of any number of receivers of namedshm-broadcast-sender's
// price feed. It checks that every tick arrives whole and in order, and prints how many it got,
// how many it missed (only a sender with --overwrite lets a receiver miss any) and the SHA-256
// of the ticks it got, which equals the sender's when it missed none.
//
//   namedshm-broadcast-receiver [--name NAME] [--timeout SECONDS] [--slow]
//
// It waits up to --timeout seconds (default 10) for the broadcast to appear. --slow makes it
// pause now and then, to show what an overwriting sender does to a receiver that falls behind.
// Exit codes: 0 the stream ended cleanly, 1 usage, 2 no broadcast within the timeout, 4 access
// denied, 7 other failure, 8 the sender died first, 10 a tick was wrong or out of order.
#include <chrono>        // the deadline for the broadcast, --slow's pauses
#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint64_t
#include <optional>      // std::optional, no options after --help
#include <string>        // std::string
#include <system_error>  // std::error_code
#include <thread>        // std::this_thread::sleep_for, --slow

#include <namedshm/broadcast.hpp>  // namedshm::BroadcastReceiver

#include "support/console.hpp"  // arguments, output, exit codes
#include "support/sha256.hpp"   // example::Sha256
#include "support/ticks.hpp"    // the ticks and their names

namespace {

constexpr const char* program = "namedshm-broadcast-receiver";

constexpr const char* usage =
    "Usage: namedshm-broadcast-receiver [--name NAME] [--timeout SECONDS] [--slow]\n"
    "\n"
    "Receives namedshm-broadcast-sender's ticks from the namedshm broadcast NAME until\n"
    "the sender ends, checks each, and prints what it got and the SHA-256 of it.\n"
    "\n"
    "  --name NAME        default Local\\namedshm-ticks\n"
    "  --timeout SECONDS  how long to wait for the broadcast; default 10\n"
    "  --slow             pause 1 ms after every 1000 ticks\n"
    "  -h, --help         show this text\n"
    "\n"
    "Exit status: 0 the stream ended cleanly, 1 usage, 2 no broadcast within the\n"
    "timeout, 4 access denied, 7 other failure, 8 the sender died, 10 a wrong tick.";

struct Options {
  std::string name{example::default_ticks_name};
  example::Timeout timeout = example::parse_timeout("10");
  bool slow = false;
};

std::optional<Options> parse(const std::vector<std::string>& arguments) {
  Options options;
  const bool go_on = example::parse_arguments(arguments, usage, [&](std::size_t& at) {
    std::string value;
    if (example::take_option(arguments, at, "--name", value)) {
      options.name = value;
    } else if (example::take_option(arguments, at, "--timeout", value)) {
      options.timeout = example::parse_timeout(value);
    } else if (arguments[at] == "--slow") {
      options.slow = true;
    } else {
      return false;
    }
    return true;
  });
  if (!go_on) return std::nullopt;
  return options;
}

/// Opens the sender's broadcast, waiting for it to appear.
namedshm::BroadcastReceiver attach(const Options& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout.duration;
  for (;;) {
    std::error_code ec;
    auto receiver = namedshm::BroadcastReceiver::open(options.name, ec);
    if (!ec) return receiver;
    // Any other failure: the throwing overload reports it with the operation, name and reason.
    if (ec != std::errc::no_such_file_or_directory) return namedshm::BroadcastReceiver::open(options.name);
    if (std::chrono::steady_clock::now() >= deadline) {
      throw example::Failure{example::exit_not_found, "no broadcast named \"" + options.name + "\" appeared within " +
                                                          options.timeout.text + " s"};
    }
    example::pause_briefly();
  }
}

int run(const Options& options) {
  auto receiver = attach(options);
  example::write_line(stdout, std::string(program) + ": attached to \"" + options.name + "\"");
  example::Sha256 digest;
  std::uint64_t received = 0;
  std::uint64_t next = 0;  // the number of the tick expected next
  while (const auto message = receiver.receive()) {
    if (example::interrupted()) return example::exit_interrupted;
    const std::uint64_t number = message->size() >= 8 ? example::number_of(message->data()) : ~std::uint64_t{0};
    // In order, and whole; an overwriting sender may make a receiver skip ticks, never mangle one.
    if ((received > 0 && number < next) || !example::is_tick(message->data(), message->size(), number)) {
      throw example::Failure{example::exit_corrupt, "tick " + std::to_string(number) + " is wrong or out of order"};
    }
    digest.update(message->data(), message->size());
    next = number + 1;
    ++received;
    if (options.slow && received % 1000 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const bool died = receiver.state() == namedshm::ChannelState::peer_died;
  example::write_line(stdout, std::string(program) + ": received " + std::to_string(received) + " ticks, missed " +
                                  std::to_string(receiver.lost()) + ", SHA-256 " +
                                  example::Sha256::hex(digest.finish()));
  if (died) {
    throw example::Failure{example::exit_cut_short, "the sender died before the end of the stream"};
  }
  return example::exit_ok;
}

}  // namespace

int main(int argc, char** argv) { return example::run_main(program, argc, argv, parse, run); }
