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
#include <cstring>       // std::strcmp
#include <map>           // the partner kinds by name
#include <memory>        // std::unique_ptr, the sessions
#include <string>        // std::string
#include <system_error>  // std::error_code
#include <vector>        // std::vector, buffers, sessions and channels

#include <namedshm/broadcast.hpp>
#include <namedshm/channel.hpp>

#include "common.hpp"         // bench::unique_name, bench::fail, sizes
#include "ipc_process.hpp"    // Session, the partner's entry
#include "ipc_streams.hpp"    // ring_bytes, policy names, serve_echo
#include "stream_suites.hpp"  // the timed loops, and the channel the broadcast is measured against

namespace {

using bench::ipc::PartnerContext;
using bench::ipc::Session;

using bench::ipc::finish;
using bench::ipc::name_of;
using bench::ipc::partner_channel_echo;
using bench::ipc::partner_channel_receiver;
using bench::ipc::policy_of;
using bench::ipc::receive_all;
using bench::ipc::ring_bytes;
using bench::ipc::round_trip_capacity;
using bench::ipc::roundtrip_channel;
using bench::ipc::start_receivers;
using bench::ipc::stream_channels;
using bench::ipc::time_round_trips;
using bench::ipc::time_sends;

// ---------------------------------------------------------------------------------------------
// The receivers' side. args: the stream's name (a broadcast, or this receiver's channel), size,
// wait policy.

int partner_broadcast_receiver(const PartnerContext& context) {
  namedshm::BroadcastReceiverOptions options;
  options.wait = policy_of(context.args.size() > 2 ? context.args[2] : "");
  std::error_code ec;
  auto receiver = namedshm::BroadcastReceiver::open(context.args.at(0), options, ec);
  if (ec) return context.fail("open: " + ec.message());
  return receive_all(context, receiver, context.number(1));
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

// ---------------------------------------------------------------------------------------------
// Round trips: the parent sends 8 bytes down, the partner sends them back up.

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
