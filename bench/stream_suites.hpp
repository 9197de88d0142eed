// namedshm benchmarks, IPC: what the suites of the stream primitives share (bench/broadcast.cpp,
// bench/mailbox.cpp): the timed loops of a stream and of a ping-pong, the check a receiver
// makes of each message, and the SPSC channel that both are measured against.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_BENCH_STREAM_SUITES_HPP
#define NAMEDSHM_BENCH_STREAM_SUITES_HPP

#include <benchmark/benchmark.h>  // benchmark::State

#include <cstddef>       // std::size_t, std::byte
#include <cstdint>       // std::uint64_t, std::int64_t
#include <cstring>       // std::memcpy
#include <memory>        // std::unique_ptr, the sessions
#include <string>        // std::string
#include <system_error>  // std::error_code
#include <vector>        // std::vector, messages, sessions and channels

#include <namedshm/channel.hpp>

#include "common.hpp"         // bench::unique_name, bench::fail, sizes
#include "ipc_baselines.hpp"  // message_pattern
#include "ipc_latency.hpp"    // Recorder
#include "ipc_process.hpp"    // Session, PartnerContext
#include "ipc_streams.hpp"    // warm_up, ring_bytes, policy names, serve_echo

namespace bench::ipc {

/// True if `message` is message number `sequence` of `size` bytes: its first and last 64-bit
/// words carry the number.
inline bool intact(const std::byte* message, std::size_t size, std::uint64_t sequence) {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::memcpy(&first, message, sizeof first);
  std::memcpy(&last, message + size - sizeof last, sizeof last);
  return first == sequence && last == sequence;
}

/// The sender's message number `sequence`, in place.
inline void stamp(std::vector<std::uint64_t>& message, std::uint64_t sequence) {
  message.front() = sequence;
  message.back() = sequence;
}

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

/// A channel receiver partner; args: its channel, size, wait policy.
inline int partner_channel_receiver(const PartnerContext& context) {
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
  auto message = message_pattern(size);
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
inline void finish(std::vector<std::unique_ptr<Session>>& sessions) {
  for (auto& session : sessions) session->finish();
}

/// The same stream to `receivers` processes through as many SPSC channels: the parent copies
/// each message into each channel.
inline void stream_channels(benchmark::State& state, int receivers) {
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

/// The rings of the round trips.
inline constexpr std::size_t round_trip_capacity = 4096;

/// The partner's echo over two channels; args: policy.
inline int partner_channel_echo(const PartnerContext& context) {
  namedshm::ChannelOptions options;
  options.wait = policy_of(context.args.empty() ? "" : context.args[0]);
  std::error_code ec;
  auto down = namedshm::ChannelReceiver::open(context.name + "-down", options, ec);
  if (ec) return context.fail("open down: " + ec.message());
  auto up = namedshm::ChannelSender::open(context.name + "-up", options, ec);
  if (ec) return context.fail("open up: " + ec.message());
  return serve_echo(context, down, up);
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
  Recorder recorder(state);
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

/// A ping-pong over two channels: down to the partner, and back up.
inline void roundtrip_channel(benchmark::State& state, namedshm::WaitPolicy policy) {
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

}  // namespace bench::ipc

#endif  // NAMEDSHM_BENCH_STREAM_SUITES_HPP
