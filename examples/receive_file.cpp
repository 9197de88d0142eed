// namedshm-receive-file: makes a namedshm channel, receives one file from namedshm-send-file
// into OUTPUT, and checks it against the SHA-256 that the sender computed.
//
//   namedshm-receive-file OUTPUT [--name NAME] [--capacity BYTES] [--timeout SECONDS]
//
// It creates the channel (a ring of --capacity bytes, default 1 MiB), says so on stdout, and
// waits up to --timeout seconds (default 60) for a sender's first message. After that it waits
// as long as the sender lives: a sender that closes early or dies ends the stream at once (the
// OS tells; no timeout is guessed), and OUTPUT is removed. Each message is written to OUTPUT
// from the ring itself (zero-copy). At the end it prints "<sha256>  OUTPUT" as sha256sum does.
// Exit codes: 0 received and verified, 1 usage, 2 no sender within the timeout, 3 name taken,
// 4 access denied, 7 other failure, 8 the sender stopped or died before the end, 10 the
// SHA-256 (or the size) does not match.
#include <cstddef>       // std::byte, std::size_t
#include <cstdio>        // std::fwrite
#include <optional>      // std::optional
#include <string>        // std::string
#include <system_error>  // std::system_error

#include <namedshm/channel.hpp>  // namedshm::ChannelReceiver

#include "support/console.hpp"      // arguments, output, exit codes
#include "support/file_stream.hpp"  // the protocol
#include "support/sha256.hpp"       // example::Sha256

namespace {

constexpr const char* program = "namedshm-receive-file";

constexpr const char* usage =
    "Usage: namedshm-receive-file OUTPUT [--name NAME] [--capacity BYTES] [--timeout SECONDS]\n"
    "\n"
    "Makes the namedshm channel NAME, receives one file from namedshm-send-file into\n"
    "OUTPUT and checks its SHA-256; prints \"<sha256>  OUTPUT\".\n"
    "\n"
    "  --name NAME        default Local\\namedshm-file\n"
    "  --capacity BYTES   the channel's ring; default 1048576\n"
    "  --timeout SECONDS  how long to wait for a sender to start; default 60\n"
    "  -h, --help         show this text\n"
    "\n"
    "Exit status: 0 received and verified, 1 usage, 2 no sender within the timeout,\n"
    "3 name taken, 4 access denied, 7 other failure, 8 cut short, 10 corrupt.";

struct Options {
  std::string output;
  std::string name{example::default_channel_name};
  std::size_t capacity = example::default_capacity;
  example::Timeout timeout = example::parse_timeout("60");
};

using example::Failure;

std::optional<Options> parse(const std::vector<std::string>& arguments) {
  Options options;
  const bool go_on = example::parse_arguments(arguments, usage, [&](std::size_t& at) {
    std::string value;
    if (example::take_option(arguments, at, "--name", value)) {
      options.name = value;
    } else if (example::take_option(arguments, at, "--capacity", value)) {
      options.capacity = example::parse_size(value, "--capacity");
    } else if (example::take_option(arguments, at, "--timeout", value)) {
      options.timeout = example::parse_timeout(value);
    } else if (options.output.empty() && arguments[at].rfind('-', 0) != 0) {
      options.output = arguments[at];
    } else {
      return false;
    }
    return true;
  });
  if (!go_on) return std::nullopt;
  if (options.output.empty()) throw example::UsageError("name the OUTPUT file");
  return options;
}

const unsigned char* bytes_of(const namedshm::ChannelReceiver::Message& message) {
  return reinterpret_cast<const unsigned char*>(message.data());
}

/// The reason a stream without its end message stopped, for the error line.
std::string why_cut(const namedshm::ChannelReceiver& receiver) {
  return receiver.state() == namedshm::ChannelState::peer_died ? "the sender died" : "the sender closed the stream";
}

/// Receives the 'H' message: the file's size, or unknown_size.
std::uint64_t receive_header(namedshm::ChannelReceiver& receiver, const Options& options) {
  const auto first = receiver.receive_for(options.timeout.duration);
  if (!first && receiver.state() == namedshm::ChannelState::open) {
    throw Failure{example::exit_not_found, "no sender started within " + options.timeout.text + " s"};
  }
  if (!first) throw Failure{example::exit_cut_short, why_cut(receiver) + " before it sent anything"};
  if (first->size() != example::header_bytes ||
      bytes_of(*first)[0] != static_cast<unsigned char>(example::Kind::header)) {
    throw Failure{example::exit_failure, "the first message is not a file header: is the sender namedshm-send-file?"};
  }
  return example::get_u64(bytes_of(*first) + 1);
}

/// The next message, or std::nullopt at the end of the stream; Ctrl+C ends the wait.
std::optional<namedshm::ChannelReceiver::Message> next_message(namedshm::ChannelReceiver& receiver) {
  for (;;) {
    auto message = receiver.receive_for(example::poll_interval);
    if (message || receiver.state() != namedshm::ChannelState::open) return message;
    if (example::interrupted()) throw Failure{example::exit_interrupted, "interrupted"};
  }
}

/// Receives 'D' messages into `output` until the 'E' message; returns the sender's digest.
example::Sha256::Digest receive_data(namedshm::ChannelReceiver& receiver, std::FILE* output, example::Sha256& digest,
                                     std::uint64_t& received) {
  for (;;) {
    const auto message = next_message(receiver);
    if (!message)
      throw Failure{example::exit_cut_short, why_cut(receiver) + " after " + std::to_string(received) + " bytes"};
    const unsigned char* bytes = bytes_of(*message);
    const std::size_t size = message->size();
    if (size >= 1 && bytes[0] == static_cast<unsigned char>(example::Kind::data)) {
      if (std::fwrite(bytes + 1, 1, size - 1, output) != size - 1) throw Failure{example::exit_failure, "cannot write"};
      digest.update(bytes + 1, size - 1);
      received += size - 1;
    } else if (size == 1 + example::digest_bytes && bytes[0] == static_cast<unsigned char>(example::Kind::end)) {
      example::Sha256::Digest sent{};
      for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = bytes[1 + i];
      return sent;
    } else {
      throw Failure{example::exit_failure, "a message of an unknown kind arrived"};
    }
  }
}

void run(const Options& options) {
  namedshm::ChannelReceiver receiver = namedshm::ChannelReceiver::create(options.name, options.capacity);
  example::write_line(stdout, std::string(program) + ": waiting up to " + options.timeout.text +
                                  " s for a sender on \"" + options.name + "\"");
  const std::uint64_t expected = receive_header(receiver, options);

  example::File output = example::open_file(options.output, "wb");
  if (!output) throw Failure{example::exit_failure, "cannot open \"" + options.output + "\" for writing"};
  example::Sha256 digest;
  std::uint64_t received = 0;
  Failure failure{example::exit_ok, ""};
  try {
    const example::Sha256::Digest sent = receive_data(receiver, output.get(), digest, received);
    const example::Sha256::Digest got = digest.finish();
    if (std::fflush(output.get()) != 0) throw Failure{example::exit_failure, "cannot write \"" + options.output + "\""};
    if (expected != example::unknown_size && expected != received) {
      throw Failure{example::exit_corrupt,
                    "the sender announced " + std::to_string(expected) + " bytes but sent " + std::to_string(received)};
    }
    if (got != sent) {
      throw Failure{example::exit_corrupt, "SHA-256 mismatch: received " + example::Sha256::hex(got) + ", sender had " +
                                               example::Sha256::hex(sent)};
    }
    example::write_line(stdout, example::Sha256::hex(got) + "  " + options.output);
    example::write_line(stderr, std::string(program) + ": received " + std::to_string(received) +
                                    " bytes; SHA-256 matches the sender's");
    return;
  } catch (const Failure& caught) {
    failure = caught;
  }
  output.reset();
  example::remove_file(options.output);  // never leave half a file that looks whole
  throw failure;
}

}  // namespace

int main(int argc, char** argv) {
  return example::run_main(program, argc, argv, parse, [](const Options& options) {
    run(options);
    return example::exit_ok;
  });
}
