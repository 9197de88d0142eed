// namedshm benchmarks, mailbox (issue 21): Mailbox / MailboxSender between real processes,
// against the SPSC channel and (POSIX) Boost.Interprocess's message_queue in the same run.
//   stream/1/mailbox/SIZE      the parent sends messages of SIZE bytes to a partner's mailbox
//   stream/1/channel/SIZE      the same through an SPSC channel
//   roundtrip/POLICY/mailbox   ping-pong over two mailboxes, one sender each
//   roundtrip/POLICY/channel   ping-pong over two channels
//   stream/2/mailbox/64        two sender processes fill the parent's mailbox with 64-byte
//                              messages; the parent's receive rate is their aggregate throughput
//   stream/2/boost/64          the same through a message_queue of as many 64-byte messages
//   service/2/POLICY/mailbox   64-byte round trips of a client (the parent) to a service process
//                              that serves a second, busy client too: requests through the
//                              service's mailbox, replies through each client's own mailbox
//   service/2/boost            the same with message_queues (the service's, one per client)
// Streams report bytes per second (the sender's, or for stream/2 the receiver's); every message
// is checked (its number in its first and last 64-bit words; stream/2 also its sender and its
// order). Round trips report percentiles (ipc_latency.hpp). Partners are this binary started
// again (ipc_process.hpp), all on the partner's CPU.
// SPDX-License-Identifier: MIT
#include <benchmark/benchmark.h>

#include <atomic>        // std::memory_order, the partners' stop word
#include <chrono>        // the partners' waits
#include <csignal>       // std::signal, SIGPIPE ignored
#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint64_t, std::int64_t
#include <cstring>       // std::memcpy, std::strcmp
#include <map>           // the partner kinds by name
#include <memory>        // std::unique_ptr, the sessions
#include <optional>      // std::optional, a reply sender opened on first use
#include <string>        // std::string
#include <system_error>  // std::error_code
#include <vector>        // std::vector, messages and sessions

#include <namedshm/channel.hpp>
#include <namedshm/mailbox.hpp>

#if defined(NAMEDSHM_BENCH_HAVE_BOOST)
#  include <boost/date_time/posix_time/posix_time_types.hpp>  // the deadline of a timed receive
#  include <boost/interprocess/ipc/message_queue.hpp>         // the baseline of many senders
#endif

#include "common.hpp"         // bench::unique_name, bench::fail, sizes
#include "ipc_latency.hpp"    // Recorder
#include "ipc_process.hpp"    // Session, the partner's entry
#include "ipc_streams.hpp"    // warm_up, ring_bytes, policy names
#include "stream_suites.hpp"  // the timed loops, and the channel the mailbox is measured against

namespace {

using bench::ipc::PartnerContext;
using bench::ipc::Session;

using bench::ipc::intact;
using bench::ipc::name_of;
using bench::ipc::partner_channel_echo;
using bench::ipc::partner_channel_receiver;
using bench::ipc::policy_of;
using bench::ipc::ring_bytes;
using bench::ipc::round_trip_capacity;
using bench::ipc::roundtrip_channel;
using bench::ipc::stream_channels;
using bench::ipc::time_round_trips;
using bench::ipc::time_sends;
using bench::ipc::warm_up;

/// The size of the messages of stream/2 and service/2.
constexpr std::size_t small = 64;
/// Messages in a ring of the small ones: the mailbox's ring_bytes(64) holds as many granules,
/// and the message_queue is made for as many messages.
constexpr std::size_t small_messages = 64 * bench::kib / small;

namedshm::MailboxOptions box_options(namedshm::WaitPolicy policy) {
  namedshm::MailboxOptions options;
  options.wait = policy;
  return options;
}

namedshm::MailboxSenderOptions sender_options(namedshm::WaitPolicy policy) {
  namedshm::MailboxSenderOptions options;
  options.wait = policy;
  return options;
}

/// A mailbox has no end of stream (senders come and go): a partner that receives stops at an
/// empty message.
bool is_end(const namedshm::Mailbox::Message& message) { return message.empty(); }

// ---------------------------------------------------------------------------------------------
// One sender: the stream and the ping-pong, against the channel.

/// The receiver of stream/1; args: size, wait policy. It makes the mailbox.
int partner_mailbox_receiver(const PartnerContext& context) {
  const std::size_t size = context.number(0);
  std::error_code ec;
  auto box = namedshm::Mailbox::create(context.name, ring_bytes(size),
                                       box_options(policy_of(context.args.size() > 1 ? context.args[1] : "")), ec);
  if (ec) return context.fail("create: " + ec.message());
  context.control.set_ready();
  for (std::uint64_t expected = 1;; ++expected) {
    const auto message = box.receive(ec);
    if (!message) return context.fail("receive: " + ec.message());
    if (is_end(*message)) return 0;
    if (message->size() != size) return context.fail("a message of the wrong size");
    if (!intact(message->data(), size, expected)) return context.fail("a message was wrong");
  }
}

void stream_mailbox(benchmark::State& state) {
  const std::size_t size = bench::size_of(state);
  const std::string name = bench::unique_name();
  Session session(state);
  if (!session.begin("mailbox-receiver", name, {std::to_string(size), "spin_then_block"})) return;
  std::error_code ec;
  auto sender = namedshm::MailboxSender::open(name, ec);
  if (ec) return bench::fail(state, "open", ec);
  const bool ok = time_sends(state, size, [&](const void* message) { return sender.send(message, size); });
  if (!ok || !sender.send(nullptr, 0)) return state.SkipWithError("a send failed");
  session.finish();
}

/// The partner's echo over two mailboxes; args: policy. It makes "<name>-down" (a mailbox is
/// made by its receiver) before it says it is ready.
int partner_mailbox_echo(const PartnerContext& context) {
  const auto policy = policy_of(context.args.empty() ? "" : context.args[0]);
  std::error_code ec;
  auto down = namedshm::Mailbox::create(context.name + "-down", round_trip_capacity, box_options(policy), ec);
  if (ec) return context.fail("create down: " + ec.message());
  auto up = namedshm::MailboxSender::open(context.name + "-up", sender_options(policy), ec);
  if (ec) return context.fail("open up: " + ec.message());
  context.control.set_ready();
  for (;;) {
    const auto message = down.receive(ec);
    if (!message) return context.fail("receive: " + ec.message());
    if (is_end(*message)) return 0;
    if (!up.send(message->data(), message->size())) return context.fail("send: the parent is gone");
  }
}

void roundtrip_mailbox(benchmark::State& state, namedshm::WaitPolicy policy) {
  const std::string name = bench::unique_name();
  std::error_code ec;
  auto up = namedshm::Mailbox::create(name + "-up", round_trip_capacity, box_options(policy), ec);
  if (ec) return bench::fail(state, "create up", ec);
  Session session(state);
  if (!session.begin("mailbox-echo", name, {name_of(policy)})) return;
  auto down = namedshm::MailboxSender::open(name + "-down", sender_options(policy), ec);
  if (ec) return bench::fail(state, "open down", ec);
  time_round_trips(state, session, down, up);
  if (!down.send(nullptr, 0)) return state.SkipWithError("the end of the ping-pong failed");
  if (!state.error_occurred()) session.finish();
}

// ---------------------------------------------------------------------------------------------
// Two senders: the aggregate stream, against Boost.Interprocess's message_queue.

/// What stream/2's senders put in the first and last words of each message: the sender and the
/// message's number, so that the receiver checks each sender's order.
std::uint64_t tag_of(std::uint64_t sender, std::uint64_t number) { return (sender << 56U) | number; }

/// The loop of a partner of stream/2: `send(message)` until the parent asks it to stop.
template <class Send>
int send_until_stopped(const PartnerContext& context, Send send) {
  const std::uint64_t sender = context.number(1);
  auto message = bench::ipc::message_pattern(small);
  context.control.set_ready();
  for (std::uint64_t number = 1; !context.control.stop_requested(); ++number) {
    message.front() = message.back() = tag_of(sender, number);
    if (!send(message.data())) return context.fail("send: the parent is gone");
  }
  return 0;
}

int partner_mailbox_sender(const PartnerContext& context) {
  std::error_code ec;
  auto sender = namedshm::MailboxSender::open(context.args.at(0), ec);
  if (ec) return context.fail("open: " + ec.message());
  return send_until_stopped(context, [&](const void* message) { return sender.send(message, small); });
}

/// What the receiver of stream/2 checks: each message's size, and that each sender's messages
/// come in order, each once.
class Order {
 public:
  bool take(const void* data, std::size_t size) {
    if (size != small) return false;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    std::memcpy(&first, data, sizeof first);
    std::memcpy(&last, static_cast<const std::byte*>(data) + size - sizeof last, sizeof last);
    const std::uint64_t sender = first >> 56U;
    if (first != last || sender > 1) return false;
    const std::uint64_t number = first & 0x00FF'FFFF'FFFF'FFFFULL;
    if (number != next_[sender]) return false;
    ++next_[sender];
    return true;
  }

 private:
  std::uint64_t next_[2] = {1, 1};
};

/// Starts the two senders of stream/2, of partner kind `kind`, to the queue `name`.
bool start_senders(benchmark::State& state, std::vector<std::unique_ptr<Session>>& sessions, const char* kind,
                   const std::string& name) {
  for (int i = 0; i < 2; ++i) {
    sessions.push_back(std::make_unique<Session>(state));
    if (!sessions.back()->begin(kind, bench::unique_name(), {name, std::to_string(i)})) return false;
  }
  return true;
}

/// The timed loop of stream/2: one `receive(order)` per iteration, 64 bytes each; then asks the
/// senders to stop, and lets `drain()` take what they still send until they have exited.
template <class Receive, class Drain>
void time_receives(benchmark::State& state, std::vector<std::unique_ptr<Session>>& sessions, Receive receive,
                   Drain drain) {
  Order order;
  auto step = [&] { return receive(order); };
  bool ok = warm_up(step);
  if (ok) {
    for (auto _ : state) {
      if (!step()) {
        ok = false;
        break;
      }
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(small));
  for (auto& session : sessions) session->control().stop().store(1, std::memory_order_release);
  for (auto& session : sessions) {
    while (session->alive()) drain();
  }
  if (!ok) return state.SkipWithError("a message was wrong, or a receive failed");
  bench::ipc::finish(sessions);
}

void stream2_mailbox(benchmark::State& state) {
  const std::string name = bench::unique_name();
  std::error_code ec;
  auto box = namedshm::Mailbox::create(name, ring_bytes(small), ec);
  if (ec) return bench::fail(state, "create", ec);
  std::vector<std::unique_ptr<Session>> sessions;
  if (!start_senders(state, sessions, "mailbox-sender", name)) return;
  time_receives(
      state, sessions,
      [&](Order& order) {
        const auto message = box.receive();
        return message && order.take(message->data(), message->size());
      },
      [&] { static_cast<void>(box.receive_for(std::chrono::milliseconds(1))); });
}

// ---------------------------------------------------------------------------------------------
// A service and two clients: round trips of 64 bytes.

/// The client a request of service/2 comes from: the top byte of its first word.
std::uint64_t client_of(const void* request) {
  std::uint64_t first = 0;
  std::memcpy(&first, request, sizeof first);
  return first >> 56U;
}

/// The name of client `client`'s reply queue.
std::string reply_name(const std::string& service, std::uint64_t client) {
  return service + "-c" + std::to_string(client);
}

/// The busy client's loop: a request, then its reply, until the parent asks it to stop.
/// `round_trip(message)` is false if the service has gone.
template <class RoundTrip>
int busy_client(const PartnerContext& context, RoundTrip round_trip) {
  auto message = bench::ipc::message_pattern(small);
  for (std::uint64_t number = 1; !context.control.stop_requested(); ++number) {
    message.front() = tag_of(1, number);
    if (!round_trip(message.data())) return context.fail("the service is gone");
  }
  return 0;
}

/// The parent's round trips through a service shared with the busy client. `round_trip(message)`
/// sends `message` and waits for its reply; `end()` stops the service.
template <class RoundTrip, class End>
void time_service(benchmark::State& state, Session& service, Session& client, RoundTrip round_trip, End end) {
  auto message = bench::ipc::message_pattern(small);
  std::uint64_t number = 0;
  auto step = [&] {
    message.front() = tag_of(0, ++number);
    return round_trip(message.data());
  };
  bool ok = warm_up(step);
  if (ok) {
    bench::ipc::Recorder recorder(state);
    recorder.start();
    for (auto _ : state) {
      if (!step()) {
        ok = false;
        break;
      }
      recorder.lap();
    }
    if (ok) recorder.report(state);
  }
  client.control().stop().store(1, std::memory_order_release);
  client.finish();
  if (!ok) {
    service.fail("a round trip failed (the service is gone?)");
    return;
  }
  if (end()) service.finish();
}

/// The service of service/2; args: policy. It makes the mailbox named like the session, and
/// answers each request through the reply mailbox of the client it names, until an empty one.
int partner_mailbox_service(const PartnerContext& context) {
  const auto policy = policy_of(context.args.empty() ? "" : context.args[0]);
  std::error_code ec;
  auto box = namedshm::Mailbox::create(context.name, ring_bytes(small), box_options(policy), ec);
  if (ec) return context.fail("create: " + ec.message());
  std::optional<namedshm::MailboxSender> replies[2];
  context.control.set_ready();
  for (;;) {
    const auto request = box.receive(ec);
    if (!request) return context.fail("receive: " + ec.message());
    if (is_end(*request)) return 0;
    const std::uint64_t client = client_of(request->data());
    if (client > 1) return context.fail("a request from an unknown client");
    if (!replies[client]) {
      replies[client] = namedshm::MailboxSender::open(reply_name(context.name, client), sender_options(policy), ec);
      if (ec) return context.fail("open a reply mailbox: " + ec.message());
    }
    // A client that has stopped may have closed its reply mailbox before its last reply: not
    // an error, the reply goes nowhere.
    static_cast<void>(replies[client]->send(request->data(), request->size()));
  }
}

/// The busy client of service/2; args: the service's name, policy.
int partner_mailbox_client(const PartnerContext& context) {
  const auto policy = policy_of(context.args.at(1));
  std::error_code ec;
  auto replies =
      namedshm::Mailbox::create(reply_name(context.args[0], 1), round_trip_capacity, box_options(policy), ec);
  if (ec) return context.fail("create the reply mailbox: " + ec.message());
  auto requests = namedshm::MailboxSender::open(context.args[0], sender_options(policy), ec);
  if (ec) return context.fail("open: " + ec.message());
  context.control.set_ready();
  return busy_client(context, [&](const void* message) {
    if (!requests.send(message, small)) return false;
    while (!replies.receive_for(std::chrono::milliseconds(10))) {
      if (context.control.stop_requested()) return true;
    }
    return true;
  });
}

void service_mailbox(benchmark::State& state, namedshm::WaitPolicy policy) {
  const std::string name = bench::unique_name();
  std::error_code ec;
  auto replies = namedshm::Mailbox::create(reply_name(name, 0), round_trip_capacity, box_options(policy), ec);
  if (ec) return bench::fail(state, "create the reply mailbox", ec);
  Session service(state);
  if (!service.begin("mailbox-service", name, {name_of(policy)})) return;
  Session client(state);
  if (!client.begin("mailbox-client", bench::unique_name(), {name, name_of(policy)})) return;
  auto requests = namedshm::MailboxSender::open(name, sender_options(policy), ec);
  if (ec) return bench::fail(state, "open", ec);
  time_service(
      state, service, client,
      [&](const void* message) {
        if (!requests.send(message, small)) return false;
        const auto reply = replies.receive();
        return reply && reply->size() == small && std::memcmp(reply->data(), message, small) == 0;
      },
      [&] { return requests.send(nullptr, 0); });
}

#if defined(NAMEDSHM_BENCH_HAVE_BOOST)
namespace bip = boost::interprocess;

/// A Boost.Interprocess message_queue of 64-byte messages, removed when it goes (the creator).
class BoostQueue {
 public:
  static std::unique_ptr<BoostQueue> create(const std::string& name) {
    return std::unique_ptr<BoostQueue>(new BoostQueue(name, true));
  }
  static std::unique_ptr<BoostQueue> open(const std::string& name) {
    return std::unique_ptr<BoostQueue>(new BoostQueue(name, false));
  }
  BoostQueue(const BoostQueue&) = delete;
  BoostQueue& operator=(const BoostQueue&) = delete;
  ~BoostQueue() {
    if (owner_) bip::message_queue::remove(name_.c_str());
  }

  bool send(const void* message) {
    queue_.send(message, small, 0);
    return true;
  }
  /// Receives into `buffer` (64 bytes); `size` is the message's.
  bool receive(void* buffer, std::size_t& size) {
    unsigned int priority = 0;
    bip::message_queue::size_type received = 0;
    queue_.receive(buffer, small, received, priority);
    size = static_cast<std::size_t>(received);
    return true;
  }
  /// As receive(), waiting at most a millisecond: false if nothing came.
  bool receive_briefly(void* buffer, std::size_t& size) {
    unsigned int priority = 0;
    bip::message_queue::size_type received = 0;
    const auto until = boost::posix_time::microsec_clock::universal_time() + boost::posix_time::milliseconds(1);
    if (!queue_.timed_receive(buffer, small, received, priority, until)) return false;
    size = static_cast<std::size_t>(received);
    return true;
  }

 private:
  BoostQueue(const std::string& name, bool create)
      : name_(name),
        owner_(create),
        queue_(create ? bip::message_queue(bip::create_only, name.c_str(), small_messages, small)
                      : bip::message_queue(bip::open_only, name.c_str())) {}

  std::string name_;
  bool owner_;
  bip::message_queue queue_;
};

int partner_boost_sender(const PartnerContext& context) {
  try {
    auto queue = BoostQueue::open(context.args.at(0));
    return send_until_stopped(context, [&](const void* message) { return queue->send(message); });
  } catch (const bip::interprocess_exception& error) {
    return context.fail(std::string("message_queue: ") + error.what());
  }
}

void stream2_boost(benchmark::State& state) {
  const std::string name = bench::unique_name();
  std::unique_ptr<BoostQueue> queue;
  try {
    queue = BoostQueue::create(name);
  } catch (const bip::interprocess_exception& error) {
    return state.SkipWithError(error.what());
  }
  std::vector<std::unique_ptr<Session>> sessions;
  if (!start_senders(state, sessions, "boost-sender", name)) return;
  std::uint64_t buffer[small / sizeof(std::uint64_t)];
  time_receives(
      state, sessions,
      [&](Order& order) {
        std::size_t size = 0;
        return queue->receive(buffer, size) && order.take(buffer, size);
      },
      [&] {
        std::size_t size = 0;
        static_cast<void>(queue->receive_briefly(buffer, size));
      });
}

/// The service of service/2 with message_queues. A request whose first word is 0 ends it.
int partner_boost_service(const PartnerContext& context) {
  try {
    auto requests = BoostQueue::create(context.name);
    std::unique_ptr<BoostQueue> replies[2];
    context.control.set_ready();
    std::uint64_t request[small / sizeof(std::uint64_t)];
    for (;;) {
      std::size_t size = 0;
      requests->receive(request, size);
      if (request[0] == 0) return 0;
      const std::uint64_t client = client_of(request);
      if (client > 1) return context.fail("a request from an unknown client");
      if (!replies[client]) replies[client] = BoostQueue::open(reply_name(context.name, client));
      replies[client]->send(request);
    }
  } catch (const bip::interprocess_exception& error) {
    return context.fail(std::string("message_queue: ") + error.what());
  }
}

/// The busy client of service/2 with message_queues; args: the service's name.
int partner_boost_client(const PartnerContext& context) {
  try {
    auto replies = BoostQueue::create(reply_name(context.args.at(0), 1));
    auto requests = BoostQueue::open(context.args[0]);
    context.control.set_ready();
    std::uint64_t reply[small / sizeof(std::uint64_t)];
    return busy_client(context, [&](const void* message) {
      requests->send(message);
      std::size_t size = 0;
      while (!replies->receive_briefly(reply, size)) {
        if (context.control.stop_requested()) return true;
      }
      return true;
    });
  } catch (const bip::interprocess_exception& error) {
    return context.fail(std::string("message_queue: ") + error.what());
  }
}

void service_boost(benchmark::State& state) {
  const std::string name = bench::unique_name();
  std::unique_ptr<BoostQueue> replies;
  try {
    replies = BoostQueue::create(reply_name(name, 0));
  } catch (const bip::interprocess_exception& error) {
    return state.SkipWithError(error.what());
  }
  Session service(state);
  if (!service.begin("boost-service", name, {})) return;
  Session client(state);
  if (!client.begin("boost-client", bench::unique_name(), {name})) return;
  std::unique_ptr<BoostQueue> requests;
  try {
    requests = BoostQueue::open(name);
  } catch (const bip::interprocess_exception& error) {
    return state.SkipWithError(error.what());
  }
  std::uint64_t reply[small / sizeof(std::uint64_t)];
  time_service(
      state, service, client,
      [&](const void* message) {
        std::size_t size = 0;
        return requests->send(message) && replies->receive(reply, size) && size == small &&
               std::memcmp(reply, message, small) == 0;
      },
      [&] {
        const std::uint64_t end[small / sizeof(std::uint64_t)] = {};
        return requests->send(end);
      });
}
#endif  // NAMEDSHM_BENCH_HAVE_BOOST

// ---------------------------------------------------------------------------------------------
// The partner's entry and the registrations.

using PartnerFunction = int (*)(const PartnerContext&);

int run_partner(int argc, char** argv) {
  static const std::map<std::string, PartnerFunction> kinds {
    {"mailbox-receiver", partner_mailbox_receiver}, {"channel-receiver", partner_channel_receiver},
        {"mailbox-echo", partner_mailbox_echo}, {"channel-echo", partner_channel_echo},
        {"mailbox-sender", partner_mailbox_sender}, {"mailbox-service", partner_mailbox_service},
        {"mailbox-client", partner_mailbox_client},
#if defined(NAMEDSHM_BENCH_HAVE_BOOST)
        {"boost-sender", partner_boost_sender}, {"boost-service", partner_boost_service},
        {"boost-client", partner_boost_client},
#endif
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
    RegisterBenchmark((prefix + "/mailbox").c_str(), roundtrip_mailbox, policy)->UseRealTime();
    RegisterBenchmark((prefix + "/channel").c_str(), roundtrip_channel, policy)->UseRealTime();
  }
  for (const std::int64_t size : {std::int64_t{64}, std::int64_t{64 * bench::kib}}) {
    RegisterBenchmark("stream/1/mailbox", stream_mailbox)->Arg(size)->UseRealTime();
    RegisterBenchmark("stream/1/channel", stream_channels, 1)->Arg(size)->UseRealTime();
  }
  RegisterBenchmark("stream/2/mailbox", stream2_mailbox)->Arg(small)->UseRealTime();
  for (const auto policy : {namedshm::WaitPolicy::spin_then_block, namedshm::WaitPolicy::block}) {
    RegisterBenchmark((std::string("service/2/") + name_of(policy) + "/mailbox").c_str(), service_mailbox, policy)
        ->UseRealTime();
  }
#if defined(NAMEDSHM_BENCH_HAVE_BOOST)
  RegisterBenchmark("stream/2/boost", stream2_boost)->Arg(small)->UseRealTime();
  RegisterBenchmark("service/2/boost", service_boost)->UseRealTime();
#endif
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
