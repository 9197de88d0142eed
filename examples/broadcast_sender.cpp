// namedshm-broadcast-sender: a price feed for any number of namedshm-broadcast-receiver
// processes, through one namedshm broadcast: each tick is written once, whatever the number of
// receivers, and every receiver checks that it got every tick, in order, whole.
//
//   namedshm-broadcast-sender [--name NAME] [--receivers N] [--count TICKS] [--timeout SECONDS]
//                             [--overwrite]
//
// It makes the broadcast, waits up to --timeout seconds (default 10) until N receivers
// (default 2) are attached, so that none misses the start, sends --count ticks (default
// 100000), and ends with the SHA-256 of everything it sent. With --overwrite it never waits for
// a slow receiver (WhenFull::overwrite): receivers then count what they missed.
// Exit codes: 0 sent, 1 usage, 2 the receivers did not come within the timeout, 3 the name is
// taken, 4 access denied, 7 other failure.
#include <chrono>        // the deadline for the receivers
#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint64_t
#include <optional>      // std::optional, no options after --help
#include <string>        // std::string
#include <system_error>  // std::system_error

#include <namedshm/broadcast.hpp>  // namedshm::BroadcastSender

#include "support/console.hpp"  // arguments, output, exit codes
#include "support/sha256.hpp"   // example::Sha256
#include "support/ticks.hpp"    // the ticks and their names

namespace {

constexpr const char* program = "namedshm-broadcast-sender";

constexpr const char* usage =
    "Usage: namedshm-broadcast-sender [--name NAME] [--receivers N] [--count TICKS]\n"
    "                                 [--timeout SECONDS] [--overwrite]\n"
    "\n"
    "Makes the namedshm broadcast NAME, waits until N receivers are attached, sends\n"
    "TICKS price ticks to all of them at once, and ends with the SHA-256 of what it sent.\n"
    "\n"
    "  --name NAME        default Local\\namedshm-ticks\n"
    "  --receivers N      how many receivers to wait for; default 2\n"
    "  --count TICKS      default 100000\n"
    "  --timeout SECONDS  how long to wait for the receivers; default 10\n"
    "  --overwrite        never wait for a slow receiver (it counts what it misses)\n"
    "  -h, --help         show this text\n"
    "\n"
    "Exit status: 0 sent, 1 usage, 2 the receivers did not come, 3 name taken,\n"
    "4 access denied, 7 other failure.";

struct Options {
  std::string name{example::default_ticks_name};
  std::size_t receivers = 2;
  std::size_t count = 100000;
  example::Timeout timeout = example::parse_timeout("10");
  bool overwrite = false;
};

std::optional<Options> parse(const std::vector<std::string>& arguments) {
  Options options;
  const bool go_on = example::parse_arguments(arguments, usage, [&](std::size_t& at) {
    std::string value;
    if (example::take_option(arguments, at, "--name", value)) {
      options.name = value;
    } else if (example::take_option(arguments, at, "--receivers", value)) {
      options.receivers = example::parse_size(value, "--receivers");
    } else if (example::take_option(arguments, at, "--count", value)) {
      options.count = example::parse_size(value, "--count");
    } else if (example::take_option(arguments, at, "--timeout", value)) {
      options.timeout = example::parse_timeout(value);
    } else if (arguments[at] == "--overwrite") {
      options.overwrite = true;
    } else {
      return false;
    }
    return true;
  });
  if (!go_on) return std::nullopt;
  return options;
}

int run(const Options& options) {
  namedshm::BroadcastOptions broadcast;
  broadcast.when_full = options.overwrite ? namedshm::WhenFull::overwrite : namedshm::WhenFull::wait;
  auto sender = namedshm::BroadcastSender::create(options.name, example::ticks_capacity, broadcast);
  example::write_line(stdout, std::string(program) + ": waiting up to " + options.timeout.text + " s for " +
                                  std::to_string(options.receivers) + " receivers on \"" + options.name + "\"");
  const auto deadline = std::chrono::steady_clock::now() + options.timeout.duration;
  while (sender.receivers() < options.receivers) {
    if (example::interrupted()) return example::exit_interrupted;
    if (std::chrono::steady_clock::now() >= deadline) {
      throw example::Failure{example::exit_not_found, "only " + std::to_string(sender.receivers()) + " of " +
                                                          std::to_string(options.receivers) +
                                                          " receivers came within " + options.timeout.text + " s"};
    }
    example::pause_briefly();
  }
  example::Sha256 digest;
  for (std::uint64_t number = 0; number < options.count; ++number) {
    if (example::interrupted()) return example::exit_interrupted;
    const example::Tick tick = example::tick_at(number);
    // Zero-copy: the tick is written straight into the ring that every receiver reads.
    auto room = sender.prepare(tick.size());
    tick.write(room.data());
    digest.update(room.data(), room.size());
    sender.commit(room.size());
  }
  sender.close();  // the end of the stream: every receiver gets all ticks, then the end
  example::write_line(stdout, std::string(program) + ": sent " + std::to_string(options.count) + " ticks, SHA-256 " +
                                  example::Sha256::hex(digest.finish()));
  return example::exit_ok;
}

}  // namespace

int main(int argc, char** argv) { return example::run_main(program, argc, argv, parse, run); }
