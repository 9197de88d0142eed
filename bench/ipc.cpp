// namedshm benchmarks, IPC (issue 7): namedshm's Event and channel between two real processes,
// against the raw code of ipc_baselines.hpp, pipes and sockets (Windows: named pipes), and
// memcpy, all in the same run.
//   roundtrip/spin/...    ping-pong with spinning waits (each process on a core of its own)
//   roundtrip/block/...   ping-pong with blocking waits
//   stream/.../SIZE       messages of SIZE bytes from the partner (producer) to the parent
//                         (consumer), which reads every byte in place: the channel (also with a
//                         producer copying by rep movsb), a hand-written ring, pipes and sockets;
//                         memcpy and an in-cache sum of SIZE bytes in one process are the ceilings
//   stream/handoff-...    the parent's own work on a buffer the partner has just written (read)
//                         or read (write), timed alone: what crossing between cores costs
// The partner is this binary started again (ipc_process.hpp). Round trips report the
// percentiles of every round trip's time as counters (ipc_latency.hpp); streams report bytes
// per second. A namedshm header that is not there yet leaves its benchmarks out; the report
// says which.
// SPDX-License-Identifier: MIT
#include <benchmark/benchmark.h>

#include <chrono>        // the warm-up's length, the parent's bounded waits
#include <csignal>       // std::signal, SIGPIPE ignored: a dead reader is an error, not a signal
#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint64_t, std::int64_t
#include <cstring>       // std::memcpy, std::strcmp
#include <map>           // the partner kinds by name
#include <string>        // std::string
#include <system_error>  // std::error_code
#include <vector>        // std::vector, buffers

#include <namedshm/namedshm.hpp>

#if __has_include(<namedshm/event.hpp>)
#  include <namedshm/event.hpp>
#  define NAMEDSHM_BENCH_HAVE_EVENT 1
#endif
#if __has_include(<namedshm/channel.hpp>)
#  include <namedshm/channel.hpp>
#  define NAMEDSHM_BENCH_HAVE_CHANNEL 1
#endif

#include "common.hpp"         // bench::unique_name, bench::fail, sizes
#include "ipc_baselines.hpp"  // the raw code, messages, sum_words
#include "ipc_latency.hpp"    // Recorder, ticks
#include "ipc_process.hpp"    // Session, the partner's entry
#include "ipc_streams.hpp"    // warm_up, ring_bytes, policy names, serve_echo

namespace {

using bench::ipc::PartnerContext;
using bench::ipc::Session;

using bench::ipc::ring_bytes;
using bench::ipc::warm_up;

/// The timed loop of a ping-pong: one `round_trip()` per iteration, each one's time recorded.
template <class RoundTrip>
bool time_round_trips(benchmark::State& state, Session& session, RoundTrip round_trip) {
  if (!warm_up(round_trip)) return session.fail("a warm-up round trip failed");
  bench::ipc::Recorder recorder(state);
  recorder.start();
  for (auto _ : state) {
    if (!round_trip()) return session.fail("a round trip failed (the partner is gone?)");
    recorder.lap();
  }
  recorder.report(state);
  return true;
}

/// The timed loop of a stream: one message of `size` bytes received and summed per iteration;
/// `receive()` returns a pointer to the next message (null: failed).
template <class Receive>
bool time_stream(benchmark::State& state, Session& session, std::size_t size, Receive receive) {
  const std::uint64_t base = bench::ipc::sum_words(bench::ipc::message_pattern(size).data(), size);
  std::uint64_t sequence = 0;
  bool intact = true;
  auto step = [&] {
    const void* message = receive();
    if (message == nullptr) return false;
    const std::uint64_t sum = bench::ipc::sum_words(message, size);
    benchmark::DoNotOptimize(sum);
    intact = sum == base + ++sequence;
    return intact;
  };
  if (!warm_up(step)) return session.fail(intact ? "receiving failed during the warm-up" : "a message was wrong");
  for (auto _ : state) {
    if (!step()) return session.fail(intact ? "receiving failed (the partner is gone?)" : "a message was wrong");
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
  return true;
}

// ---------------------------------------------------------------------------------------------
// Raw spinning baseline.

int partner_raw_spin(const PartnerContext& context) {
  std::error_code ec;
  const auto words = bench::ipc::SpinWords::open(context.name, ec);
  if (ec) return context.fail("open: " + ec.message());
  context.control.set_ready();
  bench::ipc::spin_serve(words);
  return 0;
}

void roundtrip_spin_raw(benchmark::State& state) {
  const std::string name = bench::unique_name();
  std::error_code ec;
  const auto words = bench::ipc::SpinWords::create(name, ec);
  if (ec) return bench::fail(state, "create the shared words", ec);
  Session session(state);
  if (!session.begin("raw-spin", name, {})) return;
  std::uint64_t value = 0;
  const auto alive = [&] { return session.alive(); };
  const bool ok = time_round_trips(state, session, [&] { return bench::ipc::spin_round_trip(words, ++value, alive); });
  words.ping().store(bench::ipc::SpinWords::stop_value, std::memory_order_release);
  if (ok) session.finish();
}

// ---------------------------------------------------------------------------------------------
// Raw blocking baseline: futex words (Linux) or a pair of named events (Windows).

#if defined(_WIN32)
int partner_raw_event(const PartnerContext& context) {
  DWORD error = 0;
  const auto events = bench::ipc::EventPair::open(context.name, error);
  if (error != 0) return context.fail("OpenEventW: " + std::system_category().message(static_cast<int>(error)));
  context.control.set_ready();
  for (;;) {
    if (WaitForSingleObject(events.ping.get(), INFINITE) != WAIT_OBJECT_0) return context.fail("WaitForSingleObject");
    if (context.control.stop_requested()) return 0;
    if (!SetEvent(events.pong.get())) return context.fail("SetEvent");
  }
}

void roundtrip_block_raw(benchmark::State& state) {
  const std::string name = bench::unique_name();
  DWORD error = 0;
  const auto events = bench::ipc::EventPair::create(name, error);
  if (error != 0) return bench::fail(state, "CreateEventW", static_cast<int>(error));
  Session session(state);
  if (!session.begin("raw-event", name, {})) return;
  const auto alive = [&] { return session.alive(); };
  const bool ok = time_round_trips(state, session, [&] { return bench::ipc::event_round_trip(events, alive); });
  session.control().stop().store(1, std::memory_order_release);
  SetEvent(events.ping.get());
  if (ok) session.finish();
}
#else
int partner_raw_futex(const PartnerContext& context) {
  std::error_code ec;
  const auto words = bench::ipc::FutexWords::open(context.name, ec);
  if (ec) return context.fail("open: " + ec.message());
  context.control.set_ready();
  bench::ipc::futex_serve(words);
  return 0;
}

void roundtrip_block_raw(benchmark::State& state) {
  const std::string name = bench::unique_name();
  std::error_code ec;
  const auto words = bench::ipc::FutexWords::create(name, ec);
  if (ec) return bench::fail(state, "create the futex words", ec);
  Session session(state);
  if (!session.begin("raw-futex", name, {})) return;
  std::uint32_t value = 0;
  const auto alive = [&] { return session.alive(); };
  const bool ok = time_round_trips(state, session, [&] {
    if (++value == bench::ipc::FutexWords::stop_value) value = 1;
    return bench::ipc::futex_round_trip(words, value, alive);
  });
  words.ping().store(bench::ipc::FutexWords::stop_value, std::memory_order_release);
  bench::ipc::futex_wake(words.ping());
  if (ok) session.finish();
}
#endif

// ---------------------------------------------------------------------------------------------
// Byte streams: pipes and unix sockets (Linux), a named pipe (Windows). The partner either
// echoes 8-byte values (round trips) or writes messages until the parent closes its end.

/// Sends back every 8 bytes until the end of the stream.
int serve_echo(const PartnerContext& context, const bench::ipc::Stream& stream) {
  context.control.set_ready();
  std::uint64_t value = 0;
  while (stream.read_all(&value, sizeof value)) {
    if (!stream.write_all(&value, sizeof value)) return context.fail("write failed");
  }
  return 0;
}

/// Writes messages of the size in args[0] until the parent closes its end.
int serve_messages(const PartnerContext& context, const bench::ipc::Stream& stream) {
  const std::size_t size = context.number(0);
  auto message = bench::ipc::message_pattern(size);
  context.control.set_ready();
  for (std::uint64_t sequence = 1;; ++sequence) {
    message[0] = sequence;
    if (!stream.write_all(message.data(), size)) return 0;
  }
}

#if defined(_WIN32)
constexpr DWORD named_pipe_buffer = 64 * 1024;

int partner_named_pipe(const PartnerContext& context, bool echo) {
  DWORD error = 0;
  const auto stream = bench::ipc::open_named_pipe(context.name, error);
  if (error != 0) return context.fail("CreateFileW: " + std::system_category().message(static_cast<int>(error)));
  return echo ? serve_echo(context, stream) : serve_messages(context, stream);
}
int partner_named_pipe_echo(const PartnerContext& context) { return partner_named_pipe(context, true); }
int partner_named_pipe_producer(const PartnerContext& context) { return partner_named_pipe(context, false); }

/// Starts the partner `kind` on a new named pipe and connects; `stream` is the parent's end.
bool start_named_pipe(Session& session, const char* kind, const std::vector<std::string>& args,
                      bench::ipc::Stream& stream) {
  const std::string name = bench::unique_name();
  DWORD error = 0;
  stream = bench::ipc::create_named_pipe(name, named_pipe_buffer, error);
  if (error != 0) return session.fail("CreateNamedPipeW: " + std::system_category().message(static_cast<int>(error)));
  if (!session.begin(kind, name, args)) return false;
  if (!bench::ipc::connect_named_pipe(stream, error)) {
    return session.fail("ConnectNamedPipe: " + std::system_category().message(static_cast<int>(error)));
  }
  return true;
}

void roundtrip_named_pipe(benchmark::State& state) {
  Session session(state);
  bench::ipc::Stream stream;
  if (!start_named_pipe(session, "named-pipe-echo", {}, stream)) return;
  std::uint64_t value = 0;
  const bool ok = time_round_trips(state, session, [&] {
    std::uint64_t back = 0;
    ++value;
    return stream.write_all(&value, sizeof value) && stream.read_all(&back, sizeof back) && back == value;
  });
  stream.pipe.reset();
  if (ok) session.finish();
}

void stream_named_pipe(benchmark::State& state) {
  const std::size_t size = bench::size_of(state);
  Session session(state);
  bench::ipc::Stream stream;
  if (!start_named_pipe(session, "named-pipe-producer", {std::to_string(size)}, stream)) return;
  std::vector<std::uint64_t> buffer(size / sizeof(std::uint64_t));
  const bool ok = time_stream(state, session, size, [&]() -> const void* {
    return stream.read_all(buffer.data(), size) ? buffer.data() : nullptr;
  });
  stream.pipe.reset();
  if (ok) session.finish();
}
#else
int partner_pipe_echo(const PartnerContext& context) {
  return serve_echo(context, bench::ipc::inherited_stream(false));
}
int partner_pipe_producer(const PartnerContext& context) {
  return serve_messages(context, bench::ipc::inherited_stream(false));
}
int partner_socket_echo(const PartnerContext& context) {
  return serve_echo(context, bench::ipc::inherited_stream(true));
}
int partner_socket_producer(const PartnerContext& context) {
  return serve_messages(context, bench::ipc::inherited_stream(true));
}

/// Makes a pipe pair or a socket pair and starts the partner `kind` with its ends as 3 (and 4).
bool start_stream(Session& session, bool socket, const char* kind, const std::vector<std::string>& args,
                  bench::ipc::Stream& stream) {
  bench::ipc::StreamPair pair;
  int error = 0;
  if (!(socket ? bench::ipc::make_socket_pair(pair, error) : bench::ipc::make_pipes(pair, error))) {
    return session.fail(std::string(socket ? "socketpair: " : "pipe2: ") + std::system_category().message(error));
  }
  std::vector<bench::ipc::Inherited> inherited{{pair.partner_in.get(), 3}};
  if (!socket) inherited.push_back({pair.partner_out.get(), 4});
  const bool started = session.begin(kind, bench::unique_name(), args, inherited);
  stream = std::move(pair.parent);  // the partner's ends close with `pair`: the partner holds them now
  return started;
}

template <bool Socket>
void roundtrip_stream(benchmark::State& state) {
  Session session(state);
  bench::ipc::Stream stream;
  if (!start_stream(session, Socket, Socket ? "socket-echo" : "pipe-echo", {}, stream)) return;
  std::uint64_t value = 0;
  const bool ok = time_round_trips(state, session, [&] {
    std::uint64_t back = 0;
    ++value;
    return stream.write_all(&value, sizeof value) && stream.read_all(&back, sizeof back) && back == value;
  });
  stream = {};  // the end of the stream: the partner's read returns 0
  if (ok) session.finish();
}

template <bool Socket>
void stream_bytes(benchmark::State& state) {
  const std::size_t size = bench::size_of(state);
  Session session(state);
  bench::ipc::Stream stream;
  if (!start_stream(session, Socket, Socket ? "socket-producer" : "pipe-producer", {std::to_string(size)}, stream)) {
    return;
  }
  std::vector<std::uint64_t> buffer(size / sizeof(std::uint64_t));
  const bool ok = time_stream(state, session, size, [&]() -> const void* {
    return stream.read_all(buffer.data(), size) ? buffer.data() : nullptr;
  });
  stream = {};  // the partner's next write fails (EPIPE) and it exits
  if (ok) session.finish();
}
#endif

// ---------------------------------------------------------------------------------------------
// The raw ring: the same bytes through fixed slots, the same ring size as the channel's.

std::size_t ring_slots(std::size_t size) { return ring_bytes(size) / size; }

int partner_raw_ring_producer(const PartnerContext& context) {
  const std::size_t size = context.number(0);
  std::error_code ec;
  auto ring = bench::ipc::RawRing::open(context.name, size, ring_slots(size), ec);
  if (ec || !ring) return context.fail("open: " + (ec ? ec.message() : std::string("too small")));
  auto message = bench::ipc::message_pattern(size);
  context.control.set_ready();
  for (std::uint64_t sequence = 1;; ++sequence) {
    message[0] = sequence;
    if (!ring.push(message.data())) return 0;
  }
}

void stream_raw_ring(benchmark::State& state) {
  const std::size_t size = bench::size_of(state);
  const std::string name = bench::unique_name();
  std::error_code ec;
  auto ring = bench::ipc::RawRing::create(name, size, ring_slots(size), ec);
  if (ec) return bench::fail(state, "create the ring", ec);
  Session session(state);
  if (!session.begin("raw-ring-producer", name, {std::to_string(size)})) return;
  const auto alive = [&] { return session.alive(); };
  bool holding = false;
  const bool ok = time_stream(state, session, size, [&]() -> const void* {
    if (holding) ring.release();  // as the channel's receive(): frees the previous message
    const void* message = ring.front(alive);
    holding = message != nullptr;
    return message;
  });
  ring.close();
  if (holding) ring.release();  // a producer waiting for room sees the close
  if (ok) session.finish();
}

// ---------------------------------------------------------------------------------------------
// Handoffs: what a core does with a message that the other core has just written (the parent
// sums it) or just read (the parent writes over it), timed alone with the manual timer. A
// streaming consumer cannot read faster than the first, a producer not write faster than the
// second, whatever the channel does.

/// The partner's side; args: size, and "writer" or "reader" (the partner's role).
int partner_handoff(const PartnerContext& context) {
  const std::size_t size = context.number(0);
  const bool writer = context.args.size() > 1 && context.args[1] == "writer";
  std::error_code ec;
  const auto handoff = bench::ipc::Handoff::open(context.name, size, ec);
  if (ec || !handoff) return context.fail("open: " + (ec ? ec.message() : std::string("too small")));
  auto message = bench::ipc::message_pattern(size);
  const std::uint64_t base = bench::ipc::sum_words(message.data(), size);
  const auto keep_going = [&] { return !context.control.stop_requested(); };
  context.control.set_ready();
  for (std::uint64_t sequence = 1;; ++sequence) {
    if (!handoff.wait_turn(!writer, keep_going)) return 0;
    if (writer) {
      message[0] = sequence;
      std::memcpy(handoff.buffer(), message.data(), size);
    } else if (bench::ipc::sum_words(handoff.buffer(), size) != base + sequence) {
      return context.fail("a message was wrong");
    }
    handoff.pass_turn();
  }
}

/// The parent reads (sums) what the partner wrote (`read` true), or writes over what it read.
/// Each iteration is one handoff; only the parent's own work in it is timed (rdtsc), and
/// reported as work_bytes_per_second and work_ns (the benchmark's own time is the handoff's).
void stream_handoff(benchmark::State& state, bool read) {
  const std::size_t size = bench::size_of(state);
  const std::string name = bench::unique_name();
  std::error_code ec;
  const auto handoff = bench::ipc::Handoff::create(name, size, ec);
  if (ec) return bench::fail(state, "create the buffer", ec);
  Session session(state);
  if (!session.begin("handoff", name, {std::to_string(size), read ? "writer" : "reader"})) return;
  auto message = bench::ipc::message_pattern(size);
  const std::uint64_t base = bench::ipc::sum_words(message.data(), size);
  const auto alive = [&] { return session.alive(); };
  std::uint64_t sequence = 0;
  std::uint64_t work_ticks = 0;
  const auto turn = [&] {
    if (!handoff.wait_turn(read, alive)) return false;
    ++sequence;
    const std::uint64_t start = bench::ipc::ticks();
    bool intact = true;
    if (read) {
      const std::uint64_t sum = bench::ipc::sum_words(handoff.buffer(), size);
      benchmark::DoNotOptimize(sum);
      intact = sum == base + sequence;
    } else {
      message[0] = sequence;
      std::memcpy(handoff.buffer(), message.data(), size);
      benchmark::ClobberMemory();
    }
    work_ticks += bench::ipc::ticks() - start;
    handoff.pass_turn();
    return intact;
  };
  bool ok = warm_up(turn);
  work_ticks = 0;
  if (ok) {
    for (auto _ : state) {
      if (!turn()) {
        ok = false;
        break;
      }
    }
  }
  session.control().stop().store(1, std::memory_order_release);
  if (!ok) {
    session.fail("a handoff failed (the partner is gone, or a message was wrong)");
    return;
  }
  const double work_seconds = static_cast<double>(work_ticks) * bench::ipc::ns_per_tick() * 1e-9;
  const auto iterations = static_cast<double>(state.iterations());
  state.counters["work_bytes_per_second"] = iterations * static_cast<double>(size) / work_seconds;
  state.counters["work_ns"] = work_seconds * 1e9 / iterations;
  session.finish();
}

// ---------------------------------------------------------------------------------------------
// One process: memcpy and the consumer's sum, in cache, as ceilings for the streams.

void stream_memcpy(benchmark::State& state) {
  const std::size_t size = bench::size_of(state);
  const auto source = bench::ipc::message_pattern(size);
  std::vector<std::uint64_t> target(source.size());
  for (auto _ : state) {
    std::memcpy(target.data(), source.data(), size);
    benchmark::DoNotOptimize(target.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}

void stream_sum(benchmark::State& state) {
  const std::size_t size = bench::size_of(state);
  const auto source = bench::ipc::message_pattern(size);
  for (auto _ : state) {
    benchmark::DoNotOptimize(source.data());
    benchmark::ClobberMemory();
    const std::uint64_t sum = bench::ipc::sum_words(source.data(), size);
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(size));
}

// ---------------------------------------------------------------------------------------------
// namedshm::Event ping-pong: two auto-reset events, "<name>-ping" and "<name>-pong".

#if defined(NAMEDSHM_BENCH_HAVE_EVENT)
int partner_event(const PartnerContext& context) {
  std::error_code ec;
  auto ping = namedshm::Event::open(context.name + "-ping", ec);
  if (ec) return context.fail("open ping: " + ec.message());
  auto pong = namedshm::Event::open(context.name + "-pong", ec);
  if (ec) return context.fail("open pong: " + ec.message());
  context.control.set_ready();
  for (;;) {
    ping.wait(ec);
    if (ec) return context.fail("wait: " + ec.message());
    if (context.control.stop_requested()) return 0;
    pong.notify(ec);
    if (ec) return context.fail("notify: " + ec.message());
  }
}

void roundtrip_block_event(benchmark::State& state) {
  const std::string name = bench::unique_name();
  std::error_code ec;
  auto ping = namedshm::Event::create(name + "-ping", ec);
  if (ec) return bench::fail(state, "create ping", ec);
  auto pong = namedshm::Event::create(name + "-pong", ec);
  if (ec) return bench::fail(state, "create pong", ec);
  Session session(state);
  if (!session.begin("event", name, {})) return;
  // As the raw baselines: the parent's wait is bounded (a second), so that a dead partner
  // fails the benchmark instead of hanging it.
  const bool ok = time_round_trips(state, session, [&] {
    ping.notify(ec);
    if (ec) return false;
    while (!pong.wait_for(std::chrono::seconds(1), ec)) {
      if (ec || !session.alive()) return false;
    }
    return true;
  });
  session.control().stop().store(1, std::memory_order_release);
  ping.notify(ec);
  if (ok) session.finish();
}
#endif

// ---------------------------------------------------------------------------------------------
// namedshm channels: ping-pong over two channels ("<name>-down" to the partner, "<name>-up"
// back) and a stream of messages from the partner.

#if defined(NAMEDSHM_BENCH_HAVE_CHANNEL)
constexpr std::size_t round_trip_capacity = 4096;

using bench::ipc::name_of;
using bench::ipc::policy_of;

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
  std::uint64_t value = 0;
  const bool ok = time_round_trips(state, session, [&] {
    ++value;
    if (!down.send(&value, sizeof value)) return false;
    const auto back = up.receive();
    if (!back || back->size() != sizeof value) return false;
    std::uint64_t echoed = 0;
    std::memcpy(&echoed, back->data(), sizeof echoed);
    return echoed == value;
  });
  down.close();  // end of stream: the partner's receive() returns nullopt
  if (ok) session.finish();
}

/// args: size, wait policy, and "movsb" to copy with rep movsb instead of std::memcpy.
int partner_channel_producer(const PartnerContext& context) {
  const std::size_t size = context.number(0);
  const bool movsb = context.args.size() > 2 && context.args[2] == "movsb";
  namedshm::ChannelOptions options;
  options.wait = policy_of(context.args.size() > 1 ? context.args[1] : "");
  std::error_code ec;
  auto sender = namedshm::ChannelSender::open(context.name, options, ec);
  if (ec) return context.fail("open: " + ec.message());
  auto message = bench::ipc::message_pattern(size);
  context.control.set_ready();
  for (std::uint64_t sequence = 1;; ++sequence) {
    message[0] = sequence;
    const auto room = sender.prepare(size);
    if (room.size() < size) return 0;  // the receiver has gone: the end of the run
    if (movsb) {
      bench::ipc::copy_with_movsb(room.data(), message.data(), size);
    } else {
      std::memcpy(room.data(), message.data(), size);
    }
    sender.commit(size);
  }
}

void stream_channel(benchmark::State& state, namedshm::WaitPolicy policy, const char* copy) {
  const std::size_t size = bench::size_of(state);
  const std::string name = bench::unique_name();
  namedshm::ChannelOptions options;
  options.wait = policy;
  std::error_code ec;
  auto receiver = namedshm::ChannelReceiver::create(name, ring_bytes(size), options, ec);
  if (ec) return bench::fail(state, "create", ec);
  Session session(state);
  if (!session.begin("channel-producer", name, {std::to_string(size), name_of(policy), copy})) return;
  const bool ok = time_stream(state, session, size, [&]() -> const void* {
    const auto message = receiver.receive();  // also frees the previous message
    return message && message->size() == size ? static_cast<const void*>(message->data()) : nullptr;
  });
  receiver.close();
  if (ok) session.finish();
}
#endif

// ---------------------------------------------------------------------------------------------
// The partner's entry and the registrations.

using PartnerFunction = int (*)(const PartnerContext&);

const std::map<std::string, PartnerFunction>& partner_kinds() {
  static const std::map<std::string, PartnerFunction> kinds {
    {"raw-spin", partner_raw_spin}, {"raw-ring-producer", partner_raw_ring_producer}, {"handoff", partner_handoff},
#if defined(_WIN32)
        {"raw-event", partner_raw_event}, {"named-pipe-echo", partner_named_pipe_echo},
        {"named-pipe-producer", partner_named_pipe_producer},
#else
        {"raw-futex", partner_raw_futex}, {"pipe-echo", partner_pipe_echo}, {"pipe-producer", partner_pipe_producer},
        {"socket-echo", partner_socket_echo}, {"socket-producer", partner_socket_producer},
#endif
#if defined(NAMEDSHM_BENCH_HAVE_EVENT)
        {"event", partner_event},
#endif
#if defined(NAMEDSHM_BENCH_HAVE_CHANNEL)
        {"channel-echo", partner_channel_echo}, {"channel-producer", partner_channel_producer},
#endif
  };
  return kinds;
}

int run_partner(int argc, char** argv) {
  PartnerContext context;
  if (!bench::ipc::enter_partner(argc, argv, context)) return 2;
  const auto found = partner_kinds().find(context.kind);
  if (found == partner_kinds().end()) return context.fail("unknown partner kind " + context.kind);
  return found->second(context);
}

const std::vector<std::int64_t> stream_sizes{64, 64 * bench::kib, bench::mib};

void register_benchmarks() {
  using benchmark::RegisterBenchmark;
  RegisterBenchmark("roundtrip/spin/raw-atomic", roundtrip_spin_raw)->UseRealTime();
#if defined(NAMEDSHM_BENCH_HAVE_CHANNEL)
  RegisterBenchmark("roundtrip/spin/namedshm-channel", roundtrip_channel, namedshm::WaitPolicy::spin)->UseRealTime();
#endif
#if defined(_WIN32)
  RegisterBenchmark("roundtrip/block/raw-event", roundtrip_block_raw)->UseRealTime();
  RegisterBenchmark("roundtrip/block/named-pipe", roundtrip_named_pipe)->UseRealTime();
#else
  RegisterBenchmark("roundtrip/block/raw-futex", roundtrip_block_raw)->UseRealTime();
  RegisterBenchmark("roundtrip/block/pipe", roundtrip_stream<false>)->UseRealTime();
  RegisterBenchmark("roundtrip/block/unix-socket", roundtrip_stream<true>)->UseRealTime();
#endif
#if defined(NAMEDSHM_BENCH_HAVE_EVENT)
  RegisterBenchmark("roundtrip/block/namedshm-event", roundtrip_block_event)->UseRealTime();
#endif
#if defined(NAMEDSHM_BENCH_HAVE_CHANNEL)
  RegisterBenchmark("roundtrip/block/namedshm-channel", roundtrip_channel, namedshm::WaitPolicy::block)->UseRealTime();
#endif
  const auto sizes = [](benchmark::internal::Benchmark* b) {
    for (const std::int64_t size : stream_sizes) b->Arg(size);
    b->UseRealTime();
  };
  RegisterBenchmark("stream/memcpy", stream_memcpy)->Apply(sizes);
  RegisterBenchmark("stream/sum", stream_sum)->Apply(sizes);
  RegisterBenchmark("stream/raw-ring", stream_raw_ring)->Apply(sizes);
  // 64 B handoffs would time a few nanoseconds, under the clock's resolution here (10 ns).
  const auto large = [](benchmark::internal::Benchmark* b) { b->Arg(64 * bench::kib)->Arg(bench::mib)->UseRealTime(); };
  RegisterBenchmark("stream/handoff-read", stream_handoff, true)->Apply(large);
  RegisterBenchmark("stream/handoff-write", stream_handoff, false)->Apply(large);
#if defined(NAMEDSHM_BENCH_HAVE_CHANNEL)
  RegisterBenchmark("stream/namedshm-channel", stream_channel, namedshm::WaitPolicy::spin_then_block, "memcpy")
      ->Apply(sizes);
#  if defined(NAMEDSHM_BENCH_X86)
  RegisterBenchmark("stream/namedshm-channel+movsb", stream_channel, namedshm::WaitPolicy::spin_then_block, "movsb")
      ->Apply(sizes);
#  endif
#endif
#if defined(_WIN32)
  RegisterBenchmark("stream/named-pipe", stream_named_pipe)->Apply(sizes);
#else
  RegisterBenchmark("stream/pipe", stream_bytes<false>)->Apply(sizes);
  RegisterBenchmark("stream/unix-socket", stream_bytes<true>)->Apply(sizes);
#endif
}

std::string missing_headers() {
  std::string missing;
#if !defined(NAMEDSHM_BENCH_HAVE_EVENT)
  missing += "namedshm/event.hpp ";
#endif
#if !defined(NAMEDSHM_BENCH_HAVE_CHANNEL)
  missing += "namedshm/channel.hpp ";
#endif
  return missing.empty() ? "none" : missing;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], bench::ipc::partner_flag) == 0) {
#if !defined(_WIN32)
    std::signal(SIGPIPE, SIG_IGN);
#endif
    return run_partner(argc, argv);
  }
#if !defined(_WIN32)
  std::signal(SIGPIPE, SIG_IGN);  // a partner that dies makes our write fail, not kill us
#endif
  bench::ipc::placement() = bench::ipc::place_parent();
  benchmark::AddCustomContext("ipc_placement", bench::ipc::placement().describe());
  benchmark::AddCustomContext("ipc_ns_per_tick", std::to_string(bench::ipc::ns_per_tick()));
  benchmark::AddCustomContext("ipc_missing_headers", missing_headers());
  register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
