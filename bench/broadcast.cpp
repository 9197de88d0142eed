// namedshm benchmarks, broadcast (issue 20): BroadcastSender / BroadcastReceiver between real
// processes, against the SPSC channel in the same run.
//   stream/N/broadcast/SIZE   the parent sends messages of SIZE bytes to N receiver processes
//                             through one broadcast (WhenFull::wait): it copies each message once
//   stream/N/channels/SIZE    the same stream to the same N processes through N SPSC channels:
//                             the parent copies each message N times, once into each channel
//   roundtrip/POLICY/broadcast  ping-pong over two broadcasts, one receiver each
//   roundtrip/POLICY/channel    ping-pong over two channels
// Streams report the sender's bytes per second (each message counted once, whatever N); the
// receivers check the first and the last 64-bit word of every message (its number), so the
// sender's work is what the stream measures. Round trips report percentiles (ipc_latency.hpp).
// The receivers are this binary started again (ipc_process.hpp), all on the partner's CPU.
// SPDX-License-Identifier: MIT
#include <benchmark/benchmark.h>

#include <csignal>       // std::signal, SIGPIPE ignored
#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint64_t, std::int64_t
#include <cstring>       // std::memcpy, std::strcmp
#include <map>           // the partner kinds by name
#include <memory>        // std::unique_ptr, the sessions
#include <string>        // std::string
#include <system_error>  // std::error_code
#include <vector>        // std::vector, buffers, sessions and channels

#include <namedshm/broadcast.hpp>
#include <namedshm/channel.hpp>

#include "common.hpp"         // bench::unique_name, bench::fail, sizes
#include "ipc_baselines.hpp"  // message_pattern
#include "ipc_latency.hpp"    // Recorder
#include "ipc_process.hpp"    // Session, the partner's entry
#include "ipc_streams.hpp"    // warm_up, ring_bytes, policy names, serve_echo

namespace {

using bench::ipc::PartnerContext;
using bench::ipc::Session;

using bench::ipc::name_of;
using bench::ipc::policy_of;
using bench::ipc::ring_bytes;
using bench::ipc::warm_up;

/// True if `message` is message number `sequence` of `size` bytes: its first and last 64-bit
/// words carry the number.
bool intact(const std::byte* message, std::size_t size, std::uint64_t sequence) {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::memcpy(&first, message, sizeof first);
  std::memcpy(&last, message + size - sizeof last, sizeof last);
  return first == sequence && last == sequence;
}

/// The sender's message number `sequence`, in place.
void stamp(std::vector<std::uint64_t>& message, std::uint64_t sequence) {
  message.front() = sequence;
  message.back() = sequence;
}

// ---------------------------------------------------------------------------------------------
// The receivers' side. args: the stream's name (a broadcast, or this receiver's channel), size,
// wait policy.

template <class Receiver>
int receive_all(const PartnerContext& context, Receiver& receiver, std::size_t size) {
  context.control.set_ready();
  std::uint64_t expected = 1;
  while (const auto message = receiver.receive()) {
    if (message->size() != size) return context.fail("a message of the wrong size");
    // A broadcast receiver starts with the first message after it attached: the parent sends
    // its first only once every receiver is attached, so the numbers start at 1 for everyone.
    if (!intact(message->data(), size, expected)) return context.fail("a message was wrong");
    ++expected;
  }
  return receiver.state() == namedshm::ChannelState::closed ? 0 : context.fail("the sender died");
}

int partner_broadcast_receiver(const PartnerContext& context) {
  namedshm::BroadcastReceiverOptions options;
  options.wait = policy_of(context.args.size() > 2 ? context.args[2] : "");
  std::error_code ec;
  auto receiver = namedshm::BroadcastReceiver::open(context.args.at(0), options, ec);
  if (ec) return context.fail("open: " + ec.message());
  return receive_all(context, receiver, context.number(1));
}

int partner_channel_receiver(const PartnerContext& context) {
  namedshm::ChannelOptions options;
  options.wait = policy_of(context.args.size() > 2 ? context.args[2] : "");
  std::error_code ec;
  auto receiver = namedshm::ChannelReceiver::open(context.args.at(0), options, ec);
  if (ec) return context.fail("open: " + ec.message());
  return receive_all(context, receiver, context.number(1));
}

/// Starts `count` receivers of kind `kind`; receiver i gets the stream named by `stream(i)`.
/// One receiver spins, then sleeps (spin_then_block), on the partner's CPU. Several share that
/// CPU, where a receiver that spins keeps the others from running until the scheduler takes it
/// off (milliseconds): they sleep at once (block) instead, and the sender wakes them.
template <class StreamName>
bool start_receivers(benchmark::State& state, std::vector<std::unique_ptr<Session>>& sessions, int count,
                     const char* kind, StreamName stream, std::size_t size) {
  const char* policy = count == 1 ? "spin_then_block" : "block";
  for (int i = 0; i < count; ++i) {
    sessions.push_back(std::make_unique<Session>(state));
    if (!sessions.back()->begin(kind, bench::unique_name(), {stream(i), std::to_string(size), policy})) {
      return false;
    }
  }
  return true;
}

/// The timed loop of a stream: one message per iteration through `send(message)`, bytes per
/// second counted once per message.
template <class Send>
bool time_sends(benchmark::State& state, std::size_t size, Send send) {
  auto message = bench::ipc::message_pattern(size);
  std::uint64_t sequence = 0;
  auto step = [&] {
    stamp(message, ++sequence);
    return send(message.data());
  };
  if (!warm_up(step)) return false;
  for (auto _ : state) {
    if (!step()) return false;
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
  return true;
}

/// Ends each session: the receivers have seen the end of their streams.
void finish(std::vector<std::unique_ptr<Session>>& sessions) {
  for (auto& session : sessions) session->finish();
}

void stream_broadcast(benchmark::State& state, int receivers) {
  const std::size_t size = bench::size_of(state);
  const std::string name = bench::unique_name();
  std::error_code ec;
  auto sender = namedshm::BroadcastSender::create(name, ring_bytes(size), ec);
  if (ec) return bench::fail(state, "create", ec);
  std::vector<std::unique_ptr<Session>> sessions;
  if (!start_receivers(
          state, sessions, receivers, "broadcast-receiver", [&](int) { return name; }, size))
    return;
  if (sender.receivers() != static_cast<std::size_t>(receivers)) {
    return state.SkipWithError("the receivers said they were ready before they attached");
  }
  const bool ok = time_sends(state, size, [&](const void* message) { return sender.send(message, size); });
  sender.close();  // the end of every receiver's stream
  if (!ok) return state.SkipWithError("a send failed");
  finish(sessions);
}

void stream_channels(benchmark::State& state, int receivers) {
  const std::size_t size = bench::size_of(state);
  const std::string name = bench::unique_name();
  std::vector<namedshm::ChannelSender> senders;
  for (int i = 0; i < receivers; ++i) {
    std::error_code ec;
    senders.push_back(namedshm::ChannelSender::create(name + "-" + std::to_string(i), ring_bytes(size), ec));
    if (ec) return bench::fail(state, "create", ec);
  }
  std::vector<std::unique_ptr<Session>> sessions;
  if (!start_receivers(
          state, sessions, receivers, "channel-receiver", [&](int i) { return name + "-" + std::to_string(i); },
          size)) {
    return;
  }
  const bool ok = time_sends(state, size, [&](const void* message) {
    for (auto& sender : senders) {
      if (!sender.send(message, size)) return false;
    }
    return true;
  });
  for (auto& sender : senders) sender.close();
  if (!ok) return state.SkipWithError("a send failed");
  finish(sessions);
}

// ---------------------------------------------------------------------------------------------
// Round trips: the parent sends 8 bytes down, the partner sends them back up.

constexpr std::size_t round_trip_capacity = 4096;

/// The partner's echo over two broadcasts; args: policy. It creates "<name>-up" (a broadcast
/// is created by its sender) before it says it is ready.
int partner_broadcast_echo(const PartnerContext& context) {
  const auto policy = policy_of(context.args.empty() ? "" : context.args[0]);
  namedshm::BroadcastReceiverOptions down_options;
  down_options.wait = policy;
  namedshm::BroadcastOptions up_options;
  up_options.wait = policy;
  std::error_code ec;
  auto down = namedshm::BroadcastReceiver::open(context.name + "-down", down_options, ec);
  if (ec) return context.fail("open down: " + ec.message());
  auto up = namedshm::BroadcastSender::create(context.name + "-up", round_trip_capacity, up_options, ec);
  if (ec) return context.fail("create up: " + ec.message());
  return bench::ipc::serve_echo(context, down, up);
}

/// The partner's echo over two channels; args: policy.
int partner_channel_echo(const PartnerContext& context) {
  namedshm::ChannelOptions options;
  options.wait = policy_of(context.args.empty() ? "" : context.args[0]);
  std::error_code ec;
  auto down = namedshm::ChannelReceiver::open(context.name + "-down", options, ec);
  if (ec) return context.fail("open down: " + ec.message());
  auto up = namedshm::ChannelSender::open(context.name + "-up", options, ec);
  if (ec) return context.fail("open up: " + ec.message());
  return bench::ipc::serve_echo(context, down, up);
}

/// The timed loop of a ping-pong: one `round_trip()` per iteration, each one's time recorded.
template <class Down, class Up>
void time_round_trips(benchmark::State& state, Session& session, Down& down, Up& up) {
  std::uint64_t value = 0;
  auto round_trip = [&] {
    ++value;
    if (!down.send(&value, sizeof value)) return false;
    const auto back = up.receive();
    if (!back || back->size() != sizeof value) return false;
    std::uint64_t echoed = 0;
    std::memcpy(&echoed, back->data(), sizeof echoed);
    return echoed == value;
  };
  if (!warm_up(round_trip)) {
    session.fail("a warm-up round trip failed");
    return;
  }
  bench::ipc::Recorder recorder(state);
  recorder.start();
  for (auto _ : state) {
    if (!round_trip()) {
      session.fail("a round trip failed (the partner is gone?)");
      return;
    }
    recorder.lap();
  }
  recorder.report(state);
}

void roundtrip_broadcast(benchmark::State& state, namedshm::WaitPolicy policy) {
  const std::string name = bench::unique_name();
  namedshm::BroadcastOptions down_options;
  down_options.wait = policy;
  std::error_code ec;
  auto down = namedshm::BroadcastSender::create(name + "-down", round_trip_capacity, down_options, ec);
  if (ec) return bench::fail(state, "create down", ec);
  Session session(state);
  if (!session.begin("broadcast-echo", name, {name_of(policy)})) return;
  namedshm::BroadcastReceiverOptions up_options;
  up_options.wait = policy;
  auto up = namedshm::BroadcastReceiver::open(name + "-up", up_options, ec);
  if (ec) return bench::fail(state, "open up", ec);
  time_round_trips(state, session, down, up);
  down.close();  // the partner's receive() returns the end, and it exits
  if (!state.error_occurred()) session.finish();
}

void roundtrip_channel(benchmark::State& state, namedshm::WaitPolicy policy) {
  const std::string name = bench::unique_name();
  namedshm::ChannelOptions options;
  options.wait = policy;
  std::error_code ec;
  auto down = namedshm::ChannelSender::create(name + "-down", round_trip_capacity, options, ec);
  if (ec) return bench::fail(state, "create down", ec);
  auto up = namedshm::ChannelReceiver::create(name + "-up", round_trip_capacity, options, ec);
  if (ec) return bench::fail(state, "create up", ec);
  Session session(state);
  if (!session.begin("channel-echo", name, {name_of(policy)})) return;
  time_round_trips(state, session, down, up);
  down.close();
  if (!state.error_occurred()) session.finish();
}

// ---------------------------------------------------------------------------------------------
// The partner's entry and the registrations.

using PartnerFunction = int (*)(const PartnerContext&);

int run_partner(int argc, char** argv) {
  static const std::map<std::string, PartnerFunction> kinds{
      {"broadcast-receiver", partner_broadcast_receiver},
      {"channel-receiver", partner_channel_receiver},
      {"broadcast-echo", partner_broadcast_echo},
      {"channel-echo", partner_channel_echo},
  };
  PartnerContext context;
  if (!bench::ipc::enter_partner(argc, argv, context)) return 2;
  const auto found = kinds.find(context.kind);
  if (found == kinds.end()) return context.fail("unknown partner kind " + context.kind);
  return found->second(context);
}

void register_benchmarks() {
  using benchmark::RegisterBenchmark;
  for (const auto policy : {namedshm::WaitPolicy::spin, namedshm::WaitPolicy::block}) {
    const std::string prefix = std::string("roundtrip/") + name_of(policy);
    RegisterBenchmark((prefix + "/broadcast").c_str(), roundtrip_broadcast, policy)->UseRealTime();
    RegisterBenchmark((prefix + "/channel").c_str(), roundtrip_channel, policy)->UseRealTime();
  }
  for (const int receivers : {1, 2, 4}) {
    const std::string prefix = "stream/" + std::to_string(receivers);
    for (const std::int64_t size : {std::int64_t{64}, std::int64_t{64 * bench::kib}}) {
      RegisterBenchmark((prefix + "/broadcast").c_str(), stream_broadcast, receivers)->Arg(size)->UseRealTime();
      RegisterBenchmark((prefix + "/channels").c_str(), stream_channels, receivers)->Arg(size)->UseRealTime();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
#if !defined(_WIN32)
  std::signal(SIGPIPE, SIG_IGN);
#endif
  if (argc > 1 && std::strcmp(argv[1], bench::ipc::partner_flag) == 0) return run_partner(argc, argv);
  bench::ipc::placement() = bench::ipc::place_parent();
  benchmark::AddCustomContext("ipc_placement", bench::ipc::placement().describe());
  register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
