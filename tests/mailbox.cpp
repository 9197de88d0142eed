// Mailbox / MailboxSender: order, sizes, wrap-around, back-pressure and zero-copy with several
// senders in one process; streams from 1, 2, 4 and 8 sender processes and from threads; senders
// killed between prepare and commit (each claim skipped and counted, nothing committed lost),
// killed at random points, killed while waiting for room; the receiver killed or closed; the
// limit on senders; bad input; nothing left behind.
//
// No test relies on timing to pass: a sender is killed where it stands after it said so (in a
// progress region), or where it sleeps (its slot's `waiting` word, detail/mailbox_layout.hpp);
// the receiver learns a death from the OS, and every wait for it is bounded only as a guard
// against a hang.
#include <namedshm/mailbox.hpp>

#include <atomic>        // std::atomic, the words a test watches and the threads' results
#include <chrono>        // timeouts
#include <cstddef>       // std::byte, std::size_t
#include <cstdint>       // std::uint64_t
#include <cstring>       // std::memcpy
#include <limits>        // std::numeric_limits
#include <optional>      // std::optional
#include <string>        // std::string, names and arguments
#include <system_error>  // std::error_code, std::errc, std::system_error
#include <thread>        // std::thread: senders and killers
#include <utility>       // std::move
#include <vector>        // std::vector, buffers and children

#include "support/catch.hpp"
#include "support/process.hpp"
#include "support/sanitizers.hpp"
#include "support/stream_bad_input.hpp"
#include "support/stream_script.hpp"
#include "support/wait.hpp"

using namedshm::ChannelState;
using namedshm::Mailbox;
using namedshm::MailboxOptions;
using namedshm::MailboxSender;
using namedshm::MailboxSenderOptions;
using namedshm::SharedRegion;
using namedshm::WaitPolicy;
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

namespace layout = namedshm::detail::mailbox;

/// `count` as scaled(), and under Wine a fifth of that: there every sleep and wake-up is a round
/// trip to the wineserver, and the streams below took 30 s (processes) and 21 s (threads) there
/// against 5 s and 1 s natively, in a stage that runs every test twice (C++17 and C++20). The
/// same sizes, laps and wake-ups, only fewer of them.
std::uint64_t scaled_for_wine(std::uint64_t count) {
  return namedshm_test::running_under_wine() ? scaled(count) / 5 : scaled(count);
}

/// A bound on every wait for the receiver: a correct mailbox is done long before.
constexpr std::chrono::seconds hang_guard{60};

MailboxOptions box_options(std::size_t max_senders = 64, WaitPolicy policy = WaitPolicy::spin_then_block) {
  MailboxOptions options;
  options.max_senders = max_senders;
  options.wait = policy;
  return options;
}

MailboxSenderOptions sender_options(WaitPolicy policy) {
  MailboxSenderOptions options;
  options.wait = policy;
  return options;
}

/// The tag at the start of every scripted message: its sender and its number.
std::uint64_t tag_of(std::uint64_t sender, std::uint64_t index) { return (sender << 48U) | index; }

/// The messages of one sender, the same in every process: sizes from 8 bytes (the tag) to the
/// largest (a quarter of them spread over the whole range, the rest up to 256 bytes), the tag
/// first, then namedshm_test::Pattern bytes of the tag.
class Script {
 public:
  Script(std::uint64_t seed, std::uint64_t sender, std::size_t max_size)
      : random_(seed * 1000003U + sender), max_size_(max_size) {}

  std::size_t next_size() {
    const std::uint64_t x = random_.next();
    const std::uint64_t range = x % 4 == 0 ? max_size_ - 8 : 248;
    return static_cast<std::size_t>(8 + (x >> 2U) % (range + 1));
  }
  static void fill(std::byte* out, std::size_t size, std::uint64_t tag) {
    std::memcpy(out, &tag, sizeof tag);
    Pattern::fill(out + 8, size - 8, tag);
  }
  static std::uint64_t tag_in(const std::byte* in) {
    std::uint64_t tag = 0;
    std::memcpy(&tag, in, sizeof tag);
    return tag;
  }

 private:
  Random random_;
  std::size_t max_size_;
};

/// The largest message of the scripts of senders that die while nobody receives: small, so
/// that all they send fits in the ring.
constexpr std::size_t small_messages = 256;

/// Sends `count` messages of sender `id`'s script (sizes up to `max_size`, or the largest), by
/// send() and by prepare() + commit() in turn: 0, or 3 if a send failed.
int send_script(MailboxSender& sender, std::uint64_t id, std::uint64_t count, std::uint64_t seed,
                std::size_t max_size = 0) {
  Script script(seed, id, max_size != 0 ? max_size : sender.max_message_size());
  std::vector<std::byte> buffer(sender.max_message_size());
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::size_t size = script.next_size();
    if (i % 2 == 0) {
      Script::fill(buffer.data(), size, tag_of(id, i));
      if (!sender.send(buffer.data(), size)) return 3;
    } else {
      const auto room = sender.prepare(size);
      if (room.data() == nullptr) return 3;
      Script::fill(room.data(), size, tag_of(id, i));
      sender.commit(size);
    }
  }
  return 0;
}

/// What a receiver checks of the streams of several senders: each sender's messages arrive in
/// order, none twice, none missing before the last one seen, every byte right.
class Streams {
 public:
  Streams(std::size_t senders, std::uint64_t seed, std::size_t max_size) {
    for (std::size_t id = 0; id < senders; ++id) scripts_.emplace_back(seed, id, max_size);
    next_.assign(senders, 0);
  }

  /// Checks a message: true if it is the next one of its sender, whole.
  bool take(const Mailbox::Message& message) {
    if (message.size() < 8) return fail("a message shorter than its tag");
    const std::uint64_t tag = Script::tag_in(message.data());
    const std::uint64_t id = tag >> 48U;
    if (id >= next_.size()) return fail("a message from an unknown sender " + std::to_string(id));
    const std::uint64_t index = tag & 0xFFFF'FFFF'FFFFU;
    if (index != next_[id]) {
      return fail("sender " + std::to_string(id) + ": message " + std::to_string(index) + " where " +
                  std::to_string(next_[id]) + " was due");
    }
    const std::size_t size = scripts_[id].next_size();
    if (message.size() != size || !Pattern::check(message.data() + 8, size - 8, tag)) {
      return fail("sender " + std::to_string(id) + ": message " + std::to_string(index) + " is not whole");
    }
    ++next_[id];
    ++total_;
    return true;
  }

  std::uint64_t received(std::size_t id) const { return next_[id]; }
  std::uint64_t total() const { return total_; }
  const std::string& error() const { return error_; }

 private:
  bool fail(const std::string& what) {
    if (error_.empty()) error_ = what;
    return false;
  }

  std::vector<Script> scripts_;
  std::vector<std::uint64_t> next_;
  std::uint64_t total_ = 0;
  std::string error_;
};

/// Receives until `streams` holds `total` messages (each checked), with a bound against a
/// hang: true if all came, whole and in order.
bool receive_all(Mailbox& box, Streams& streams, std::uint64_t total) {
  while (streams.total() < total) {
    const auto message = box.receive_for(hang_guard);
    if (!message || !streams.take(*message)) return false;
  }
  return true;
}

/// The marker the parent sends after a killed child: once it arrives, every claim made before
/// it has been delivered or skipped.
constexpr std::uint64_t marker = 0x4D41524B4552ULL;

/// Receives (checked by `streams`) until the marker, calling `after_each()` after each message.
template <class AfterEach>
bool receive_until_marker(Mailbox& box, Streams& streams, AfterEach after_each) {
  for (;;) {
    const auto message = box.receive_for(hang_guard);
    if (!message) return false;
    if (message->size() == sizeof marker && Script::tag_in(message->data()) == marker) return true;
    if (!streams.take(*message)) return false;
    after_each();
  }
}

bool receive_until_marker(Mailbox& box, Streams& streams) {
  return receive_until_marker(box, streams, [] {});
}

/// A look at a mailbox's slots from outside, to see who sleeps (white-box).
class Watch {
 public:
  explicit Watch(const std::string& name) : region_(SharedRegion::open(name)) {}
  bool sleeps(unsigned slot) const {
    return region_.object<std::atomic<std::uint32_t>>(layout::waiting_offset(slot)).load() == 1;
  }

 private:
  SharedRegion region_;
};

/// A region in which a child says how far it got (word 0), for the parent to wait on.
class Progress {
 public:
  Progress() : name_(unique_name("mb-progress")), region_(SharedRegion::create(name_, 4096)) {}
  const std::string& name() const { return name_; }
  bool reached(std::uint64_t value) const {
    return wait_until([&] { return region_.object<std::atomic<std::uint64_t>>(0).load() >= value; });
  }
  void reset() { region_.object<std::atomic<std::uint64_t>>(0).store(0); }

 private:
  std::string name_;
  SharedRegion region_;
};

void report(const std::string& name, std::uint64_t value) {
  auto region = SharedRegion::open(name);
  region.object<std::atomic<std::uint64_t>>(0).store(value);
}

std::vector<std::byte> bytes_of(std::size_t size, std::uint64_t index) {
  std::vector<std::byte> bytes(size);
  Pattern::fill(bytes.data(), size, index);
  return bytes;
}

std::uint64_t number_in(const Mailbox::Message& message) {
  std::uint64_t value = 0;
  std::memcpy(&value, message.data(), sizeof value);
  return value;
}

}  // namespace

// args: name, policy, id, count, seed. Sends sender `id`'s script, then closes.
NAMEDSHM_CHILD_SCENARIO(mailbox_send_script) {
  auto sender = MailboxSender::open(args.at(0), sender_options(policy_from(args.at(1))));
  return send_script(sender, std::stoull(args.at(2)), std::stoull(args.at(3)), std::stoull(args.at(4)));
}

// args: name, id, count, seed, size, written, how, progress. Sends `count` messages of sender
// `id`'s script (small_messages), prepares a message of `size` bytes and writes `written` of
// them, then dies (how "die") or says so in the progress region and waits to be killed (how
// "hang").
NAMEDSHM_CHILD_SCENARIO(mailbox_prepare_and_die) {
  auto sender = MailboxSender::open(args.at(0));
  const std::uint64_t id = std::stoull(args.at(1));
  if (send_script(sender, id, std::stoull(args.at(2)), std::stoull(args.at(3)), small_messages) != 0) return 3;
  const auto room = sender.prepare(std::stoull(args.at(4)));
  if (room.data() == nullptr) return 4;
  Pattern::fill(room.data(), std::stoull(args.at(5)), 77);
  if (args.at(6) == "die") die();
  report(args.at(7), 1);
  std::this_thread::sleep_for(std::chrono::seconds(60));
  return 5;
}

// args: name, progress, capacity. Creates the mailbox, says so, then waits to be killed.
NAMEDSHM_CHILD_SCENARIO(mailbox_receiver_hangs) {
  auto box = Mailbox::create(args.at(0), std::stoull(args.at(2)));
  report(args.at(1), 1);
  std::this_thread::sleep_for(std::chrono::seconds(60));
  return 4;
}

TEST_CASE("mailbox: one sender's messages arrive in order, sizes 0, 1 and the largest", "[mailbox]") {
  const auto name = unique_name("mb-order");
  auto box = Mailbox::create(name, 4096);
  CHECK(box.senders() == 0);
  auto sender = MailboxSender::open(name);
  CHECK(box.senders() == 1);
  CHECK(box.capacity() == 4096);
  CHECK(box.max_message_size() == 2048);
  CHECK(sender.max_message_size() == 2048);
  CHECK(sender.capacity() == 4096);
  CHECK(box.max_senders() == 64);
  CHECK(box.state() == ChannelState::open);
  CHECK(sender.state() == ChannelState::open);
  CHECK(sender.check_receiver() == ChannelState::open);
  CHECK(box.name() == name);
  CHECK(sender.name() == name);
  CHECK(box.abandoned() == 0);

  for (const std::size_t size :
       {std::size_t{0}, std::size_t{1}, box.max_message_size(), std::size_t{7}, std::size_t{64}, std::size_t{65}}) {
    const auto message = bytes_of(size, size);
    REQUIRE(sender.send(message.data(), message.size()));
    const auto received = box.receive();
    REQUIRE(received);
    CHECK(received->size() == size);
    CHECK(Pattern::check(received->data(), received->size(), size));
    CHECK(reinterpret_cast<std::uintptr_t>(received->data()) % 64 == 0);  // on a granule
  }
  for (std::uint64_t i = 0; i < 40; ++i) REQUIRE(sender.send(&i, sizeof i));  // 40 granules: a lap
  for (std::uint64_t i = 0; i < 40; ++i) {
    const auto received = box.receive();
    REQUIRE(received);
    REQUIRE(received->size() == sizeof i);
    CHECK(number_in(*received) == i);
  }
  CHECK_FALSE(box.try_receive());
  CHECK(box.abandoned() == 0);
}

TEST_CASE("mailbox: three senders' odd sizes wrap around the ring for hundreds of laps", "[mailbox]") {
  const auto name = unique_name("mb-laps");
  auto box = Mailbox::create(name, 4096);
  std::vector<MailboxSender> senders;
  for (int i = 0; i < 3; ++i) senders.push_back(MailboxSender::open(name));
  std::vector<Script> scripts;
  for (std::uint64_t id = 0; id < 3; ++id) scripts.emplace_back(5, id, box.max_message_size());
  Streams streams(3, 5, box.max_message_size());
  std::vector<std::uint64_t> sent(3, 0);
  std::vector<std::size_t> pending_size{scripts[0].next_size(), scripts[1].next_size(), scripts[2].next_size()};
  std::vector<std::byte> buffer(box.max_message_size());
  std::uint64_t bytes = 0;
  std::uint64_t full = 0;
  Random turns(3);
  while (bytes < 300 * 4096) {
    // The senders take turns at random until the ring is full, then the receiver drains a
    // different share each time: positions, padding and granules meet every offset of the ring.
    for (;;) {
      const std::size_t id = static_cast<std::size_t>(turns.next() % 3);
      Script::fill(buffer.data(), pending_size[id], tag_of(id, sent[id]));
      if (!senders[id].try_send(buffer.data(), pending_size[id])) break;
      bytes += pending_size[id];
      ++sent[id];
      pending_size[id] = scripts[id].next_size();
    }
    ++full;
    const std::uint64_t waiting = sent[0] + sent[1] + sent[2] - streams.total();
    REQUIRE(waiting > 0);
    for (std::uint64_t i = (full % 3 == 0) ? 0 : waiting / 2; i < waiting; ++i) {
      const auto message = box.try_receive();
      REQUIRE(message);
      REQUIRE(streams.take(*message));
    }
    box.release();
  }
  while (streams.total() < sent[0] + sent[1] + sent[2]) {
    const auto message = box.try_receive();
    REQUIRE(message);
    REQUIRE(streams.take(*message));
  }
  INFO(streams.error());
  CHECK_FALSE(box.try_receive());
  CHECK(full > 100);
  CHECK(box.abandoned() == 0);
}

TEST_CASE("mailbox: a full ring makes try_send and send_for fail, and receive_for gives up in time", "[mailbox]") {
  const auto name = unique_name("mb-full");
  auto box = Mailbox::create(name, 4096, box_options(4, WaitPolicy::block));
  auto first = MailboxSender::open(name, sender_options(WaitPolicy::block));
  auto second = MailboxSender::open(name);
  CHECK_FALSE(box.try_receive());
  CHECK_FALSE(box.receive_for(std::chrono::milliseconds(20)));
  CHECK(box.state() == ChannelState::open);
  const std::vector<std::byte> message(100, std::byte{0x5A});  // two granules each
  std::size_t accepted = 0;
  while ((accepted % 2 == 0 ? first : second).try_send(message.data(), message.size())) ++accepted;
  CHECK(accepted == 4096 / 128);
  CHECK_FALSE(first.try_send(message.data(), message.size()));
  CHECK_FALSE(second.send_for(message.data(), message.size(), std::chrono::milliseconds(20)));
  CHECK(first.state() == ChannelState::open);
  CHECK(second.state() == ChannelState::open);

  const auto held = box.receive();
  REQUIRE(held);
  CHECK_FALSE(first.try_send(message.data(), message.size()));  // received, not yet released
  box.release();
  CHECK(first.try_send(message.data(), message.size()));
  CHECK_FALSE(second.try_send(message.data(), message.size()));
  // A sender asleep for room wakes when the receiver frees some.
  const Watch watch(name);
  std::thread drainer([&] {
    wait_until([&] { return watch.sleeps(1); });
    static_cast<void>(box.receive());
    static_cast<void>(box.receive());
  });
  CHECK(first.send(message.data(), message.size()));
  drainer.join();
  for (std::size_t i = 0; i < accepted - 1; ++i) REQUIRE(box.receive_for(hang_guard));
  CHECK_FALSE(box.try_receive());
}

TEST_CASE("mailbox: zero-copy: prepare/commit, a dropped reservation is skipped, views stay valid", "[mailbox]") {
  const auto name = unique_name("mb-zero-copy");
  auto box = Mailbox::create(name, 4096);
  auto sender = MailboxSender::open(name);
  auto other = MailboxSender::open(name);

  auto room = sender.prepare(200);
  REQUIRE(room.data() != nullptr);
  REQUIRE(room.size() == 200);
  // Another sender's message claimed after it waits behind it.
  REQUIRE(other.send("b", 1));
  CHECK_FALSE(box.try_receive());
  Pattern::fill(room.data(), 150, 42);
  sender.commit(150);
  auto zero = sender.prepare(0);
  CHECK(zero.data() != nullptr);
  CHECK(zero.empty());
  sender.commit(0);
  // A reservation dropped by the next prepare(), by send(), and by close(): padding, skipped.
  static_cast<void>(sender.prepare(300));
  static_cast<void>(sender.prepare(40));
  REQUIRE(sender.send("c", 1));
  static_cast<void>(sender.prepare(10));
  sender.close();
  MailboxSender moved(std::move(other));
  static_cast<void>(moved.prepare(64));
  moved = MailboxSender::open(name);  // moving onto it drops its reservation too
  REQUIRE(moved.send("d", 1));

  const auto first = box.receive();
  REQUIRE(first);
  CHECK(first->size() == 150);
  const std::byte* view = first->data();
  // The view points into the ring; no sender can reuse its bytes while it is held.
  const std::vector<std::byte> filler(64, std::byte{0xEE});
  std::size_t sent = 0;
  while (moved.try_send(filler.data(), filler.size())) ++sent;
  CHECK(sent > 0);
  CHECK(Pattern::check(view, 150, 42));
  const auto b = box.receive();
  REQUIRE(b);
  CHECK(static_cast<char>((*b)[0]) == 'b');
  const auto empty = box.receive();
  REQUIRE(empty);
  CHECK(empty->empty());
  const auto c = box.receive();
  REQUIRE(c);
  CHECK(static_cast<char>((*c)[0]) == 'c');
  const auto d = box.receive();
  REQUIRE(d);
  CHECK(static_cast<char>((*d)[0]) == 'd');
  for (std::size_t i = 0; i < sent; ++i) {
    const auto message = box.receive();
    REQUIRE(message);
    CHECK((*message)[63] == std::byte{0xEE});
  }
  CHECK_FALSE(box.try_receive());
  CHECK(box.abandoned() == 0);  // dropped reservations are no deaths
}

TEST_CASE("mailbox: four sender threads, each with its own sender, in each wait policy", "[mailbox][thread]") {
  for (const WaitPolicy policy : namedshm_test::all_policies) {
    CAPTURE(policy_name(policy));
    const auto name = unique_name("mb-threads");
    auto box = Mailbox::create(name, 16384, box_options(8, policy));
    const std::uint64_t count = scaled_for_wine(20000);
    int results[4] = {-1, -1, -1, -1};  // each thread writes its own, read after the joins
    std::vector<std::thread> threads;
    for (std::uint64_t id = 0; id < 4; ++id) {
      threads.emplace_back([&, id] {
        auto sender = MailboxSender::open(name, sender_options(policy));
        results[id] = send_script(sender, id, count, 13);
      });
    }
    Streams streams(4, 13, box.max_message_size());
    const bool all = receive_all(box, streams, 4 * count);
    for (auto& thread : threads) thread.join();
    INFO(streams.error());
    CHECK(all);
    for (const auto& result : results) CHECK(result == 0);
    CHECK_FALSE(box.try_receive());
    CHECK(box.abandoned() == 0);
  }
}

TEST_CASE("mailbox: 1, 2, 4 and 8 sender processes x 50,000 messages of random sizes", "[mailbox][process]") {
  const std::uint64_t count = scaled_for_wine(50000);
  for (const std::size_t senders : {std::size_t{1}, std::size_t{2}, std::size_t{4}, std::size_t{8}}) {
    CAPTURE(senders);
    const auto name = unique_name("mb-stream");
    auto box = Mailbox::create(name, 16384);
    std::vector<ChildProcess> children;
    for (std::size_t id = 0; id < senders; ++id) {
      const WaitPolicy policy = namedshm_test::all_policies[id % 3];
      children.emplace_back(
          "mailbox_send_script",
          namedshm_test::Arguments{name, policy_name(policy), std::to_string(id), std::to_string(count), "23"});
    }
    Streams streams(senders, 23, box.max_message_size());
    const bool all = receive_all(box, streams, senders * count);
    INFO(streams.error());
    CHECK(all);
    for (auto& child : children) CHECK(child.wait() == 0);
    CHECK_FALSE(box.try_receive());
    CHECK(box.abandoned() == 0);
  }
}

TEST_CASE("mailbox: a sender killed between prepare and commit, many times: each claim skipped and counted",
          "[mailbox][process]") {
  // Each round a child sends a random number of messages, prepares one more of random size,
  // writes a random part of it, and dies (by its own hand, or killed by the parent where it
  // waits). The receiver must deliver every committed message, skip the claim once the OS says
  // its sender died (the slot's holder, probed) or once another sender has taken that slot (its
  // generation), count it, and go on to the parent's marker.
  // Nobody receives while a child lives: all it sends (at most 60 small messages and one of
  // 2 KiB) fits in the ring.
  const auto name = unique_name("mb-prepare-die");
  auto box = Mailbox::create(name, 131072, box_options(2));  // the parent's sender and one child
  auto parent = MailboxSender::open(name);
  Progress progress;
  Random random(31);
  constexpr std::uint64_t rounds = 24;
  Streams streams(rounds + 1, 31, small_messages);
  std::vector<std::uint64_t> committed(rounds + 1, 0);
  for (std::uint64_t round = 0; round < rounds; ++round) {
    const std::uint64_t id = round + 1;
    committed[id] = random.next() % 60;
    const std::size_t size = 1 + static_cast<std::size_t>(random.next() % 2048);
    const std::size_t written = static_cast<std::size_t>(random.next() % (size + 1));
    const bool by_hand = round % 2 == 0;
    const bool retake = round % 4 >= 2;
    CAPTURE(round, by_hand, retake, committed[id], size, written);
    progress.reset();
    ChildProcess child("mailbox_prepare_and_die",
                       {name, std::to_string(id), std::to_string(committed[id]), "31", std::to_string(size),
                        std::to_string(written), by_hand ? "die" : "hang", progress.name()});
    if (!by_hand) {
      REQUIRE(progress.reached(1));
      child.kill();
    }
    REQUIRE(child.wait() == namedshm_test::killed_exit_code);
    // Retake: a new sender takes the dead child's slot before the receiver looks (the claim's
    // generation is then another's); else the receiver must ask the OS.
    MailboxSender successor;
    if (retake) successor = MailboxSender::open(name);
    MailboxSender& marking = retake ? successor : parent;
    REQUIRE(marking.send(&marker, sizeof marker));
    REQUIRE(receive_until_marker(box, streams));
    INFO(streams.error());
    CHECK(streams.received(id) == committed[id]);
    CHECK(box.abandoned() == round + 1);
  }
  CHECK_FALSE(box.try_receive());
  CHECK(box.abandoned() == rounds);
}

TEST_CASE("mailbox: a dead sender's claim is skipped by try_receive too, once it has held the head a while",
          "[mailbox][process]") {
  const auto name = unique_name("mb-try-dead");
  auto box = Mailbox::create(name, 8192);
  Progress progress;
  ChildProcess child("mailbox_prepare_and_die", {name, "1", "3", "9", "100", "50", "die", progress.name()});
  REQUIRE(child.wait() == namedshm_test::killed_exit_code);
  auto parent = MailboxSender::open(name);
  REQUIRE(parent.send(&marker, sizeof marker));
  Streams streams(2, 9, small_messages);
  std::uint64_t polls = 0;
  bool marked = false;
  CHECK(wait_until([&] {
    ++polls;
    const auto message = box.try_receive();
    if (!message) return false;
    if (message->size() == sizeof marker && Script::tag_in(message->data()) == marker) return marked = true;
    return !streams.take(*message);  // a wrong message ends the wait, and fails below
  }));
  INFO(streams.error());
  CHECK(marked);
  CHECK(streams.received(1) == 3);
  CHECK(box.abandoned() == 1);
  CHECK(polls > 1);
}

TEST_CASE("mailbox: senders killed at random points while they stream: a prefix of each arrives, nothing else is lost",
          "[mailbox][process]") {
  // A killer thread kills the streaming child once the receiver has taken a random number of
  // its messages, while the receiver goes on receiving: the kill lands wherever the child
  // stands (between messages, claiming, writing, waiting for room). What arrived of it must be
  // its first messages, in order and whole; a steady sender that streams all along loses
  // nothing; at most one claim per kill is abandoned.
  const auto name = unique_name("mb-random-kill");
  auto box = Mailbox::create(name, 8192, box_options(3));  // the steady child, the marker, a victim
  constexpr std::uint64_t rounds = 12;
  const std::uint64_t steady_count = scaled(4000);
  Streams streams(rounds + 1, 37, box.max_message_size());
  ChildProcess steady("mailbox_send_script", {name, "block", "0", std::to_string(steady_count), "37"});
  auto marking = MailboxSender::open(name);  // used by one killer thread at a time
  Random random(37);
  for (std::uint64_t round = 0; round < rounds; ++round) {
    const std::uint64_t id = round + 1;
    const std::uint64_t kill_after = random.next() % 400;
    CAPTURE(round, kill_after);
    const std::uint64_t abandoned_before = box.abandoned();
    ChildProcess child("mailbox_send_script", {name, policy_name(namedshm_test::all_policies[round % 3]),
                                               std::to_string(id), "100000000", "37"});
    std::atomic<std::uint64_t> taken{0};
    int killed_code = 0;
    bool marked = false;
    std::thread killer([&] {
      wait_until([&] { return taken.load() >= kill_after; });
      child.kill();
      killed_code = child.wait();
      marked = marking.send(&marker, sizeof marker);  // after the child's every claim
    });
    const bool until_marker = receive_until_marker(box, streams, [&] { taken = streams.received(id); });
    killer.join();
    INFO(streams.error());
    REQUIRE(until_marker);
    CHECK(marked);
    CHECK(killed_code == namedshm_test::killed_exit_code);
    CHECK(streams.received(id) >= kill_after);
    CHECK(box.abandoned() - abandoned_before <= 1);
  }
  const bool all = receive_all(box, streams, streams.total() - streams.received(0) + steady_count);
  INFO(streams.error());
  CHECK(all);
  CHECK(steady.wait() == 0);
  CHECK(streams.received(0) == steady_count);
  CHECK_FALSE(box.try_receive());
}

TEST_CASE("mailbox: senders killed while they wait for room: the receiver goes on, their slots are free",
          "[mailbox][process]") {
  const auto name = unique_name("mb-kill-waiting");
  auto box = Mailbox::create(name, 4096, box_options(3));
  auto parent = MailboxSender::open(name);  // slot 1
  const std::vector<std::byte> message(64, std::byte{7});
  std::size_t filled = 0;
  while (parent.try_send(message.data(), message.size())) ++filled;
  CHECK(filled == 4096 / 64);
  const Watch watch(name);
  // Two children in slots 2 and 3, both asleep for room, in block and spin_then_block.
  ChildProcess first("mailbox_send_script", {name, "block", "1", "10", "41"});
  REQUIRE(wait_until([&] { return watch.sleeps(2); }));
  ChildProcess second("mailbox_send_script", {name, "spin_then_block", "2", "10", "41"});
  REQUIRE(wait_until([&] { return watch.sleeps(3); }));
  first.kill();
  second.kill();
  CHECK(first.wait() == namedshm_test::killed_exit_code);
  CHECK(second.wait() == namedshm_test::killed_exit_code);
  for (std::size_t i = 0; i < filled; ++i) {
    const auto received = box.receive_for(hang_guard);
    REQUIRE(received);
    CHECK(received->size() == 64);
  }
  CHECK_FALSE(box.try_receive());  // they claimed nothing
  CHECK(box.abandoned() == 0);
  // Their slots are free: two new senders fit beside the parent, and all three send.
  auto third = MailboxSender::open(name);
  auto fourth = MailboxSender::open(name);
  for (MailboxSender* sender : {&parent, &third, &fourth}) REQUIRE(sender->send("x", 1));
  for (int i = 0; i < 3; ++i) REQUIRE(box.receive_for(hang_guard));
}

TEST_CASE("mailbox: the receiver killed: a waiting sender returns false with peer_died, check_receiver() tells",
          "[mailbox][process]") {
  for (const WaitPolicy policy : {WaitPolicy::block, WaitPolicy::spin_then_block, WaitPolicy::spin}) {
    CAPTURE(policy_name(policy));
    const auto name = unique_name("mb-kill-receiver");
    Progress progress;
    ChildProcess child("mailbox_receiver_hangs", {name, progress.name(), "4096"});
    REQUIRE(progress.reached(1));
    auto waiting = MailboxSender::open(name, sender_options(policy));
    auto idle = MailboxSender::open(name);
    const std::vector<std::byte> message(64, std::byte{1});
    while (waiting.try_send(message.data(), message.size())) {
    }
    {
      const Watch watch(name);
      std::thread killer([&] {
        if (policy != WaitPolicy::spin) wait_until([&] { return watch.sleeps(1); });
        child.kill();
      });
      CHECK_FALSE(waiting.send(message.data(), message.size()));
      killer.join();
    }
    CHECK(waiting.state() == ChannelState::peer_died);
    CHECK_FALSE(waiting.send(message.data(), message.size()));  // and it stays ended
    CHECK(child.wait() == namedshm_test::killed_exit_code);
    CHECK(idle.state() == ChannelState::open);  // it has not asked
    CHECK(idle.check_receiver() == ChannelState::peer_died);
    CHECK_FALSE(idle.send("x", 1));
    waiting.close();
    idle.close();
    CHECK_FALSE(namedshm_test::name_exists(name));  // the last user took the name
  }
}

TEST_CASE("mailbox: a closed receiver ends every sender: send returns false with closed", "[mailbox][thread]") {
  const auto name = unique_name("mb-close-receiver");
  auto box = Mailbox::create(name, 4096, box_options(2));
  auto waiting = MailboxSender::open(name, sender_options(WaitPolicy::block));
  auto idle = MailboxSender::open(name);
  const std::vector<std::byte> message(64, std::byte{1});
  while (waiting.try_send(message.data(), message.size())) {
  }
  const Watch watch(name);
  std::thread closer([&] {
    wait_until([&] { return watch.sleeps(1); });
    box.close();
  });
  CHECK_FALSE(waiting.send(message.data(), message.size()));
  closer.join();
  CHECK(waiting.state() == ChannelState::closed);
  CHECK(idle.state() == ChannelState::closed);  // the receiver's slot says so: no system call
  CHECK_FALSE(idle.send("x", 1));
  CHECK(idle.prepare(1).data() == nullptr);
  CHECK(box.state() == ChannelState::closed);
  // One receiver per name: while senders hold it, the name cannot be made again.
  std::error_code ec;
  CHECK_FALSE(Mailbox::create(name, 4096, ec).valid());
  CHECK(ec == std::errc::file_exists);
}

TEST_CASE("mailbox: at most max_senders at once, and a closed or dead sender's slot is free again",
          "[mailbox][process]") {
  const auto name = unique_name("mb-limit");
  auto box = Mailbox::create(name, 4096, box_options(2));
  CHECK(box.max_senders() == 2);
  auto first = MailboxSender::open(name);
  std::error_code ec;
  {
    Progress progress;
    ChildProcess child("mailbox_prepare_and_die", {name, "1", "1", "3", "8", "8", "hang", progress.name()});
    REQUIRE(progress.reached(1));
    CHECK(box.senders() == 2);
    auto third = MailboxSender::open(name, ec);
    CHECK(ec == std::errc::device_or_resource_busy);
    CHECK_FALSE(third.valid());
    CHECK_THROWS_WITH(MailboxSender::open(name), NAMEDSHM_CONTAINS("open mailbox sender \"" + name + "\"") &&
                                                     NAMEDSHM_CONTAINS("every sender slot is held by a live sender"));
    child.kill();
    CHECK(child.wait() == namedshm_test::killed_exit_code);
  }
  auto replacement = MailboxSender::open(name, ec);  // the dead one's slot, with no help
  REQUIRE_FALSE(ec);
  CHECK_FALSE(MailboxSender::open(name, ec).valid());
  CHECK(ec == std::errc::device_or_resource_busy);
  first.close();
  auto another = MailboxSender::open(name, ec);  // the closed one's slot
  REQUIRE_FALSE(ec);
  REQUIRE(replacement.send("b", 1));
  REQUIRE(another.send("c", 1));
  // The dead child's message and its claim come first: the claim is skipped.
  Streams streams(2, 3, small_messages);
  for (const char expected : {'b', 'c'}) {
    for (;;) {
      const auto message = box.receive_for(hang_guard);
      REQUIRE(message);
      if (message->size() == 1) {
        CHECK(static_cast<char>((*message)[0]) == expected);
        break;
      }
      REQUIRE(streams.take(*message));
    }
  }
  CHECK(streams.received(1) == 1);
  CHECK(box.abandoned() == 1);
}

TEST_CASE("mailbox: bad input fails with a clear error, never undefined behaviour", "[mailbox][bad_input]") {
  const auto name = unique_name("mb-bad");
  auto box = Mailbox::create(name, 4096);
  auto sender = MailboxSender::open(name);
  std::error_code ec;

  SECTION("a message larger than max_message_size()") {
    namedshm_test::check_oversized_message(sender, "mailbox", name);
    CHECK(box.receive());
  }
  SECTION("commit without prepare, and of more than prepared; null data") {
    namedshm_test::check_commit_misuse(sender);
    CHECK_FALSE(sender.send(nullptr, 1, ec));
    CHECK(ec == std::errc::invalid_argument);
    CHECK(sender.send(nullptr, 0));
    const auto message = box.receive();
    REQUIRE(message);
    CHECK(message->size() == 10);
    const auto empty = box.receive();
    REQUIRE(empty);
    CHECK(empty->empty());
  }
  SECTION("capacities: 0 and above 2 GiB are refused, others round up to a power of two") {
    CHECK_FALSE(Mailbox::create(unique_name("mb-cap0"), 0, ec).valid());
    CHECK(ec == std::errc::invalid_argument);
    CHECK_THROWS_WITH(Mailbox::create(unique_name("mb-cap0"), 0), NAMEDSHM_CONTAINS("the capacity is 0"));
    CHECK_FALSE(Mailbox::create(unique_name("mb-huge"), std::numeric_limits<std::size_t>::max(), ec).valid());
    CHECK(ec == std::errc::invalid_argument);
    auto odd = Mailbox::create(unique_name("mb-cap5000"), 5000);
    CHECK(odd.capacity() == 8192);
    CHECK(odd.max_message_size() == 4096);
  }
  SECTION("options outside their ranges") {
    CHECK_FALSE(Mailbox::create(unique_name("mb-opt"), 4096, box_options(0), ec).valid());
    CHECK(ec == std::errc::invalid_argument);
    CHECK_THROWS_WITH(Mailbox::create(unique_name("mb-opt"), 4096, box_options(0)),
                      NAMEDSHM_CONTAINS("max_senders must be from 1 to 1024"));
    CHECK_FALSE(Mailbox::create(unique_name("mb-opt"), 4096, box_options(1025), ec).valid());
    CHECK(ec == std::errc::invalid_argument);
    CHECK_THROWS_WITH(Mailbox::create(unique_name("mb-opt"), 4096, box_options(4, static_cast<WaitPolicy>(9))),
                      NAMEDSHM_CONTAINS("the wait policy is not one of WaitPolicy's values"));
    CHECK_FALSE(MailboxSender::open(name, sender_options(static_cast<WaitPolicy>(9)), ec).valid());
    CHECK(ec == std::errc::invalid_argument);
    CHECK(box.senders() == 1);  // none of it took a slot
  }
  SECTION("names: taken, missing, too long, invalid") {
    namedshm_test::check_stream_names<Mailbox, MailboxSender>(name, "mailbox", "mb", "open mailbox sender");
  }
  SECTION("a region that is not a mailbox") { namedshm_test::check_foreign_regions<MailboxSender>("mailbox", "mb"); }
  SECTION("a damaged claim word is an error, not a wild read") {
    REQUIRE(sender.send("a", 1));
    auto view = SharedRegion::open(name);
    const auto& header = view.object<layout::Header>(0);
    auto& word = view.object<std::atomic<std::uint64_t>>(static_cast<std::size_t>(header.claims_offset));
    word = layout::message_word(4096, 64);  // a record of the whole ring, and more
    CHECK_FALSE(box.receive(ec));
    CHECK(ec == std::errc::bad_message);
    CHECK_THROWS_WITH(box.receive(), NAMEDSHM_CONTAINS("receive on mailbox") && NAMEDSHM_CONTAINS("damaged"));
  }
  SECTION("empty endpoints") {
    MailboxSender moved_to(std::move(sender));
    CHECK_FALSE(sender.valid());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    CHECK(sender.state() == ChannelState::closed);
    CHECK(sender.check_receiver() == ChannelState::closed);
    CHECK(sender.max_message_size() == 0);
    CHECK(sender.capacity() == 0);
    CHECK_FALSE(sender.send("x", 1, ec));
    CHECK(ec == std::errc::invalid_argument);
    CHECK_THROWS_WITH(sender.send("x", 1), NAMEDSHM_CONTAINS("the sender is empty"));
    CHECK(moved_to.send("x", 1));
    Mailbox empty;
    CHECK_FALSE(empty.receive(ec));
    CHECK(ec == std::errc::invalid_argument);
    CHECK(empty.state() == ChannelState::closed);
    CHECK(empty.senders() == 0);
    CHECK(empty.max_senders() == 0);
    empty.release();  // harmless
    empty.close();    // and so is closing it
    Mailbox moved_box(std::move(box));
    CHECK_FALSE(box.valid());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
    const auto message = moved_box.receive();
    REQUIRE(message);
    CHECK(message->size() == 1);
  }
}

TEST_CASE("mailbox: nothing is left behind: no name, handle or view", "[mailbox][leaks]") {
  const auto name = unique_name("mb-leaks");
  // Both ends, sending and receiving, closed or destroyed, a reservation dropped; a failed
  // create and a refused sender too.
  const auto cycle = [&](bool close) {
    auto box = Mailbox::create(name, 8192, box_options(1));
    auto sender = MailboxSender::open(name);
    MailboxSender moved(std::move(sender));
    REQUIRE(moved.send("x", 1));
    REQUIRE(box.receive());
    static_cast<void>(moved.prepare(100));
    std::error_code ec;
    CHECK_FALSE(Mailbox::create(name, 8192, ec).valid());
    CHECK_FALSE(MailboxSender::open(name, ec).valid());
    if (close) {
      moved.close();
      box.close();
      CHECK_FALSE(namedshm_test::name_exists(name));
    }
  };
  cycle(true);  // what Windows opens on first use and keeps, before counting
  const std::size_t handles = namedshm_test::open_handle_count();
  const std::size_t views = namedshm_test::mapped_view_count();
  for (int i = 0; i < 10; ++i) {
    cycle(i % 2 == 0);
    CHECK_FALSE(namedshm_test::name_exists(name));
  }
  CHECK_FALSE(Mailbox::remove_if_stale(name));
  CHECK_FALSE(MailboxSender::remove_if_stale(name));
  CHECK(namedshm_test::open_handle_count() == handles);
  CHECK(namedshm_test::mapped_view_count() == views);
}

TEST_CASE("mailbox: a header that a peer rewrites after open moves no access of the endpoints",
          "[mailbox][bad_input]") {
  const auto name = unique_name("mb-rewritten");
  auto box = Mailbox::create(name, 4096);
  auto sender = MailboxSender::open(name);
  auto raw = SharedRegion::open(name);
  auto& header = raw.object<layout::Header>(0);
  header.capacity = std::uint64_t{1} << 40;  // far beyond the region
  header.ring_offset = std::uint64_t{1} << 40;
  header.claims_offset = std::uint64_t{1} << 40;
  namedshm_test::check_ring_kept(sender, box);
}
