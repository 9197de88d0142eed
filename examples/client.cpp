// namedshm-client: one of any number of clients of namedshm-service. It makes its own reply
// channel (a namedshm::ChannelReceiver named after the service and its process id), sends
// requests that name it through the service's namedshm::Mailbox, and checks every reply.
//
//   namedshm-client [--name NAME] [--count N] [--timeout SECONDS] [--die-mid-request]
//
// It waits up to --timeout seconds (default 10) for the service to appear, then sends N
// requests (default 100; 0: until the service goes), one at a time, each built in the
// mailbox's ring (prepare + commit), and says goodbye. While it waits for a reply it asks the OS
// whether the service still lives, so a service that dies is an error at once, not a hang.
// --die-mid-request: after three answered requests it claims room for a fourth, writes half of
// it and dies as a crash would (SIGKILL, TerminateProcess): the service must skip it and go on.
// Exit codes: 0 every reply came and was right, 1 usage, 2 no service within the timeout,
// 4 access denied, 7 other failure, 9 the service died or closed, 10 a wrong reply.
#include <chrono>        // the deadlines
#include <cstddef>       // std::byte, std::size_t
#include <cstdint>       // std::uint64_t
#include <optional>      // std::optional, no options after --help
#include <string>        // std::string
#include <system_error>  // std::error_code
#include <vector>        // std::vector, the payload

#if !defined(_WIN32)
#  include <csignal>  // std::raise(SIGKILL)
#endif

#include <namedshm/channel.hpp>  // namedshm::ChannelReceiver, the replies
#include <namedshm/mailbox.hpp>  // namedshm::MailboxSender, the requests

#include "support/console.hpp"  // arguments, output, exit codes; <windows.h> or <unistd.h> (the process id)
#include "support/service.hpp"  // the requests and replies

namespace {

constexpr const char* program = "namedshm-client";

constexpr const char* usage =
    "Usage: namedshm-client [--name NAME] [--count N] [--timeout SECONDS]\n"
    "                       [--die-mid-request]\n"
    "\n"
    "Sends N requests to namedshm-service's mailbox NAME, each naming this client's\n"
    "own reply channel, and checks every reply.\n"
    "\n"
    "  --name NAME        default Local\\namedshm-service\n"
    "  --count N          requests to send; default 100; 0: until the service goes\n"
    "  --timeout SECONDS  how long to wait for the service to appear; default 10\n"
    "  --die-mid-request  die (as a crash would) while writing the fourth request\n"
    "  -h, --help         show this text\n"
    "\n"
    "Exit status: 0 every reply was right, 1 usage, 2 no service within the timeout,\n"
    "4 access denied, 7 other failure, 9 the service died or closed, 10 a wrong reply.";

struct Options {
  std::string name{example::default_service_name};
  std::uint64_t count = 100;
  example::Timeout timeout = example::parse_timeout("10");
  bool die_mid_request = false;
};

std::optional<Options> parse(const std::vector<std::string>& arguments) {
  Options options;
  const bool go_on = example::parse_arguments(arguments, usage, [&](std::size_t& at) {
    std::string value;
    if (example::take_option(arguments, at, "--name", value)) {
      options.name = value;
    } else if (example::take_option(arguments, at, "--count", value)) {
      options.count = value == "0" ? 0 : example::parse_size(value, "--count");
    } else if (example::take_option(arguments, at, "--timeout", value)) {
      options.timeout = example::parse_timeout(value);
    } else if (arguments[at] == "--die-mid-request") {
      options.die_mid_request = true;
    } else {
      return false;
    }
    return true;
  });
  if (!go_on) return std::nullopt;
  return options;
}

unsigned long process_id() {
#if defined(_WIN32)
  return static_cast<unsigned long>(::GetCurrentProcessId());
#else
  return static_cast<unsigned long>(::getpid());
#endif
}

/// Ends this process at once, without destructors: what a crash does.
[[noreturn]] void die_now() {
#if defined(_WIN32)
  ::TerminateProcess(::GetCurrentProcess(), 137);
#else
  std::raise(SIGKILL);
#endif
  for (;;) {
  }
}

/// Opens the service's mailbox, waiting for it to appear.
namedshm::MailboxSender attach(const Options& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout.duration;
  for (;;) {
    std::error_code ec;
    auto sender = namedshm::MailboxSender::open(options.name, ec);
    if (!ec) return sender;
    // Any other failure: the throwing overload reports it with the operation, name and reason.
    if (ec != std::errc::no_such_file_or_directory) return namedshm::MailboxSender::open(options.name);
    if (std::chrono::steady_clock::now() >= deadline) {
      throw example::Failure{example::exit_not_found, "no service named \"" + options.name + "\" appeared within " +
                                                          options.timeout.text + " s"};
    }
    if (example::interrupted()) throw example::Failure{example::exit_interrupted, "interrupted"};
    example::pause_briefly();
  }
}

/// The end of the conversation when the service has gone: a clear error, never a hang.
[[noreturn]] void service_gone(namedshm::ChannelState state, std::uint64_t number) {
  throw example::Failure{
      example::exit_peer_gone,
      std::string(state == namedshm::ChannelState::peer_died ? "the service died" : "the service closed") +
          " (request " + std::to_string(number) + " had no reply)"};
}

/// Sends request `number`, built in the mailbox's ring. `die_halfway`: write half of it, then die.
void send_request(namedshm::MailboxSender& requests, example::RequestKind kind, const std::string& reply_name,
                  std::uint64_t number, bool die_halfway = false) {
  const std::vector<std::byte> payload = example::payload_of(number);
  const std::size_t size = example::request_size(reply_name, payload.size());
  auto room = requests.prepare(size);
  if (room.data() == nullptr) service_gone(requests.state(), number);
  example::write_request(room.data(), kind, reply_name, number, payload);
  if (die_halfway) die_now();  // the service holds a claim it will never see committed
  requests.commit(size);
}

/// Waits for the reply to request `number`, asking the OS about the service while it waits.
void await_reply(namedshm::ChannelReceiver& replies, namedshm::MailboxSender& requests, std::uint64_t number) {
  for (;;) {
    if (example::interrupted()) throw example::Failure{example::exit_interrupted, "interrupted"};
    const auto reply = replies.receive_for(std::chrono::milliseconds(100));
    if (reply) {
      if (!example::is_reply_to(reply->data(), reply->size(), number)) {
        throw example::Failure{example::exit_corrupt, "the reply to request " + std::to_string(number) + " is wrong"};
      }
      return;
    }
    // The service's end, whichever side learns it first: its reply sender, or its mailbox.
    if (replies.state() != namedshm::ChannelState::open) service_gone(replies.state(), number);
    const namedshm::ChannelState service = requests.check_receiver();
    if (service != namedshm::ChannelState::open) service_gone(service, number);
  }
}

int run(const Options& options) {
  const std::string reply_name = example::reply_name_for(options.name, process_id());
  auto replies = namedshm::ChannelReceiver::create(reply_name, example::reply_capacity);
  auto requests = attach(options);
  example::write_line(stdout, std::string(program) + ": sending requests to \"" + options.name + "\", replies on \"" +
                                  reply_name + "\"");
  std::uint64_t number = 0;
  for (; options.count == 0 || number < options.count; ++number) {
    if (options.die_mid_request && number == 3)
      send_request(requests, example::RequestKind::query, reply_name, number, true);
    send_request(requests, example::RequestKind::query, reply_name, number);
    await_reply(replies, requests, number);
    if (number + 1 == 100) example::write_line(stdout, std::string(program) + ": 100 requests answered");
  }
  send_request(requests, example::RequestKind::bye, reply_name, number);
  example::write_line(stdout, std::string(program) + ": " + std::to_string(number) + " requests answered, all right");
  return example::exit_ok;
}

}  // namespace

int main(int argc, char** argv) { return example::run_main(program, argc, argv, parse, run); }
