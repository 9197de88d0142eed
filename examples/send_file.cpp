// namedshm-send-file: streams a file (or stdin) through a namedshm channel to
// namedshm-receive-file, which checks it against the SHA-256 sent at the end.
//
//   namedshm-send-file FILE|- [--name NAME] [--timeout SECONDS]
//
// The receiver makes the channel; the sender may start first and waits up to --timeout
// seconds (default 10) for it. File bytes go from fread straight into the channel's ring
// (prepare/commit), so the only copies are the kernel's read and the receiver's write.
// Ctrl+C ends the sender at once; the receiver then reports the stream as cut short.
// Exit codes: 0 sent, 1 usage, 2 no channel within the timeout, 4 access denied, 7 other
// failure (the file cannot be read, ...), 9 the receiver went away first.
#include <chrono>        // the deadline for the channel to appear
#include <csignal>       // std::signal, Ctrl+C ends the program
#include <cstddef>       // std::byte, std::size_t
#include <cstdio>        // std::FILE, std::fread
#include <memory>        // std::unique_ptr, the file
#include <optional>      // std::optional, no options after --help
#include <string>        // std::string
#include <system_error>  // std::system_error

#if defined(_WIN32)
#  include <fcntl.h>  // _O_BINARY
#  include <io.h>     // _setmode
#endif

#include <namedshm/channel.hpp>  // namedshm::ChannelSender

#include "support/console.hpp"      // arguments, output, exit codes
#include "support/file_stream.hpp"  // the protocol
#include "support/sha256.hpp"       // example::Sha256

namespace {

constexpr const char* program = "namedshm-send-file";

constexpr const char* usage =
    "Usage: namedshm-send-file FILE|- [--name NAME] [--timeout SECONDS]\n"
    "\n"
    "Streams FILE (- for stdin) through the namedshm channel NAME, which\n"
    "namedshm-receive-file made, and ends with the SHA-256 of what it sent.\n"
    "\n"
    "  --name NAME        default Local\\namedshm-file\n"
    "  --timeout SECONDS  how long to wait for the receiver's channel; default 10\n"
    "  -h, --help         show this text\n"
    "\n"
    "Exit status: 0 sent, 1 usage, 2 no channel within the timeout, 4 access denied,\n"
    "7 other failure, 9 the receiver went away first.";

struct Options {
  std::string input;
  std::string name{example::default_channel_name};
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
    } else if (options.input.empty() && (arguments[at] == "-" || arguments[at].rfind('-', 0) != 0)) {
      options.input = arguments[at];
    } else {
      return false;
    }
    return true;
  });
  if (!go_on) return std::nullopt;
  if (options.input.empty()) throw example::UsageError("name a FILE to send, or - for stdin");
  return options;
}

using example::File;

int keep_open(std::FILE* /*stdin*/) { return 0; }

File open_input(const std::string& path) {
  if (path == "-") {
#if defined(_WIN32)
    _setmode(_fileno(stdin), _O_BINARY);
#endif
    return {stdin, keep_open};
  }
  File file = example::open_file(path, "rb");
  if (!file) throw Failure{example::exit_failure, "cannot open \"" + path + "\" for reading"};
  return file;
}

/// The size of a regular file, or unknown_size for stdin (or anything that cannot seek).
std::uint64_t size_of(std::FILE* file, const std::string& path) {
  if (path == "-" || std::fseek(file, 0, SEEK_END) != 0) return example::unknown_size;
  const long end = std::ftell(file);
  std::rewind(file);
  return end < 0 ? example::unknown_size : static_cast<std::uint64_t>(end);
}

/// Opens the receiver's channel, waiting for it to appear.
namedshm::ChannelSender connect(const Options& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout.duration;
  for (;;) {
    std::error_code ec;
    namedshm::ChannelSender sender = namedshm::ChannelSender::open(options.name, ec);
    if (!ec) return sender;
    // Any other failure: the throwing overload reports it with the operation, name and reason.
    if (ec != std::errc::no_such_file_or_directory) return namedshm::ChannelSender::open(options.name);
    if (std::chrono::steady_clock::now() >= deadline) {
      throw Failure{example::exit_not_found,
                    "no channel named \"" + options.name + "\" appeared within " + options.timeout.text + " s"};
    }
    example::pause_briefly();
  }
}

/// Sends one message of `kind` followed by `size` bytes from `data`.
void send_record(namedshm::ChannelSender& sender, example::Kind kind, const unsigned char* data, std::size_t size) {
  const auto room = sender.prepare(1 + size);
  if (room.size() == 0) throw Failure{example::exit_peer_gone, "the receiver went away"};
  room[0] = static_cast<std::byte>(kind);
  for (std::size_t i = 0; i < size; ++i) room[1 + i] = static_cast<std::byte>(data[i]);
  sender.commit(1 + size);
}

void run(const Options& options) {
  const File input = open_input(options.input);
  const std::uint64_t size = size_of(input.get(), options.input);
  namedshm::ChannelSender sender = connect(options);

  unsigned char header[8];
  example::put_u64(header, size);
  send_record(sender, example::Kind::header, header, sizeof header);

  const std::size_t chunk = example::chunk_for(sender.max_message_size());
  example::Sha256 digest;
  std::uint64_t sent = 0;
  for (;;) {
    const auto room = sender.prepare(1 + chunk);  // the file is read straight into the ring
    if (room.size() == 0) {
      throw Failure{example::exit_peer_gone, "the receiver went away after " + std::to_string(sent) + " bytes"};
    }
    const std::size_t got = std::fread(room.data() + 1, 1, chunk, input.get());
    if (got == 0) break;  // nothing committed: the prepared room is simply not used
    room[0] = static_cast<std::byte>(example::Kind::data);
    digest.update(room.data() + 1, got);
    sender.commit(1 + got);
    sent += got;
  }
  if (std::ferror(input.get())) throw Failure{example::exit_failure, "cannot read \"" + options.input + "\""};
  const example::Sha256::Digest sum = digest.finish();
  send_record(sender, example::Kind::end, sum.data(), sum.size());
  sender.close();
  example::write_line(stdout, std::string(program) + ": sent " + std::to_string(sent) + " bytes to \"" + options.name +
                                  "\", SHA-256 " + example::Sha256::hex(sum));
}

}  // namespace

int main(int argc, char** argv) {
  return example::run_main(program, argc, argv, parse, [](const Options& options) {
    // Ctrl+C ends the sender at once: the receiver learns it from the OS and says so.
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    run(options);
    return example::exit_ok;
  });
}
