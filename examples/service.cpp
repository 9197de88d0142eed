// namedshm-service: a service that any number of namedshm-client processes send requests to,
// through one namedshm::Mailbox. Each request names the client's own reply channel; the
// service answers each with the SHA-256 of the request's payload, through a ChannelSender to
// that channel, and keeps serving whatever its clients do, a client that dies in the middle of
// writing a request included.
//
//   namedshm-service [--name NAME] [--clients N]
//
// It makes the mailbox NAME (default Local\namedshm-service) and answers requests until N
// clients have said goodbye (default 0: until Ctrl+C or SIGTERM), then prints what it did.
// Exit codes: 0 done, 1 usage, 3 the name is taken, 4 access denied, 7 other failure,
// 130 interrupted.
#include <chrono>        // the receive's slice, so that Ctrl+C is seen
#include <cstddef>       // std::byte, std::size_t
#include <cstdint>       // std::uint64_t
#include <map>           // the reply channels by name
#include <optional>      // std::optional, no options after --help
#include <string>        // std::string
#include <system_error>  // std::error_code

#include <namedshm/channel.hpp>  // namedshm::ChannelSender, the replies
#include <namedshm/mailbox.hpp>  // namedshm::Mailbox, the requests

#include "support/console.hpp"  // arguments, output, exit codes
#include "support/service.hpp"  // the requests and replies

namespace {

constexpr const char* program = "namedshm-service";

constexpr const char* usage =
    "Usage: namedshm-service [--name NAME] [--clients N]\n"
    "\n"
    "Makes the namedshm mailbox NAME and answers namedshm-client's requests (the SHA-256\n"
    "of each request's payload, through the client's own reply channel) until N clients\n"
    "have said goodbye, or until Ctrl+C.\n"
    "\n"
    "  --name NAME    default Local\\namedshm-service\n"
    "  --clients N    how many clients to serve to the end; default 0: until Ctrl+C\n"
    "  -h, --help     show this text\n"
    "\n"
    "Exit status: 0 done, 1 usage, 3 name taken, 4 access denied, 7 other failure,\n"
    "130 interrupted.";

struct Options {
  std::string name{example::default_service_name};
  std::size_t clients = 0;
};

std::optional<Options> parse(const std::vector<std::string>& arguments) {
  Options options;
  const bool go_on = example::parse_arguments(arguments, usage, [&](std::size_t& at) {
    std::string value;
    if (example::take_option(arguments, at, "--name", value)) {
      options.name = value;
    } else if (example::take_option(arguments, at, "--clients", value)) {
      options.clients = value == "0" ? 0 : example::parse_size(value, "--clients");
    } else {
      return false;
    }
    return true;
  });
  if (!go_on) return std::nullopt;
  return options;
}

/// What the service has done, for its last line.
struct Tally {
  std::uint64_t answered = 0;
  std::uint64_t done = 0;     ///< clients that said goodbye
  std::uint64_t dropped = 0;  ///< clients whose reply channel was gone or stuck
  std::uint64_t malformed = 0;
};

/// The service's side of every client's reply channel, opened at the client's first request
/// and closed at its goodbye (or when a reply cannot be delivered).
class Replies {
 public:
  explicit Replies(Tally& tally) : tally_(tally) {}

  void answer(const example::Request& request) {
    const std::string name(request.reply_name);
    auto found = senders_.find(name);
    if (found == senders_.end()) {
      std::error_code ec;
      auto sender = namedshm::ChannelSender::open(name, ec);
      if (ec) {  // the client has gone already, or never made its channel
        example::report(program, "note: no reply channel \"" + name + "\": " + ec.message());
        ++tally_.dropped;
        return;
      }
      found = senders_.emplace(name, std::move(sender)).first;
    }
    std::byte reply[example::reply_size];
    example::write_reply(reply, request);
    // A client takes its reply at once; one that does not within a second (it died, or hangs)
    // must not stop the service from serving the others.
    std::error_code ec;
    if (!found->second.send_for(reply, sizeof reply, std::chrono::seconds(1), ec)) {
      example::report(program, "note: dropping client \"" + name + "\" (" +
                                   (ec ? ec.message() : std::string("it takes no replies")) + ")");
      senders_.erase(found);
      ++tally_.dropped;
      return;
    }
    ++tally_.answered;
  }

  void goodbye(std::string_view reply_name) {
    senders_.erase(std::string(reply_name));
    ++tally_.done;
  }

 private:
  Tally& tally_;
  std::map<std::string, namedshm::ChannelSender> senders_;
};

int run(const Options& options) {
  auto box = namedshm::Mailbox::create(options.name, example::service_capacity);
  example::write_line(stdout, std::string(program) + ": waiting for requests on \"" + options.name + "\"");
  Tally tally;
  Replies replies(tally);
  while (options.clients == 0 || tally.done < options.clients) {
    if (example::interrupted()) return example::exit_interrupted;
    // In slices, so that Ctrl+C is seen; a request wakes the service at once.
    const auto message = box.receive_for(example::poll_interval);
    if (!message) continue;
    const auto request = example::read_request(message->data(), message->size());
    if (!request) {
      ++tally.malformed;
      continue;
    }
    if (request->kind == example::RequestKind::bye) {
      replies.goodbye(request->reply_name);
    } else {
      replies.answer(*request);
    }
  }
  example::write_line(stdout, std::string(program) + ": answered " + std::to_string(tally.answered) + " requests, " +
                                  std::to_string(tally.done) + " clients said goodbye, " +
                                  std::to_string(tally.dropped) + " dropped, " + std::to_string(tally.malformed) +
                                  " malformed, " + std::to_string(box.abandoned()) +
                                  " abandoned (a client died writing it)");
  return example::exit_ok;
}

}  // namespace

int main(int argc, char** argv) { return example::run_main(program, argc, argv, parse, run); }
