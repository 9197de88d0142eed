// BroadcastSender / BroadcastReceiver: order, sizes, wrap-around, back-pressure and zero-copy
// with several receivers in one process; streams to 1, 2 and 4 receiver processes; overwrite
// mode with a receiver that falls behind (lost() + received == sent, never a torn message);
// receivers that attach mid-stream, close or die, a sender that closes or dies; the limit on
// receivers; bad input; nothing left behind.
//
// No test relies on timing: where a test needs a side to be asleep before it kills its peer,
// it watches the slot's `waiting` word (detail/broadcast_layout.hpp); where it needs a receiver
// to fall a ring behind, it waits until the sender has published far enough.
#include <namedshm/broadcast.hpp>

#include <atomic>        // std::atomic, the words a test watches and the threads' counters
#include <chrono>        // timeouts
#include <cstddef>       // std::byte, std::size_t
#include <cstdint>       // std::uint64_t
#include <cstring>       // std::memcpy
#include <limits>        // std::numeric_limits
#include <optional>      // std::optional
#include <string>        // std::string, names and arguments
#include <system_error>  // std::error_code, std::errc, std::system_error
#include <thread>        // std::thread: senders, receivers and killers
#include <utility>       // std::move
#include <vector>        // std::vector, buffers and children

#include "support/catch.hpp"
#include "support/process.hpp"
#include "support/sanitizers.hpp"
#include "support/stream_bad_input.hpp"
#include "support/stream_script.hpp"
#include "support/wait.hpp"

using namedshm::BroadcastOptions;
using namedshm::BroadcastReceiver;
using namedshm::BroadcastReceiverOptions;
using namedshm::BroadcastSender;
using namedshm::BroadcastStart;
using namedshm::ChannelState;
using namedshm::SharedRegion;
using namedshm::WaitPolicy;
using namedshm::WhenFull;
using namedshm_test::ChildProcess;
using namedshm_test::die;
using namedshm_test::Pattern;
using namedshm_test::policy_from;
using namedshm_test::policy_name;
using namedshm_test::Random;
using namedshm_test::scaled;
using namedshm_test::unique_name;
using namedshm_test::wait_until;

namespace {

namespace layout = namedshm::detail::broadcast;

BroadcastOptions sender_options(WhenFull full, WaitPolicy policy = WaitPolicy::spin_then_block,
                                std::size_t max_receivers = 16) {
  BroadcastOptions options;
  options.when_full = full;
  options.wait = policy;
  options.max_receivers = max_receivers;
  return options;
}

BroadcastReceiverOptions receiver_options(WaitPolicy policy, BroadcastStart start = BroadcastStart::next) {
  BroadcastReceiverOptions options;
  options.wait = policy;
  options.start = start;
  return options;
}

/// The messages of a stream, the same in every process: sizes from 1 byte to the largest
/// (a quarter of them spread over the whole range, the rest up to 256 bytes), and the bytes of
/// namedshm_test::Pattern.
class Script : public Pattern {
 public:
  Script(std::uint64_t seed, std::size_t max_size) : random_(seed), max_size_(max_size) {}

  std::size_t next_size() {
    const std::uint64_t x = random_.next();
    const std::uint64_t range = x % 4 == 0 ? max_size_ : 256;
    return static_cast<std::size_t>(1 + (x >> 2U) % range);
  }

 private:
  Random random_;
  std::size_t max_size_;
};

int send_script(BroadcastSender& sender, std::uint64_t count, std::uint64_t seed) {
  return namedshm_test::send_script<Script>(sender, count, seed);
}

int receive_script(BroadcastReceiver& receiver, std::uint64_t count, std::uint64_t seed) {
  return namedshm_test::receive_script<Script>(receiver, count, seed);
}

/// A message whose bytes a torn read breaks: 8 + (index % (max - 8)) bytes, each 64-bit word
/// made from the index and the word's place, the index itself first.
struct Torn {
  static std::size_t size_of(std::uint64_t index, std::size_t max_size) {
    return 8 + static_cast<std::size_t>((index * 2654435761U) % (max_size - 8));
  }
  static std::uint64_t word(std::uint64_t index, std::size_t place) {
    return place == 0 ? index : (index * 0x9E3779B97F4A7C15ULL) ^ (place * 0xC2B2AE3D27D4EB4FULL);
  }
  static void fill(std::byte* out, std::size_t size, std::uint64_t index) {
    for (std::size_t offset = 0; offset < size; offset += 8) {
      const std::uint64_t value = word(index, offset / 8);
      std::memcpy(out + offset, &value, size - offset < 8 ? size - offset : 8);
    }
  }
  /// The index of an intact message, or ~0 for a torn one.
  static std::uint64_t check(const std::byte* in, std::size_t size, std::size_t max_size) {
    std::uint64_t index = 0;
    std::memcpy(&index, in, 8);
    if (size != size_of(index, max_size)) return ~std::uint64_t{0};
    for (std::size_t offset = 8; offset < size; offset += 8) {
      std::uint64_t value = 0;
      const std::uint64_t expected = word(index, offset / 8);
      const std::size_t bytes = size - offset < 8 ? size - offset : 8;
      std::memcpy(&value, in + offset, bytes);
      if (std::memcmp(&value, &expected, bytes) != 0) return ~std::uint64_t{0};
    }
    return index;
  }
};

/// Messages that take at least twice the ring: once the sender is this far past a receiver's
/// position, the receiver has certainly been overtaken (it keeps at most one ring).
std::uint64_t messages_past_two_rings(std::size_t capacity) { return 2 * capacity / layout::message_bytes(8) + 1; }

/// What an overwrite-mode receiver found: the messages it got, what it lost, and whether every
/// message was whole and in order.
struct SlowResult {
  std::uint64_t received = 0;
  std::uint64_t lost = 0;
  bool intact = true;
  bool ended_closed = false;
};

/// Receives Torn messages until the end, falling behind on purpose: after every 97th message
/// it waits until `published()` says the sender is two rings ahead (or done).
template <class Published>
SlowResult receive_slowly(BroadcastReceiver& receiver, std::uint64_t total, Published published) {
  SlowResult result;
  std::uint64_t last = ~std::uint64_t{0};
  const std::uint64_t lap = messages_past_two_rings(receiver.capacity());
  while (const auto message = receiver.receive()) {
    const std::uint64_t index = Torn::check(message->data(), message->size(), receiver.max_message_size());
    if (index == ~std::uint64_t{0} || (last != ~std::uint64_t{0} && index <= last)) result.intact = false;
    last = index;
    ++result.received;
    if (result.received % 97 == 0) {
      const std::uint64_t target = index + lap < total ? index + lap : total;
      wait_until([&] { return published() >= target; });
    }
  }
  result.lost = receiver.lost();
  result.ended_closed = receiver.state() == ChannelState::closed;
  return result;
}

/// Sends `total` Torn messages (send() only when `copy_only`, else also prepare() + commit()),
/// counting them in `published`, then closes.
void send_torn(BroadcastSender& sender, std::uint64_t total, std::atomic<std::uint64_t>& published, bool copy_only) {
  std::vector<std::byte> buffer(sender.max_message_size());
  for (std::uint64_t i = 0; i < total; ++i) {
    const std::size_t size = Torn::size_of(i, sender.max_message_size());
    if (copy_only || i % 2 == 0) {
      Torn::fill(buffer.data(), size, i);
      REQUIRE(sender.send(buffer.data(), size));
    } else {
      const auto room = sender.prepare(size);
      REQUIRE(room.size() == size);
      Torn::fill(room.data(), size, i);
      sender.commit(size);
    }
    published.store(i + 1);
  }
  sender.close();
}

/// A look at a broadcast's header and slots from outside, to see who sleeps (white-box).
class Watch {
 public:
  explicit Watch(const std::string& name) : region_(SharedRegion::open(name)) {}
  bool sleeps(unsigned slot) const { return word(layout::waiting_offset(slot)).load() == 1; }
  bool attached(unsigned slot) const {
    return word(layout::state_offset(slot)).load() == namedshm::detail::slot_attached;
  }

 private:
  const std::atomic<std::uint32_t>& word(std::size_t offset) const {
    return region_.object<std::atomic<std::uint32_t>>(offset);
  }
  SharedRegion region_;
};

std::vector<std::byte> bytes_of(std::size_t size, std::uint64_t index) {
  std::vector<std::byte> bytes(size);
  Pattern::fill(bytes.data(), size, index);
  return bytes;
}

std::uint64_t number_in(const BroadcastReceiver::Message& message) {
  std::uint64_t value = 0;
  std::memcpy(&value, message.data(), sizeof value);
  return value;
}

/// Waits (bounded) until the sender counts `count` receivers.
bool attached_receivers(const BroadcastSender& sender, std::size_t count) {
  return wait_until([&] { return sender.receivers() == count; });
}

/// Opens the broadcast `name` once its creator (another process) has made it.
BroadcastReceiver open_when_there(const std::string& name, const BroadcastReceiverOptions& options = {}) {
  BroadcastReceiver receiver;
  wait_until([&] {
    std::error_code ec;
    receiver = BroadcastReceiver::open(name, options, ec);
    return !ec;
  });
  return receiver;
}

}  // namespace

// args: name, policy, count, seed. Opens a receiver, checks the script, then expects the end
// of the stream (exit 8 if it is not a clean close).
NAMEDSHM_CHILD_SCENARIO(broadcast_receive_script) {
  auto receiver = BroadcastReceiver::open(args.at(0), receiver_options(policy_from(args.at(1))));
  const int result = receive_script(receiver, std::stoull(args.at(2)), std::stoull(args.at(3)));
  if (result != 0) return result;
  return !receiver.receive() && receiver.state() == ChannelState::closed && receiver.lost() == 0 ? 0 : 8;
}

// args: name, count. Opens a receiver, takes `count` messages, then waits to be killed.
NAMEDSHM_CHILD_SCENARIO(broadcast_receive_and_hang) {
  auto receiver = BroadcastReceiver::open(args.at(0));
  for (std::uint64_t i = std::stoull(args.at(1)); i > 0; --i) {
    if (!receiver.receive()) return 5;
  }
  std::this_thread::sleep_for(std::chrono::seconds(60));
  return 4;
}

// args: name, receivers, count, then "close", "die" or "hang". Creates the broadcast, waits
// until `receivers` are attached, sends `count` numbered messages, then closes, dies, or waits
// to be killed.
NAMEDSHM_CHILD_SCENARIO(broadcast_send_then_end) {
  auto sender = BroadcastSender::create(args.at(0), 65536);
  if (!attached_receivers(sender, std::stoull(args.at(1)))) return 2;
  const std::uint64_t count = std::stoull(args.at(2));
  for (std::uint64_t i = 0; i < count; ++i) {
    if (!sender.send(&i, sizeof i)) return 3;
  }
  if (args.at(3) == "die") die();
  if (args.at(3) == "hang") std::this_thread::sleep_for(std::chrono::seconds(60));
  sender.close();
  return 0;
}

// args: name, progress region. Overwrite mode: receives Torn messages slowly (see
// receive_slowly), the sender's count read from the progress region; exit 0 if every message
// was whole and in order, lost() + received is the total, and it fell behind at least once.
NAMEDSHM_CHILD_SCENARIO(broadcast_receive_slowly) {
  auto progress = SharedRegion::open(args.at(1));
  auto& published = progress.object<std::atomic<std::uint64_t>>(0);
  const std::uint64_t total = progress.object<std::atomic<std::uint64_t>>(8).load();
  auto receiver = BroadcastReceiver::open(args.at(0));
  progress.object<std::atomic<std::uint64_t>>(16).store(1);  // attached
  const SlowResult result = receive_slowly(receiver, total, [&] { return published.load(); });
  if (!result.intact) return 6;
  if (!result.ended_closed) return 8;
  if (result.received + result.lost != total) return 7;
  return result.lost > 0 ? 0 : 9;
}

TEST_CASE("broadcast: every receiver gets every message in order, sizes 0, 1 and the largest", "[broadcast]") {
  const auto name = unique_name("bc-order");
  auto sender = BroadcastSender::create(name, 4096);
  CHECK(sender.receivers() == 0);
  auto first = BroadcastReceiver::open(name);
  auto second = BroadcastReceiver::open(name);
  CHECK(sender.receivers() == 2);
  CHECK(sender.capacity() == 4096);
  CHECK(sender.max_message_size() == 4096 / 2 - 24);
  CHECK(first.max_message_size() == sender.max_message_size());
  CHECK(sender.max_receivers() == 16);
  CHECK(sender.when_full() == WhenFull::wait);
  CHECK(first.when_full() == WhenFull::wait);
  CHECK(sender.state() == ChannelState::open);
  CHECK(first.state() == ChannelState::open);
  CHECK(sender.name() == name);
  CHECK(second.name() == name);

  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, sender.max_message_size(), std::size_t{7}}) {
    const auto message = bytes_of(size, size);
    REQUIRE(sender.send(message.data(), message.size()));
    for (BroadcastReceiver* receiver : {&first, &second}) {
      const auto received = receiver->receive();
      REQUIRE(received);
      CHECK(received->size() == size);
      CHECK(Pattern::check(received->data(), received->size(), size));
    }
  }
  for (std::uint64_t i = 0; i < 100; ++i) REQUIRE(sender.send(&i, sizeof i));
  for (BroadcastReceiver* receiver : {&first, &second}) {
    for (std::uint64_t i = 0; i < 100; ++i) {
      const auto received = receiver->receive();
      REQUIRE(received);
      REQUIRE(received->size() == sizeof i);
      CHECK(number_in(*received) == i);
    }
    CHECK_FALSE(receiver->try_receive());
    CHECK(receiver->state() == ChannelState::open);
    CHECK(receiver->lost() == 0);
  }
}

TEST_CASE("broadcast: odd sizes wrap around the ring for hundreds of laps, for every receiver", "[broadcast]") {
  const auto name = unique_name("bc-laps");
  auto sender = BroadcastSender::create(name, 4096);
  std::vector<BroadcastReceiver> receivers;
  for (int i = 0; i < 3; ++i) receivers.push_back(BroadcastReceiver::open(name));
  Script script(7, sender.max_message_size());
  std::vector<Script> expect(receivers.size(), Script(7, sender.max_message_size()));
  std::vector<std::uint64_t> received(receivers.size(), 0);
  std::vector<std::byte> buffer(sender.max_message_size());
  std::uint64_t sent = 0;
  std::uint64_t bytes = 0;
  std::uint64_t full = 0;
  std::size_t pending_size = script.next_size();
  const auto take = [&](std::size_t r) {
    const auto message = receivers[r].receive();
    REQUIRE(message);
    REQUIRE(message->size() == expect[r].next_size());
    REQUIRE(Pattern::check(message->data(), message->size(), received[r]));
    ++received[r];
  };
  while (bytes < 300 * 4096) {
    // Fill until the slowest receiver pushes back, then let each receiver drain a different
    // share: the positions chase each other through every offset of the ring.
    for (;;) {
      Pattern::fill(buffer.data(), pending_size, sent);
      if (!sender.try_send(buffer.data(), pending_size)) break;
      bytes += pending_size;
      ++sent;
      pending_size = script.next_size();
    }
    ++full;
    REQUIRE(sent > received.back());  // the slowest holds the ring: it has something to read
    for (std::size_t r = 0; r < receivers.size(); ++r) {
      const std::uint64_t drain = (sent - received[r] + r) / (r + 1);
      for (std::uint64_t i = 0; i < drain; ++i) take(r);
      receivers[r].release();
    }
  }
  for (std::size_t r = 0; r < receivers.size(); ++r) {
    while (received[r] < sent) take(r);
    CHECK_FALSE(receivers[r].try_receive());
  }
  CHECK(full > 100);
}

TEST_CASE("broadcast: the slowest receiver holds the sender back, try_send and send_for fail, then succeed",
          "[broadcast]") {
  const auto name = unique_name("bc-full");
  auto sender = BroadcastSender::create(name, 4096, sender_options(WhenFull::wait, WaitPolicy::block));
  auto fast = BroadcastReceiver::open(name);
  auto slow = BroadcastReceiver::open(name);
  const std::vector<std::byte> message(112, std::byte{0x5A});
  std::size_t accepted = 0;
  while (sender.try_send(message.data(), message.size())) {
    ++accepted;
    REQUIRE(fast.receive());  // the fast one keeps up
  }
  // 16 bytes of record header + 112 of payload per message, and the word after the last.
  CHECK(accepted == (4096 - 8) / 128);
  CHECK_FALSE(sender.send_for(message.data(), message.size(), std::chrono::milliseconds(20)));
  CHECK(sender.state() == ChannelState::open);

  const auto first = slow.receive();
  REQUIRE(first);
  CHECK_FALSE(sender.try_send(message.data(), message.size()));  // received, not yet released
  slow.release();
  CHECK(sender.try_send(message.data(), message.size()));
  CHECK_FALSE(sender.try_send(message.data(), message.size()));
  slow.close();  // a receiver that leaves holds nobody back
  CHECK(sender.receivers() == 1);
  CHECK(sender.send_for(message.data(), message.size(), std::chrono::seconds(10)));
}

TEST_CASE("broadcast: zero-copy: prepare/commit on the sender, views into the ring on the receivers", "[broadcast]") {
  const auto name = unique_name("bc-zero-copy");
  auto sender = BroadcastSender::create(name, 4096);
  auto receiver = BroadcastReceiver::open(name);

  auto room = sender.prepare(200);
  REQUIRE(room.data() != nullptr);
  REQUIRE(room.size() == 200);
  Pattern::fill(room.data(), 150, 42);
  sender.commit(150);
  auto zero = sender.prepare(0);
  CHECK(zero.data() != nullptr);
  CHECK(zero.empty());
  sender.commit(0);

  const auto first = receiver.receive();
  REQUIRE(first);
  CHECK(first->size() == 150);
  // Wait mode: the view points into the ring, and the sender cannot reuse its bytes while it
  // is held, however much it sends.
  const std::byte* view = first->data();
  const std::vector<std::byte> filler(64, std::byte{0xEE});
  std::size_t sent = 0;
  while (sender.try_send(filler.data(), filler.size())) ++sent;
  CHECK(sent > 0);
  CHECK(Pattern::check(view, 150, 42));
  const auto empty = receiver.receive();
  REQUIRE(empty);
  CHECK(empty->empty());
  for (std::size_t i = 0; i < sent; ++i) {
    const auto message = receiver.receive();
    REQUIRE(message);
    CHECK((*message)[63] == std::byte{0xEE});
  }
  CHECK_FALSE(receiver.try_receive());
}

TEST_CASE("broadcast: a stream to two receiver threads, in each wait policy", "[broadcast][thread]") {
  for (const WaitPolicy policy : namedshm_test::all_policies) {
    CAPTURE(policy_name(policy));
    const auto name = unique_name("bc-threads");
    auto sender = BroadcastSender::create(name, 16384, sender_options(WhenFull::wait, policy));
    const std::uint64_t count = scaled(20000);
    int results[2] = {-1, -1};
    std::vector<std::thread> threads;
    std::vector<BroadcastReceiver> receivers;
    for (int r = 0; r < 2; ++r) receivers.push_back(BroadcastReceiver::open(name, receiver_options(policy)));
    for (int r = 0; r < 2; ++r) {
      threads.emplace_back([&, r] {
        results[r] = receive_script(receivers[static_cast<std::size_t>(r)], count, 11);
        if (results[r] == 0 && (receivers[static_cast<std::size_t>(r)].receive() ||
                                receivers[static_cast<std::size_t>(r)].state() != ChannelState::closed)) {
          results[r] = 8;
        }
      });
    }
    const int sent = send_script(sender, count, 11);
    sender.close();
    for (auto& thread : threads) thread.join();
    CHECK(sent == 0);
    CHECK(results[0] == 0);
    CHECK(results[1] == 0);
  }
}

TEST_CASE("broadcast: 100,000 messages of random sizes to 1, 2 and 4 receiver processes, wait mode",
          "[broadcast][process]") {
  // Under Wine each sleep and wake-up of the five processes is a wineserver round trip: 100,000
  // messages took 65 s there (19 s natively) against the 120 s a test may take, and CI runs two
  // tests at once. 40,000 keeps the same sizes, laps and wake-ups with room to spare.
  const std::uint64_t count = scaled(namedshm_test::running_under_wine() ? 40000 : 100000);
  for (const std::size_t receivers : {std::size_t{1}, std::size_t{2}, std::size_t{4}}) {
    CAPTURE(receivers);
    const auto name = unique_name("bc-stream");
    auto sender = BroadcastSender::create(name, 8192);
    std::vector<ChildProcess> children;
    for (std::size_t r = 0; r < receivers; ++r) {
      const WaitPolicy policy = namedshm_test::all_policies[r % 3];
      children.emplace_back("broadcast_receive_script",
                            namedshm_test::Arguments{name, policy_name(policy), std::to_string(count), "23"});
    }
    REQUIRE(attached_receivers(sender, receivers));
    CHECK(send_script(sender, count, 23) == 0);
    sender.close();
    for (auto& child : children) CHECK(child.wait() == 0);
  }
}

TEST_CASE("broadcast: overwrite mode, a receiver thread that falls behind: lost() + received == sent, none torn",
          "[broadcast][thread]") {
  // send() only: it writes the ring in atomic words. prepare() hands out plain memory that a
  // receiver thread which falls behind may read while it is written (and then throws the copy
  // away): ThreadSanitizer would report that read; the process test below covers prepare().
  const auto name = unique_name("bc-overwrite-threads");
  auto sender = BroadcastSender::create(name, 8192, sender_options(WhenFull::overwrite));
  auto receiver = BroadcastReceiver::open(name);
  CHECK(receiver.when_full() == WhenFull::overwrite);
  const std::uint64_t total = scaled(60000);
  std::atomic<std::uint64_t> published{0};
  SlowResult result;
  std::thread reader([&] { result = receive_slowly(receiver, total, [&] { return published.load(); }); });
  send_torn(sender, total, published, true);
  reader.join();
  CHECK(result.intact);
  CHECK(result.ended_closed);
  CHECK(result.received + result.lost == total);
  CHECK(result.lost > 0);  // it fell two rings behind at least once
  CHECK(result.received > 0);
}

TEST_CASE("broadcast: overwrite mode, a receiver process that falls behind: lost() + received == sent, none torn",
          "[broadcast][process]") {
  const auto name = unique_name("bc-overwrite");
  const auto progress_name = unique_name("bc-overwrite-progress");
  auto progress = SharedRegion::create(progress_name, 4096);
  auto& published = progress.object<std::atomic<std::uint64_t>>(0);
  const std::uint64_t total = scaled(100000);
  progress.object<std::atomic<std::uint64_t>>(8).store(total);
  auto sender = BroadcastSender::create(name, 8192, sender_options(WhenFull::overwrite));
  ChildProcess child("broadcast_receive_slowly", {name, progress_name});
  REQUIRE(wait_until([&] { return progress.object<std::atomic<std::uint64_t>>(16).load() == 1; }));
  send_torn(sender, total, published, false);
  CHECK(child.wait() == 0);
}

TEST_CASE("broadcast: overwrite mode never waits, and a receiver far behind skips to the oldest message",
          "[broadcast]") {
  const auto name = unique_name("bc-overwrite-skip");
  auto sender = BroadcastSender::create(name, 4096, sender_options(WhenFull::overwrite));
  auto receiver = BroadcastReceiver::open(name);
  constexpr std::uint64_t total = 1000;  // 24 bytes each: about six rings
  for (std::uint64_t i = 0; i < total; ++i) REQUIRE(sender.try_send(&i, sizeof i));
  std::uint64_t received = 0;
  std::uint64_t first = ~std::uint64_t{0};
  std::uint64_t last = 0;
  while (const auto message = receiver.try_receive()) {
    const std::uint64_t value = number_in(*message);
    if (received == 0) first = value;
    if (received > 0) CHECK(value == last + 1);  // contiguous after the skip
    last = value;
    ++received;
  }
  CHECK(last == total - 1);
  CHECK(first == receiver.lost());  // it lost exactly the messages before the oldest kept
  CHECK(received + receiver.lost() == total);
  CHECK(received >= (4096 / 4 - 4096 / 16) / 24 - 1);  // a quarter of the ring, less a sixteenth
  // A receiver that starts at the oldest message gets the same suffix, and has lost nothing.
  auto late = BroadcastReceiver::open(name, receiver_options(WaitPolicy::spin_then_block, BroadcastStart::oldest));
  const auto oldest = late.try_receive();
  REQUIRE(oldest);
  CHECK(number_in(*oldest) >= first);
  CHECK(late.lost() == 0);
}

TEST_CASE("broadcast: a receiver attaching mid-stream gets exactly the messages after its start", "[broadcast]") {
  for (const WhenFull full : {WhenFull::wait, WhenFull::overwrite}) {
    CAPTURE(full == WhenFull::wait ? "wait" : "overwrite");
    const auto name = unique_name("bc-attach");
    auto sender = BroadcastSender::create(name, 65536, sender_options(full));
    auto early = BroadcastReceiver::open(name);
    for (std::uint64_t i = 0; i < 100; ++i) REQUIRE(sender.send(&i, sizeof i));
    auto next = BroadcastReceiver::open(name);
    auto oldest = BroadcastReceiver::open(name, receiver_options(WaitPolicy::block, BroadcastStart::oldest));
    CHECK_FALSE(next.try_receive());  // nothing after its start yet
    for (std::uint64_t i = 100; i < 200; ++i) REQUIRE(sender.send(&i, sizeof i));
    sender.close();
    // 200 messages of 24 bytes take less than a quarter of the ring: the sender has not scanned
    // since it was made, and keeps them all (the oldest kept is the first).
    for (const auto& [receiver, from] : {std::pair<BroadcastReceiver*, std::uint64_t>{&early, 0},
                                         std::pair<BroadcastReceiver*, std::uint64_t>{&next, 100},
                                         std::pair<BroadcastReceiver*, std::uint64_t>{&oldest, 0}}) {
      for (std::uint64_t i = from; i < 200; ++i) {
        const auto message = receiver->receive();
        REQUIRE(message);
        CHECK(number_in(*message) == i);
      }
      CHECK_FALSE(receiver->receive());
      CHECK(receiver->state() == ChannelState::closed);
      CHECK(receiver->lost() == 0);
    }
  }
}

TEST_CASE("broadcast: receivers attaching while the sender streams get the stream from their start",
          "[broadcast][thread]") {
  for (const WhenFull full : {WhenFull::wait, WhenFull::overwrite}) {
    for (const BroadcastStart start : {BroadcastStart::next, BroadcastStart::oldest}) {
      CAPTURE(full == WhenFull::wait ? "wait" : "overwrite", start == BroadcastStart::next ? "next" : "oldest");
      const auto name = unique_name("bc-attach-live");
      auto sender = BroadcastSender::create(name, 8192, sender_options(full));
      auto steady = BroadcastReceiver::open(name);  // in wait mode, it paces the sender
      const std::uint64_t total = scaled(30000);
      const std::uint64_t half = total / 2;
      std::atomic<std::uint64_t> sent{0};
      std::atomic<bool> sent_all{true};
      std::thread pacer([&] {
        while (steady.receive()) {
        }
      });
      // The feeder stops after half the stream until the late receiver is attached, so that it
      // attaches mid-stream whatever the speeds, then sends the rest.
      std::thread feeder([&] {
        for (std::uint64_t i = 0; i < total; ++i) {
          if (i == half && !wait_until([&] { return sender.receivers() == 2; })) sent_all = false;
          if (!sender.send(&i, sizeof i)) sent_all = false;
          sent.store(i + 1);
        }
        sender.close();
      });
      REQUIRE(wait_until([&] { return sent.load() == half; }));
      auto late = BroadcastReceiver::open(name, receiver_options(WaitPolicy::spin_then_block, start));
      std::uint64_t first = 0;
      std::uint64_t last = 0;
      std::uint64_t count = 0;
      std::uint64_t gaps = 0;  // messages skipped between two received ones
      bool in_order = true;
      while (const auto message = late.receive()) {
        const std::uint64_t value = number_in(*message);
        if (count == 0) first = value;
        if (count > 0 && value <= last) in_order = false;
        if (count > 0 && value > last) gaps += value - last - 1;
        last = value;
        ++count;
      }
      feeder.join();
      pacer.join();
      CHECK(sent_all);
      CHECK(in_order);
      CHECK(late.state() == ChannelState::closed);
      CHECK(last == total - 1);
      CHECK(late.lost() >= gaps);  // it also counts what it skipped before its first message
      if (start == BroadcastStart::next) {
        CHECK(first >= half);
        CHECK(count + late.lost() == total - half);  // exactly the messages after its start
      } else {
        CHECK(first <= half);
      }
      if (full == WhenFull::wait) {
        CHECK(late.lost() == 0);
        CHECK(count == total - first);
        if (start == BroadcastStart::next) CHECK(first == half);
      }
    }
  }
}

TEST_CASE("broadcast: a receiver killed mid-stream: the sender goes on, the others lose nothing",
          "[broadcast][process]") {
  for (const WaitPolicy policy : {WaitPolicy::block, WaitPolicy::spin_then_block, WaitPolicy::spin}) {
    CAPTURE(policy_name(policy));
    const std::uint64_t count = scaled(20000);
    const auto name = unique_name("bc-kill-receiver");
    auto sender = BroadcastSender::create(name, 8192, sender_options(WhenFull::wait, policy));
    ChildProcess first("broadcast_receive_script", {name, "block", std::to_string(count), "31"});
    ChildProcess second("broadcast_receive_script", {name, "spin_then_block", std::to_string(count), "31"});
    ChildProcess doomed("broadcast_receive_and_hang", {name, "10"});
    REQUIRE(attached_receivers(sender, 3));
    const Watch watch(name);
    std::thread killer([&] {
      // The doomed one stops after 10 messages, so the sender soon waits for it: kill it then
      // (once the sender sleeps, where it announces that; a spinning sender at once).
      if (policy == WaitPolicy::block) wait_until([&] { return watch.sleeps(namedshm::detail::hub_slot); });
      doomed.kill();
    });
    CHECK(send_script(sender, count, 31) == 0);
    killer.join();
    CHECK(sender.receivers() == 2);  // the sender found the dead one out
    sender.close();
    CHECK(first.wait() == 0);
    CHECK(second.wait() == 0);
    CHECK(doomed.wait() == namedshm_test::killed_exit_code);
  }
}

TEST_CASE("broadcast: a closed sender's messages all reach every receiver, then the end", "[broadcast][process]") {
  for (const char* end : {"close", "die"}) {
    CAPTURE(end);
    const auto name = unique_name("bc-sender-ends");
    ChildProcess child("broadcast_send_then_end", {name, "2", "500", end});
    auto first = open_when_there(name);
    auto second = open_when_there(name, receiver_options(WaitPolicy::block));
    REQUIRE(first.valid());
    REQUIRE(second.valid());
    const int code = child.wait();  // it sends everything and ends before we read a message
    CHECK((std::string(end) == "close" ? code == 0 : code == namedshm_test::killed_exit_code));
    for (BroadcastReceiver* receiver : {&first, &second}) {
      for (std::uint64_t i = 0; i < 500; ++i) {
        const auto message = receiver->receive();
        REQUIRE(message);
        REQUIRE(number_in(*message) == i);
        CHECK(receiver->state() == ChannelState::open);
      }
      CHECK_FALSE(receiver->receive());
      CHECK(receiver->state() == (std::string(end) == "close" ? ChannelState::closed : ChannelState::peer_died));
      CHECK_FALSE(receiver->receive());  // and it stays ended
    }
  }
}

TEST_CASE("broadcast: a receiver asleep in receive() wakes when the sender is killed", "[broadcast][process]") {
  for (const WaitPolicy policy : {WaitPolicy::block, WaitPolicy::spin_then_block, WaitPolicy::spin}) {
    CAPTURE(policy_name(policy));
    const auto name = unique_name("bc-kill-sender");
    ChildProcess child("broadcast_send_then_end", {name, "1", "1", "hang"});
    auto receiver = open_when_there(name, receiver_options(policy));
    REQUIRE(receiver.receive());  // the sender saw us and sent its one message
    const Watch watch(name);
    std::thread killer([&] {
      if (policy != WaitPolicy::spin) wait_until([&] { return watch.sleeps(1); });
      child.kill();
    });
    const auto next = receiver.receive();
    killer.join();
    CHECK_FALSE(next);
    CHECK(receiver.state() == ChannelState::peer_died);
    CHECK(child.wait() == namedshm_test::killed_exit_code);
  }
}

TEST_CASE("broadcast: at most max_receivers at once, a closed or dead receiver's slot is free again",
          "[broadcast][process]") {
  const auto name = unique_name("bc-limit");
  auto sender = BroadcastSender::create(name, 4096, sender_options(WhenFull::wait, WaitPolicy::block, 2));
  CHECK(sender.max_receivers() == 2);
  auto first = BroadcastReceiver::open(name);
  std::error_code ec;
  {
    ChildProcess child("broadcast_receive_and_hang", {name, "1"});
    REQUIRE(attached_receivers(sender, 2));
    auto third = BroadcastReceiver::open(name, ec);
    CHECK(ec == std::errc::device_or_resource_busy);
    CHECK_FALSE(third.valid());
    CHECK_THROWS_WITH(BroadcastReceiver::open(name),
                      NAMEDSHM_CONTAINS("open broadcast receiver \"" + name + "\"") &&
                          NAMEDSHM_CONTAINS("every receiver slot is held by a live receiver"));
    REQUIRE(sender.send("a", 1));  // the refused attempts changed nothing
    const auto a = first.receive();
    REQUIRE(a);
    CHECK(static_cast<char>((*a)[0]) == 'a');
    child.kill();
    CHECK(child.wait() == namedshm_test::killed_exit_code);
  }
  auto replacement = BroadcastReceiver::open(name, ec);  // the dead one's slot, with no help
  REQUIRE_FALSE(ec);
  CHECK_FALSE(BroadcastReceiver::open(name, ec).valid());
  CHECK(ec == std::errc::device_or_resource_busy);
  first.close();
  auto another = BroadcastReceiver::open(name, ec);  // the closed one's slot
  REQUIRE_FALSE(ec);
  REQUIRE(sender.send("b", 1));
  for (BroadcastReceiver* receiver : {&replacement, &another}) {
    const auto b = receiver->receive();
    REQUIRE(b);
    CHECK(static_cast<char>((*b)[0]) == 'b');
  }
}

TEST_CASE("broadcast: a sender waiting for a receiver goes on when that receiver closes", "[broadcast][thread]") {
  const auto name = unique_name("bc-close-wakes");
  auto sender = BroadcastSender::create(name, 4096, sender_options(WhenFull::wait, WaitPolicy::block));
  auto receiver = BroadcastReceiver::open(name);
  const Watch watch(name);
  std::thread closer([&] {
    wait_until([&] { return watch.sleeps(namedshm::detail::hub_slot); });
    receiver.close();
  });
  const std::vector<std::byte> message(500, std::byte{2});
  for (int i = 0; i < 20; ++i) REQUIRE(sender.send(message.data(), message.size()));  // 2.5 rings
  closer.join();
  CHECK(sender.receivers() == 0);
}

TEST_CASE("broadcast: receive_for and try_receive give up in time, the stream still open", "[broadcast]") {
  const auto name = unique_name("bc-timeout");
  auto sender = BroadcastSender::create(name, 4096);
  auto receiver = BroadcastReceiver::open(name, receiver_options(WaitPolicy::block));
  CHECK_FALSE(receiver.try_receive());
  CHECK_FALSE(receiver.receive_for(std::chrono::milliseconds(20)));
  CHECK(receiver.state() == ChannelState::open);
  REQUIRE(sender.send("abc", 3));
  const auto message = receiver.receive_for(std::chrono::hours(1));
  REQUIRE(message);
  CHECK(message->size() == 3);
}

TEST_CASE("broadcast: bad input fails with a clear error, never undefined behaviour", "[broadcast][bad_input]") {
  const auto name = unique_name("bc-bad");
  auto sender = BroadcastSender::create(name, 4096);
  auto receiver = BroadcastReceiver::open(name);
  std::error_code ec;

  SECTION("a message larger than max_message_size()") {
    namedshm_test::check_oversized_message(sender, "broadcast", name);
  }
  SECTION("commit without prepare, and of more than prepared; null data") {
    namedshm_test::check_commit_misuse(sender);
    CHECK_FALSE(sender.send(nullptr, 1, ec));
    CHECK(ec == std::errc::invalid_argument);
    CHECK(sender.send(nullptr, 0));
    const auto message = receiver.receive();
    REQUIRE(message);
    CHECK(message->size() == 10);
  }
  SECTION("capacities: 0 and above 2 GiB are refused, others round up to a power of two") {
    CHECK_FALSE(BroadcastSender::create(unique_name("bc-cap0"), 0, ec).valid());
    CHECK(ec == std::errc::invalid_argument);
    CHECK_THROWS_WITH(BroadcastSender::create(unique_name("bc-cap0"), 0), NAMEDSHM_CONTAINS("the capacity is 0"));
    CHECK_FALSE(BroadcastSender::create(unique_name("bc-huge"), std::numeric_limits<std::size_t>::max(), ec).valid());
    CHECK(ec == std::errc::invalid_argument);
    auto odd = BroadcastSender::create(unique_name("bc-cap5000"), 5000);
    CHECK(odd.capacity() == 8192);
    CHECK(odd.max_message_size() == 8192 / 2 - 24);
  }
  SECTION("options outside their ranges") {
    BroadcastOptions none = sender_options(WhenFull::wait, WaitPolicy::block, 0);
    CHECK_FALSE(BroadcastSender::create(unique_name("bc-opt"), 4096, none, ec).valid());
    CHECK(ec == std::errc::invalid_argument);
    CHECK_THROWS_WITH(BroadcastSender::create(unique_name("bc-opt"), 4096, none),
                      NAMEDSHM_CONTAINS("max_receivers must be from 1 to 1024"));
    BroadcastOptions too_many = sender_options(WhenFull::wait, WaitPolicy::block, 1025);
    CHECK_FALSE(BroadcastSender::create(unique_name("bc-opt"), 4096, too_many, ec).valid());
    CHECK(ec == std::errc::invalid_argument);
    BroadcastOptions bad_full = sender_options(static_cast<WhenFull>(7));
    CHECK_THROWS_WITH(BroadcastSender::create(unique_name("bc-opt"), 4096, bad_full),
                      NAMEDSHM_CONTAINS("when_full is neither"));
    BroadcastOptions bad_wait = sender_options(WhenFull::wait, static_cast<WaitPolicy>(9));
    CHECK_FALSE(BroadcastSender::create(unique_name("bc-opt"), 4096, bad_wait, ec).valid());
    CHECK(ec == std::errc::invalid_argument);
    CHECK_THROWS_WITH(
        BroadcastReceiver::open(name, receiver_options(WaitPolicy::block, static_cast<BroadcastStart>(5))),
        NAMEDSHM_CONTAINS("the start is neither"));
    CHECK_FALSE(BroadcastReceiver::open(name, receiver_options(static_cast<WaitPolicy>(9)), ec).valid());
    CHECK(ec == std::errc::invalid_argument);
    CHECK(sender.receivers() == 1);  // none of it took a slot
  }
  SECTION("names: taken, missing, too long, invalid") {
    namedshm_test::check_stream_names<BroadcastSender, BroadcastReceiver>(name, "broadcast", "bc",
                                                                          "open broadcast receiver");
  }
  SECTION("a region that is not a broadcast") {
    namedshm_test::check_foreign_regions<BroadcastReceiver>("broadcast", "bc");
  }
  SECTION("empty endpoints") {
    BroadcastSender moved_to(std::move(sender));
    CHECK_FALSE(sender.valid());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    CHECK(sender.state() == ChannelState::closed);
    CHECK(sender.max_message_size() == 0);
    CHECK(sender.receivers() == 0);
    CHECK_FALSE(sender.send("x", 1, ec));
    CHECK(ec == std::errc::invalid_argument);
    CHECK(moved_to.send("x", 1));
    BroadcastReceiver empty;
    CHECK_FALSE(empty.receive(ec));
    CHECK(ec == std::errc::invalid_argument);
    CHECK(empty.state() == ChannelState::closed);
    empty.release();  // harmless
    empty.close();    // and so is closing it
    const auto message = receiver.receive();
    REQUIRE(message);
    CHECK(message->size() == 1);
  }
}

TEST_CASE("broadcast: nothing is left behind: no name, handle or view", "[broadcast][leaks]") {
  const auto name = unique_name("bc-leaks");
  // Both ends in both modes, sending and receiving, closed or destroyed; a failed create too.
  const auto cycle = [&](WhenFull full, bool close) {
    auto sender = BroadcastSender::create(name, 8192, sender_options(full));
    auto receiver = BroadcastReceiver::open(name);
    BroadcastReceiver moved(std::move(receiver));
    REQUIRE(sender.send("x", 1));
    REQUIRE(moved.receive());
    std::error_code ec;
    CHECK_FALSE(BroadcastSender::create(name, 8192, ec).valid());
    if (close) {
      moved.close();
      sender.close();
      CHECK_FALSE(namedshm_test::name_exists(name));
    }
  };
  cycle(WhenFull::wait, true);  // what Windows opens on first use and keeps, before counting
  const std::size_t handles = namedshm_test::open_handle_count();
  const std::size_t views = namedshm_test::mapped_view_count();
  for (int i = 0; i < 10; ++i) {
    cycle(i % 2 == 0 ? WhenFull::wait : WhenFull::overwrite, i % 4 < 2);
    CHECK_FALSE(namedshm_test::name_exists(name));
  }
  CHECK_FALSE(BroadcastSender::remove_if_stale(name));
  CHECK(namedshm_test::open_handle_count() == handles);
  CHECK(namedshm_test::mapped_view_count() == views);
}

TEST_CASE("broadcast: a header that a peer rewrites after open moves no access of the endpoints",
          "[broadcast][bad_input]") {
  const auto name = unique_name("bc-rewritten");
  auto sender = BroadcastSender::create(name, 4096);
  auto receiver = BroadcastReceiver::open(name);
  auto raw = SharedRegion::open(name);
  auto& header = raw.object<layout::Header>(0);
  header.capacity = std::uint64_t{1} << 40;  // far beyond the region
  header.ring_offset = 0xFFFF'0000U;
  namedshm_test::check_ring_kept(sender, receiver);
}

TEST_CASE("broadcast: receivers() counts a receiver once it has read where it starts, not when it marks its slot",
          "[broadcast][white_box]") {
  // A receiver marks its slot attached before it reads where it starts (the attach protocol
  // needs that order); a sender that waited for receivers() and then sent could lose the first
  // messages to one counted in between (a flake of the 100,000-message test under TSan). The
  // provisional cursor carries bit 0 until the start is read.
  const auto name = unique_name("bc-counted");
  auto sender = BroadcastSender::create(name, 4096, [] {
    BroadcastOptions options;
    options.max_receivers = 2;
    return options;
  }());
  auto receiver = BroadcastReceiver::open(name);
  CHECK(sender.receivers() == 1);
  auto raw = SharedRegion::open(name);
  const auto word32 = [&](std::size_t offset) -> std::atomic<std::uint32_t>& {
    return raw.object<std::atomic<std::uint32_t>>(offset);
  };
  auto& cursor = raw.object<std::atomic<std::uint64_t>>(layout::cursor_offset(2));
  CHECK(layout::started(raw.object<std::atomic<std::uint64_t>>(layout::cursor_offset(1)).load()));
  // Slot 2 as a receiver leaves it between marking the slot and reading its start.
  word32(layout::state_offset(2) + sizeof(std::uint32_t)).store(7);  // its generation
  cursor.store(layout::provisional_cursor(0));
  word32(layout::state_offset(2)).store(namedshm::detail::slot_attached);
  CHECK(sender.receivers() == 1);
  cursor.store(0);  // it has read its start
  CHECK(sender.receivers() == 2);
  word32(layout::state_offset(2)).store(namedshm::detail::slot_empty);
  CHECK(sender.receivers() == 1);
  REQUIRE(sender.send("x", 1));
  const auto message = receiver.receive();
  REQUIRE(message);
  CHECK(message->size() == 1);
}
