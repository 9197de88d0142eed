// ChannelSender / ChannelReceiver: order, sizes, wrap-around, back-pressure and zero-copy in one
// process; streams between two threads (for TSan) and between real processes in each wait
// policy; the end of the stream after a close or a death, with the messages in flight still
// delivered; a peer killed while the other side sleeps; one endpoint per role; bad input.
//
// No test relies on timing: where a test needs a side to be asleep before it kills its peer,
// it watches the `*_waiting` word of the channel's header (detail/channel_layout.hpp).
#include <namedshm/channel.hpp>

#include <atomic>        // std::atomic, the header words a test watches
#include <chrono>        // timeouts, and how long a child waits to be killed
#include <cstddef>       // std::byte, std::size_t
#include <cstdint>       // std::uint64_t
#include <cstring>       // std::memcpy, std::memset
#include <limits>        // std::numeric_limits
#include <optional>      // std::optional
#include <string>        // std::string, names and arguments
#include <system_error>  // std::error_code, std::errc, std::system_error
#include <thread>        // std::thread, the second thread of a stream and the killers
#include <utility>       // std::move
#include <vector>        // std::vector, message buffers

#include "support/catch.hpp"
#include "support/process.hpp"
#include "support/stream_bad_input.hpp"
#include "support/stream_script.hpp"
#include "support/wait.hpp"

using namedshm::ChannelOptions;
using namedshm::ChannelReceiver;
using namedshm::ChannelSender;
using namedshm::ChannelState;
using namedshm::SharedRegion;
using namedshm::WaitPolicy;
using namedshm_test::all_policies;
using namedshm_test::ChildProcess;
using namedshm_test::die;
using namedshm_test::Pattern;
using namedshm_test::policy_from;
using namedshm_test::policy_name;
using namedshm_test::Random;
using namedshm_test::unique_name;
using namedshm_test::wait_until;

namespace {

namespace layout = namedshm::detail::channel;

ChannelOptions with(WaitPolicy policy) {
  ChannelOptions options;
  options.wait = policy;
  return options;
}

/// The messages of a stream, the same in every process: sizes from 0 to 1500 bytes with now
/// and then one of the largest size, and the bytes of namedshm_test::Pattern.
class Script : public Pattern {
 public:
  Script(std::uint64_t seed, std::size_t max_size) : random_(seed), max_size_(max_size) {}

  std::size_t next_size() {
    const std::uint64_t x = random_.next();
    if (x % 61 == 0) return max_size_;
    return static_cast<std::size_t>(x % 1501);
  }

 private:
  Random random_;
  std::size_t max_size_;
};

int send_script(ChannelSender& sender, std::uint64_t count, std::uint64_t seed) {
  return namedshm_test::send_script<Script>(sender, count, seed);
}

int receive_script(ChannelReceiver& receiver, std::uint64_t count, std::uint64_t seed) {
  return namedshm_test::receive_script<Script>(receiver, count, seed);
}

/// A look at a channel's header from outside, to see when a side sleeps (white-box).
class HeaderWatch {
 public:
  explicit HeaderWatch(const std::string& name) : region_(SharedRegion::open(name)) {}
  bool consumer_sleeps() const { return header().consumer_waiting.load() == 1; }
  bool producer_sleeps() const { return header().producer_waiting.load() == 1; }
  bool attached(layout::Role role) const {
    return header().state[static_cast<int>(role)].load() == layout::slot_attached;
  }

 private:
  const layout::Header& header() const { return region_.object<layout::Header>(); }
  SharedRegion region_;
};

std::vector<std::byte> bytes_of(std::size_t size, std::uint64_t index) {
  std::vector<std::byte> bytes(size);
  Script::fill(bytes.data(), size, index);
  return bytes;
}

}  // namespace

// args: name, policy, count, seed. Opens the channel as sender and sends the script.
NAMEDSHM_CHILD_SCENARIO(channel_send_script) {
  auto sender = ChannelSender::open(args.at(0), with(policy_from(args.at(1))));
  return send_script(sender, std::stoull(args.at(2)), std::stoull(args.at(3)));
}

// args: name, policy, count, seed. Opens the channel as receiver, checks the script, and
// then expects the end of the stream (exit 8 if it is not a clean close).
NAMEDSHM_CHILD_SCENARIO(channel_receive_script) {
  auto receiver = ChannelReceiver::open(args.at(0), with(policy_from(args.at(1))));
  const int result = receive_script(receiver, std::stoull(args.at(2)), std::stoull(args.at(3)));
  if (result != 0) return result;
  return !receiver.receive() && receiver.state() == ChannelState::closed ? 0 : 8;
}

// args: name, count, then "close" or "die". Sends `count` small messages, then ends either way.
NAMEDSHM_CHILD_SCENARIO(channel_send_then_end) {
  auto sender = ChannelSender::open(args.at(0));
  const std::uint64_t count = std::stoull(args.at(1));
  for (std::uint64_t i = 0; i < count; ++i) {
    if (!sender.send(&i, sizeof i)) return 3;
  }
  if (args.at(2) == "die") die();
  sender.close();
  return 0;
}

// args: name. Opens the channel as sender, sends one message, then waits to be killed.
NAMEDSHM_CHILD_SCENARIO(channel_send_one_and_hang) {
  auto sender = ChannelSender::open(args.at(0));
  const std::uint64_t hello = 1;
  if (!sender.send(&hello, sizeof hello)) return 3;
  std::this_thread::sleep_for(std::chrono::seconds(60));
  return 4;
}

// args: name. Opens the channel as receiver, takes one message, then waits to be killed.
NAMEDSHM_CHILD_SCENARIO(channel_receive_one_and_hang) {
  auto receiver = ChannelReceiver::open(args.at(0));
  if (!receiver.receive()) return 5;
  std::this_thread::sleep_for(std::chrono::seconds(60));
  return 4;
}

TEST_CASE("channel: messages arrive in order, with sizes 0, 1 and max_message_size()", "[channel]") {
  const auto name = unique_name("chan-order");
  auto receiver = ChannelReceiver::create(name, 4096);
  auto sender = ChannelSender::open(name);
  CHECK(receiver.capacity() == 4096);
  CHECK(sender.capacity() == 4096);
  CHECK(sender.max_message_size() == 4096 / 2 - 16);
  CHECK(receiver.max_message_size() == sender.max_message_size());
  CHECK(sender.state() == ChannelState::open);
  CHECK(receiver.state() == ChannelState::open);
  CHECK(sender.name() == name);

  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, sender.max_message_size(), std::size_t{7}}) {
    const auto message = bytes_of(size, size);
    REQUIRE(sender.send(message.data(), message.size()));
    const auto received = receiver.receive();
    REQUIRE(received);
    CHECK(received->size() == size);
    CHECK(Script::check(received->data(), received->size(), size));
  }
  // Several queued at once keep their order.
  for (std::uint64_t i = 0; i < 100; ++i) REQUIRE(sender.send(&i, sizeof i));
  for (std::uint64_t i = 0; i < 100; ++i) {
    const auto received = receiver.receive();
    REQUIRE(received);
    REQUIRE(received->size() == sizeof i);
    std::uint64_t value = 0;
    std::memcpy(&value, received->data(), sizeof value);
    CHECK(value == i);
  }
  CHECK_FALSE(receiver.try_receive());
  CHECK(receiver.state() == ChannelState::open);
}

TEST_CASE("channel: odd sizes wrap around the ring for hundreds of laps, intact", "[channel]") {
  const auto name = unique_name("chan-laps");
  auto sender = ChannelSender::create(name, 4096);
  auto receiver = ChannelReceiver::open(name);
  Script script(7, sender.max_message_size());
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t bytes = 0;
  std::uint64_t full = 0;
  std::vector<std::byte> buffer(sender.max_message_size());
  std::size_t pending_size = script.next_size();
  Script expect(7, sender.max_message_size());
  while (bytes < 400 * 4096) {
    // Fill the ring until it pushes back, then drain part of it: the two positions chase
    // each other through every offset of the ring.
    for (;;) {
      Script::fill(buffer.data(), pending_size, sent);
      if (!sender.try_send(buffer.data(), pending_size)) break;
      bytes += pending_size;
      ++sent;
      pending_size = script.next_size();
    }
    ++full;
    REQUIRE(sender.state() == ChannelState::open);
    REQUIRE(sent > received);  // an emptied ring always takes a message
    const std::uint64_t drain = (sent - received + 1) / 2;
    for (std::uint64_t i = 0; i < drain; ++i) {
      const auto message = receiver.receive();
      REQUIRE(message);
      REQUIRE(message->size() == expect.next_size());
      REQUIRE(Script::check(message->data(), message->size(), received));
      ++received;
    }
    receiver.release();
  }
  while (received < sent) {
    const auto message = receiver.receive();
    REQUIRE(message);
    REQUIRE(message->size() == expect.next_size());
    REQUIRE(Script::check(message->data(), message->size(), received));
    ++received;
  }
  CHECK(full > 100);
  CHECK_FALSE(receiver.try_receive());
}

TEST_CASE("channel: once the receiver has released everything, any allowed size fits at once", "[channel]") {
  const auto name = unique_name("chan-fits");
  auto receiver = ChannelReceiver::create(name, 4096);
  auto sender = ChannelSender::open(name);
  const auto largest = bytes_of(sender.max_message_size(), 3);
  for (std::uint64_t round = 0; round < 1000; ++round) {
    // A small message of a varying size moves the largest one to ever other offsets, also
    // where it must wrap to the start of the ring.
    const auto small = bytes_of(static_cast<std::size_t>(round * 37 % 301), round);
    REQUIRE(sender.try_send(small.data(), small.size()));
    REQUIRE(receiver.receive());
    receiver.release();
    REQUIRE(sender.try_send(largest.data(), largest.size()));
    const auto message = receiver.receive();
    REQUIRE(message);
    REQUIRE(message->size() == largest.size());
    REQUIRE(Script::check(message->data(), message->size(), 3));
    receiver.release();
  }
}

TEST_CASE("channel: try_send and send_for fail on a full ring and succeed once a message is released", "[channel]") {
  const auto name = unique_name("chan-full");
  auto receiver = ChannelReceiver::create(name, 4096);
  auto sender = ChannelSender::open(name);
  const std::vector<std::byte> message(120, std::byte{0x5A});
  std::size_t accepted = 0;
  while (sender.try_send(message.data(), message.size())) ++accepted;
  // 8 bytes of record word + 120 of payload per message, and the ring keeps 8 bytes free for
  // the word after the last message.
  CHECK(accepted == (4096 - 8) / 128);
  CHECK(sender.state() == ChannelState::open);  // full, not gone
  CHECK_FALSE(sender.try_send(message.data(), message.size()));
  std::error_code ec;
  CHECK_FALSE(sender.send_for(message.data(), message.size(), std::chrono::milliseconds(20), ec));
  CHECK_FALSE(ec);
  CHECK(sender.state() == ChannelState::open);  // it gave up, the receiver is still there

  const auto first = receiver.receive();
  REQUIRE(first);
  CHECK_FALSE(sender.try_send(message.data(), message.size()));  // received, not yet released
  receiver.release();
  CHECK(sender.try_send(message.data(), message.size()));
  CHECK_FALSE(sender.try_send(message.data(), message.size()));
  static_cast<void>(receiver.receive());
  receiver.release();
  CHECK(sender.send_for(message.data(), message.size(), std::chrono::hours(1)));
  CHECK_THROWS_WITH(
      sender.send_for(nullptr, 1, std::chrono::seconds(1)),
      NAMEDSHM_CONTAINS("send_for on channel \"" + name + "\"") && NAMEDSHM_CONTAINS("the message's data is null"));
}

TEST_CASE("channel: zero-copy: prepare/commit on one side, views into the ring on the other", "[channel]") {
  const auto name = unique_name("chan-zero-copy");
  auto receiver = ChannelReceiver::create(name, 4096);
  auto sender = ChannelSender::open(name);

  auto room = sender.prepare(200);
  REQUIRE(room.data() != nullptr);
  REQUIRE(room.size() == 200);
  Script::fill(room.data(), 150, 42);
  sender.commit(150);  // fewer bytes than prepared
  auto zero = sender.prepare(0);
  CHECK(zero.data() != nullptr);
  CHECK(zero.empty());
  sender.commit(0);

  const auto first = receiver.receive();
  REQUIRE(first);
  CHECK(first->size() == 150);
  CHECK(Script::check(first->data(), first->size(), 42));
  // The view points into the ring: while it is held, the sender cannot reuse its bytes, however
  // much it sends.
  const std::byte* view = first->data();
  const std::vector<std::byte> filler(64, std::byte{0xEE});
  std::size_t sent = 0;
  while (sender.try_send(filler.data(), filler.size())) ++sent;
  CHECK(sent > 0);
  CHECK(Script::check(view, 150, 42));

  const auto empty = receiver.receive();  // releases the first
  REQUIRE(empty);
  CHECK(empty->empty());
  for (std::size_t i = 0; i < sent; ++i) {
    const auto message = receiver.receive();
    REQUIRE(message);
    CHECK(message->size() == 64);
    CHECK((*message)[63] == std::byte{0xEE});
  }
  CHECK_FALSE(receiver.try_receive());
}

TEST_CASE("channel: a stream between two threads, in each wait policy", "[channel][thread]") {
  for (const WaitPolicy sender_policy : all_policies) {
    for (const WaitPolicy receiver_policy : all_policies) {
      CAPTURE(policy_name(sender_policy), policy_name(receiver_policy));
      const auto name = unique_name("chan-threads");
      auto receiver = ChannelReceiver::create(name, 16384, with(receiver_policy));
      auto sender = ChannelSender::open(name, with(sender_policy));
      constexpr std::uint64_t count = 20000;
      int sent = -1;
      std::thread producer([&] {
        sent = send_script(sender, count, 11);
        sender.close();
      });
      const int received = receive_script(receiver, count, 11);
      producer.join();
      CHECK(sent == 0);
      CHECK(received == 0);
      CHECK_FALSE(receiver.receive());
      CHECK(receiver.state() == ChannelState::closed);
    }
  }
}

TEST_CASE("channel: 100,000 messages of random sizes between two processes, in each wait policy",
          "[channel][process]") {
  constexpr std::uint64_t count = 100000;
  for (const WaitPolicy policy : all_policies) {
    CAPTURE(policy_name(policy));
    const auto name = unique_name("chan-stream");
    auto receiver = ChannelReceiver::create(name, 16384, with(policy));
    ChildProcess child("channel_send_script", {name, policy_name(policy), std::to_string(count), "23"});
    CHECK(receive_script(receiver, count, 23) == 0);
    CHECK_FALSE(receiver.receive());
    CHECK(receiver.state() == ChannelState::closed);
    CHECK(child.wait() == 0);
  }
}

TEST_CASE("channel: the sender may create and the receiver open, in another process", "[channel][process]") {
  constexpr std::uint64_t count = 20000;
  const auto name = unique_name("chan-reverse");
  auto sender = ChannelSender::create(name, 8192);
  ChildProcess child("channel_receive_script", {name, "spin_then_block", std::to_string(count), "5"});
  // The script is far larger than the ring, so the child has opened the channel before the
  // last send returns; closing then ends its stream, and it checks that it ends cleanly.
  CHECK(send_script(sender, count, 5) == 0);
  sender.close();
  CHECK(child.wait() == 0);
}

TEST_CASE("channel: a closed sender's messages are all delivered, then the end", "[channel][process]") {
  const auto name = unique_name("chan-close");
  auto receiver = ChannelReceiver::create(name, 65536, with(WaitPolicy::block));
  // The child sends everything, closes and exits before the parent reads a single message.
  REQUIRE(namedshm_test::run_child("channel_send_then_end", {name, "1000", "close"}) == 0);
  for (std::uint64_t i = 0; i < 1000; ++i) {
    const auto message = receiver.receive();
    REQUIRE(message);
    std::uint64_t value = 0;
    std::memcpy(&value, message->data(), sizeof value);
    REQUIRE(value == i);
    CHECK(receiver.state() == ChannelState::open);
  }
  CHECK_FALSE(receiver.receive());
  CHECK(receiver.state() == ChannelState::closed);
  CHECK_FALSE(receiver.receive());  // and it stays ended
}

TEST_CASE("channel: a dead sender's published messages are delivered, then peer_died", "[channel][process]") {
  for (const WaitPolicy policy : all_policies) {
    CAPTURE(policy_name(policy));
    const auto name = unique_name("chan-died");
    auto receiver = ChannelReceiver::create(name, 65536, with(policy));
    ChildProcess child("channel_send_then_end", {name, "500", "die"});
    const int code = child.wait();
    CHECK(code != 0);  // killed itself
    for (std::uint64_t i = 0; i < 500; ++i) {
      const auto message = receiver.receive();
      REQUIRE(message);
      std::uint64_t value = 0;
      std::memcpy(&value, message->data(), sizeof value);
      REQUIRE(value == i);
    }
    CHECK_FALSE(receiver.receive());
    CHECK(receiver.state() == ChannelState::peer_died);
  }
}

TEST_CASE("channel: a receiver asleep in receive() wakes when its sender is killed", "[channel][process]") {
  for (const WaitPolicy policy : {WaitPolicy::block, WaitPolicy::spin_then_block, WaitPolicy::spin}) {
    CAPTURE(policy_name(policy));
    const auto name = unique_name("chan-kill-sender");
    auto receiver = ChannelReceiver::create(name, 4096, with(policy));
    ChildProcess child("channel_send_one_and_hang", {name});
    REQUIRE(receiver.receive());  // the child is attached and alive
    const HeaderWatch watch(name);
    std::thread killer([&] {
      // Spinning never announces itself: kill at once. Otherwise kill once the receiver sleeps.
      if (policy != WaitPolicy::spin) wait_until([&] { return watch.consumer_sleeps(); });
      child.kill();
    });
    const auto next = receiver.receive();
    killer.join();
    CHECK_FALSE(next);
    CHECK(receiver.state() == ChannelState::peer_died);
    CHECK(child.wait() != 0);
  }
}

TEST_CASE("channel: a sender asleep on a full ring wakes when its receiver is killed", "[channel][process]") {
  for (const WaitPolicy policy : {WaitPolicy::block, WaitPolicy::spin_then_block, WaitPolicy::spin}) {
    CAPTURE(policy_name(policy));
    const auto name = unique_name("chan-kill-receiver");
    auto sender = ChannelSender::create(name, 4096, with(policy));
    ChildProcess child("channel_receive_one_and_hang", {name});
    const HeaderWatch watch(name);
    std::thread killer([&] {
      wait_until([&] { return watch.attached(layout::Role::receiver); });
      if (policy != WaitPolicy::spin) wait_until([&] { return watch.producer_sleeps(); });
      child.kill();
    });
    const std::vector<std::byte> message(300, std::byte{1});
    std::uint64_t sent = 0;
    while (sender.send(message.data(), message.size())) ++sent;  // ends: no hang, no crash
    killer.join();
    CHECK(sent >= 4096 / 312);
    CHECK(sender.state() == ChannelState::peer_died);
    CHECK_FALSE(sender.send(message.data(), message.size()));
    CHECK(sender.prepare(8).data() == nullptr);
    CHECK(child.wait() != 0);
  }
}

TEST_CASE("channel: after the receiver closes, send returns false at once", "[channel]") {
  const auto name = unique_name("chan-receiver-closed");
  auto sender = ChannelSender::create(name, 4096);
  auto receiver = ChannelReceiver::open(name);
  REQUIRE(sender.send("x", 1));
  receiver.close();
  CHECK(receiver.state() == ChannelState::closed);
  CHECK_FALSE(receiver.valid());
  CHECK(sender.state() == ChannelState::closed);
  CHECK_FALSE(sender.send("y", 1));
  CHECK_FALSE(sender.try_send("y", 1));
  CHECK(sender.prepare(1).data() == nullptr);
}

TEST_CASE("channel: a sender blocked on a full ring returns false when the receiver closes", "[channel][thread]") {
  const auto name = unique_name("chan-close-wakes");
  auto sender = ChannelSender::create(name, 4096, with(WaitPolicy::block));
  auto receiver = ChannelReceiver::open(name);
  const HeaderWatch watch(name);
  std::thread closer([&] {
    wait_until([&] { return watch.producer_sleeps(); });
    receiver.close();
  });
  const std::vector<std::byte> message(500, std::byte{2});
  while (sender.send(message.data(), message.size())) {
  }
  closer.join();
  CHECK(sender.state() == ChannelState::closed);
}

TEST_CASE("channel: receive_for and try_receive give up in time, the stream still open", "[channel]") {
  const auto name = unique_name("chan-timeout");
  auto receiver = ChannelReceiver::create(name, 4096, with(WaitPolicy::block));
  auto sender = ChannelSender::open(name);
  CHECK_FALSE(receiver.try_receive());
  CHECK_FALSE(receiver.receive_for(std::chrono::milliseconds(20)));
  CHECK(receiver.state() == ChannelState::open);
  REQUIRE(sender.send("abc", 3));
  const auto message = receiver.receive_for(std::chrono::hours(1));
  REQUIRE(message);
  CHECK(message->size() == 3);
}

TEST_CASE("channel: one sender and one receiver at a time, and a dead one is replaced", "[channel][process]") {
  const auto name = unique_name("chan-busy");
  auto receiver = ChannelReceiver::create(name, 4096);
  auto first = ChannelSender::open(name);

  std::error_code ec;
  auto second = ChannelSender::open(name, ec);
  CHECK(ec == std::errc::device_or_resource_busy);
  CHECK_FALSE(second.valid());
  CHECK_THROWS_WITH(ChannelSender::open(name), NAMEDSHM_CONTAINS("another live sender is attached"));
  auto second_receiver = ChannelReceiver::open(name, ec);
  CHECK(ec == std::errc::device_or_resource_busy);
  CHECK_FALSE(second_receiver.valid());
  CHECK(first.send("a", 1));  // the refused attempts changed nothing
  CHECK(first.state() == ChannelState::open);

  first.close();  // a closed sender's slot is free again
  auto third = ChannelSender::open(name, ec);
  REQUIRE_FALSE(ec);
  CHECK(third.send("b", 1));
  third.close();
  for (const char expected : {'a', 'b'}) {
    const auto message = receiver.receive();
    REQUIRE(message);
    CHECK(static_cast<char>((*message)[0]) == expected);
  }
  CHECK_FALSE(receiver.receive());  // a clean close is the end of the stream
  CHECK(receiver.state() == ChannelState::closed);

  // A sender that dies holding the slot is replaced, and its replacement goes on after the
  // dead one's last message.
  const auto other = unique_name("chan-replaced");
  auto other_receiver = ChannelReceiver::create(other, 4096);
  {
    ChildProcess child("channel_send_one_and_hang", {other});
    const auto hello = other_receiver.receive();  // the child is attached and has sent
    REQUIRE(hello);
    CHECK((*hello)[0] == std::byte{1});
    CHECK_THROWS_WITH(ChannelSender::open(other), NAMEDSHM_CONTAINS("another live sender is attached"));
    child.kill();
    child.wait();
  }
  auto replacement = ChannelSender::open(other, ec);
  REQUIRE_FALSE(ec);
  CHECK(replacement.send("c", 1));
  const auto last = other_receiver.receive();
  REQUIRE(last);
  CHECK(static_cast<char>((*last)[0]) == 'c');
  CHECK(other_receiver.state() == ChannelState::open);
}

TEST_CASE("channel: bad input fails with a clear error, never undefined behaviour", "[channel][bad_input]") {
  const auto name = unique_name("chan-bad");
  auto receiver = ChannelReceiver::create(name, 4096);
  auto sender = ChannelSender::open(name);
  std::error_code ec;

  SECTION("a message larger than max_message_size()") {
    namedshm_test::check_oversized_message(sender, "channel", name);
  }
  SECTION("commit without prepare, and of more than prepared") {
    namedshm_test::check_commit_misuse(sender);
    const auto message = receiver.receive();
    REQUIRE(message);
    CHECK(message->size() == 10);
    CHECK_FALSE(receiver.try_receive());
  }
  SECTION("null data with a size") {
    CHECK_FALSE(sender.send(nullptr, 1, ec));
    CHECK(ec == std::errc::invalid_argument);
    CHECK(sender.send(nullptr, 0));
  }
  SECTION("capacities: 0 is refused, others round up to a power of two of at least 4096") {
    auto zero = ChannelSender::create(unique_name("chan-cap0"), 0, ec);
    CHECK(ec == std::errc::invalid_argument);
    CHECK_FALSE(zero.valid());
    CHECK_THROWS_WITH(ChannelReceiver::create(unique_name("chan-cap0"), 0), NAMEDSHM_CONTAINS("the capacity is 0"));
    auto tiny = ChannelSender::create(unique_name("chan-cap1"), 1);
    CHECK(tiny.capacity() == 4096);
    auto odd = ChannelReceiver::create(unique_name("chan-cap5000"), 5000);
    CHECK(odd.capacity() == 8192);
    CHECK(odd.max_message_size() == 8192 / 2 - 16);
    auto huge = ChannelSender::create(unique_name("chan-cap-huge"), std::numeric_limits<std::size_t>::max(), ec);
    CHECK(ec == std::errc::invalid_argument);
    CHECK_FALSE(huge.valid());
  }
  SECTION("names: taken, missing, too long for the events' suffix") {
    CHECK_FALSE(ChannelSender::create(name, 4096, ec).valid());
    CHECK(ec == std::errc::file_exists);
    CHECK_FALSE(ChannelReceiver::open(unique_name("chan-missing"), ec).valid());
    CHECK(ec == std::errc::no_such_file_or_directory);
    CHECK_THROWS_WITH(
        ChannelReceiver::open(unique_name("chan-missing")),
        NAMEDSHM_CONTAINS("open channel receiver") && NAMEDSHM_CONTAINS("cannot open the channel's region"));
    const std::string long_name(250, 'n');
    CHECK_FALSE(ChannelSender::create(long_name, 4096, ec).valid());
    CHECK(ec == std::errc::filename_too_long);
    CHECK_THROWS_WITH(ChannelSender::create("Local\\" + long_name, 4096), NAMEDSHM_CONTAINS("at most 249 bytes"));
    CHECK_FALSE(ChannelSender::create("bad/name", 4096, ec).valid());
    CHECK(ec == std::errc::invalid_argument);
  }
  SECTION("a region that is not a channel") {
    const auto other = unique_name("chan-not-a-channel");
    auto region = SharedRegion::create(other, 8192);
    region.object<std::uint64_t>() = 0x0123456789ABCDEFULL;
    CHECK_FALSE(ChannelReceiver::open(other, ec).valid());
    CHECK(ec == std::errc::invalid_argument);
    CHECK_THROWS_WITH(ChannelSender::open(other), NAMEDSHM_CONTAINS("the region is not a channel"));
    region.object<std::uint64_t>() = 0;  // zero-filled: refused after a short wait for a creator
    CHECK_THROWS_WITH(ChannelSender::open(other), NAMEDSHM_CONTAINS("no channel header"));
    const auto small = unique_name("chan-small");
    auto small_region = SharedRegion::create(small, 64);
    CHECK_THROWS_WITH(ChannelSender::open(small), NAMEDSHM_CONTAINS("too small to be a channel"));
  }
  SECTION("empty endpoints") {
    ChannelSender moved_to(std::move(sender));
    CHECK_FALSE(sender.valid());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    CHECK(sender.state() == ChannelState::closed);
    CHECK(sender.max_message_size() == 0);
    CHECK_FALSE(sender.send("x", 1, ec));
    CHECK(ec == std::errc::invalid_argument);
    CHECK(moved_to.send("x", 1));
    ChannelReceiver empty;
    CHECK_FALSE(empty.receive(ec));
    CHECK(ec == std::errc::invalid_argument);
    CHECK(empty.state() == ChannelState::closed);
    empty.release();  // harmless
    const auto message = receiver.receive();
    REQUIRE(message);
    CHECK(message->size() == 1);
  }
}

TEST_CASE("channel: a header that a peer rewrites after open moves no access of the endpoints",
          "[channel][bad_input]") {
  const auto name = unique_name("chan-rewritten");
  auto receiver = ChannelReceiver::create(name, 4096);
  auto sender = ChannelSender::open(name);
  auto raw = SharedRegion::open(name);
  raw.object<layout::Header>(0).capacity = std::uint64_t{1} << 40;  // far beyond the region
  CHECK(sender.max_message_size() == 4096 / 2 - 16);
  namedshm_test::check_ring_kept(sender, receiver);
}
