// Event: a named wake-up across processes (auto- and manual-reset), its errors and its
// robustness when a waiter or a notifier dies.
#include <namedshm/event.hpp>
#include <namedshm/namedshm.hpp>

#include <atomic>        // counters shared with children
#include <chrono>        // time-outs
#include <cstdint>       // std::uint32_t
#include <cstdlib>       // std::_Exit
#include <string>        // std::string, std::to_string
#include <system_error>  // std::error_code, std::system_error
#include <thread>        // the threads test
#include <vector>        // children and threads

#include "support/catch.hpp"
#include "support/os_errors.hpp"
#include "support/process.hpp"

using namedshm::Event;
using namedshm::EventMode;
using namedshm::EventOptions;
using namedshm::SharedRegion;
using namedshm_test::ChildProcess;
using namedshm_test::unique_name;

namespace {

EventOptions manual(bool initially_set = false) {
  EventOptions options;
  options.mode = EventMode::manual_reset;
  options.initially_set = initially_set;
  return options;
}

constexpr auto no_time = std::chrono::milliseconds(0);

}  // namespace

// args: event name. Waits for it once.
NAMEDSHM_CHILD_SCENARIO(event_wait_once) {
  auto event = Event::open(args.at(0));
  event.wait();
  return 0;
}

// args: ping name, pong name, rounds. Answers every ping with a pong.
NAMEDSHM_CHILD_SCENARIO(event_pong) {
  auto ping = Event::open(args.at(0));
  auto pong = Event::open(args.at(1));
  const unsigned long rounds = std::stoul(args.at(2));
  for (unsigned long i = 0; i < rounds; ++i) {
    ping.wait();
    pong.notify();
  }
  return 0;
}

// args: go name, ack name, counter region name. Waits for one go, counts itself, acknowledges.
NAMEDSHM_CHILD_SCENARIO(event_count_once) {
  auto go = Event::open(args.at(0));
  auto ack = Event::open(args.at(1));
  auto region = SharedRegion::open(args.at(2));
  go.wait();
  region.object<std::atomic<std::uint32_t>>().fetch_add(1);
  ack.notify();
  return 0;
}

// args: ready name, event name. Says it is about to wait, then waits for ever (until killed).
NAMEDSHM_CHILD_SCENARIO(event_wait_forever) {
  auto ready = Event::open(args.at(0));
  auto event = Event::open(args.at(1));
  ready.notify();
  event.wait();
  return 3;  // the test never notifies `event`: reaching here is a bug
}

// args: event name. Notifies, then dies without closing anything.
NAMEDSHM_CHILD_SCENARIO(event_notify_and_die) {
  auto event = Event::open(args.at(0));
  event.notify();
  std::_Exit(0);
}

TEST_CASE("an auto-reset event releases one wait per notify", "[event]") {
  auto event = Event::create(unique_name("event-auto"));
  CHECK(event.valid());
  CHECK(event.created());
  CHECK(event.mode() == EventMode::auto_reset);
  CHECK_FALSE(event.try_wait());
  event.notify();
  event.notify();  // already set: still one signal, as on Windows
  CHECK(event.try_wait());
  CHECK_FALSE(event.try_wait());
  CHECK_FALSE(event.wait_for(std::chrono::milliseconds(20)));
  event.notify();
  event.wait();  // returns at once: the signal is there
  CHECK_FALSE(event.try_wait());
}

TEST_CASE("a manual-reset event stays set until reset", "[event]") {
  auto event = Event::create(unique_name("event-manual"), manual());
  CHECK(event.mode() == EventMode::manual_reset);
  CHECK_FALSE(event.try_wait());
  event.notify();
  CHECK(event.try_wait());
  CHECK(event.try_wait());
  CHECK(event.wait_for(std::chrono::hours(1)));
  event.reset();
  CHECK_FALSE(event.wait_for(std::chrono::microseconds(1500)));
}

TEST_CASE("initially_set starts an event set", "[event]") {
  auto automatic = Event::create(unique_name("event-init-auto"), [] {
    EventOptions options;
    options.initially_set = true;
    return options;
  }());
  CHECK(automatic.try_wait());
  CHECK_FALSE(automatic.try_wait());
  auto manual_event = Event::create(unique_name("event-init-manual"), manual(true));
  CHECK(manual_event.try_wait());
  CHECK(manual_event.try_wait());
}

TEST_CASE("an opened event has its creator's mode and state", "[event]") {
  const auto name = unique_name("event-open");
  auto creator = Event::create(name, manual());
  auto opener = Event::open(name);
  CHECK_FALSE(opener.created());
  CHECK(opener.name() == name);
  CHECK(opener.mode() == EventMode::manual_reset);
  creator.notify();
  CHECK(opener.try_wait());
  opener.reset();
  CHECK_FALSE(creator.try_wait());

  auto either = Event::open_or_create(name);  // asks for auto-reset, gets the existing one
  CHECK_FALSE(either.created());
  CHECK(either.mode() == EventMode::manual_reset);
  auto fresh = Event::open_or_create(unique_name("event-fresh"), manual());
  CHECK(fresh.created());
  CHECK(fresh.mode() == EventMode::manual_reset);
}

TEST_CASE("event errors name the operation, the name and the reason", "[event][errors]") {
  const auto name = unique_name("event-errors");
  std::error_code ec;

  SECTION("create on a taken name") {
    auto first = Event::create(name);
    auto second = Event::create(name, ec);
    CHECK(ec == std::errc::file_exists);
    CHECK_FALSE(second.valid());
    CHECK_THROWS_WITH(Event::create(name), NAMEDSHM_CONTAINS("create event \"" + name + "\""));
  }
  SECTION("open a missing name") {
    auto missing = Event::open(name, ec);
    CHECK(ec == std::errc::no_such_file_or_directory);
    CHECK_FALSE(missing.valid());
    CHECK_THROWS_WITH(Event::open(name), NAMEDSHM_CONTAINS("open event \"" + name + "\""));
  }
  SECTION("a bad name is rejected before any system call") {
    auto bad = Event::create("Local\\a\\b", ec);
    CHECK(ec == std::errc::invalid_argument);
    CHECK_THROWS_WITH(Event::open(""), NAMEDSHM_CONTAINS("open event \"\""));
  }
  SECTION("security_attributes and security_descriptor together") {
    EventOptions options;
    static int attributes = 0;
    options.security.security_attributes = &attributes;
    options.security.security_descriptor = "D:P(A;;GA;;;WD)";
    auto both = Event::create(name, options, ec);
    CHECK(ec == std::errc::invalid_argument);
  }
  SECTION("an empty Event reports, never crashes") {
    Event empty;
    CHECK_FALSE(empty.valid());
    empty.notify(ec);
    CHECK(ec == std::errc::invalid_argument);
    CHECK_FALSE(empty.wait_for(std::chrono::seconds(1), ec));
    CHECK(ec == std::errc::invalid_argument);
    CHECK_THROWS_WITH(empty.wait(), NAMEDSHM_CONTAINS("the Event is empty"));
    auto moved_from = Event::create(name);
    const Event taker = std::move(moved_from);
    CHECK(taker.valid());
    CHECK_THROWS_AS(moved_from.notify(), std::system_error);  // NOLINT(bugprone-use-after-move): the point
  }
}

TEST_CASE("a region's name is not an event's", "[event][errors]") {
  const auto name = unique_name("event-region");
  auto region = SharedRegion::create(name, 4096);
  std::error_code ec;
  auto opened = Event::open(name, ec);
  CHECK(ec == namedshm_test::opening_other_kind());
  CHECK_FALSE(opened.valid());
  // Both messages say what is wrong.
  CHECK_THROWS_WITH(Event::open(name),
                    NAMEDSHM_CONTAINS("another kind of object") || NAMEDSHM_CONTAINS("that is not an event"));
  auto created = Event::create(name, ec);
  CHECK(ec == namedshm_test::creating_other_kind());
  CHECK_FALSE(created.valid());
}

TEST_CASE("wait_for accepts any duration type, zero and huge ones", "[event]") {
  auto event = Event::create(unique_name("event-durations"));
  CHECK_FALSE(event.wait_for(no_time));
  CHECK_FALSE(event.wait_for(std::chrono::nanoseconds(-5)));
  CHECK_FALSE(event.wait_for(std::chrono::duration<double, std::milli>(0.5)));
  event.notify();
  CHECK(event.wait_for(std::chrono::hours::max()));  // set: returns at once, no overflow
}

TEST_CASE("a child process wakes on the parent's notify", "[event][process]") {
  const auto name = unique_name("event-child");
  auto event = Event::create(name);
  ChildProcess child("event_wait_once", {name});
  event.notify();  // whether or not the child waits yet: the signal stays until taken
  CHECK(child.wait() == 0);
  CHECK_FALSE(event.try_wait());  // the child took it
}

TEST_CASE("two processes ping-pong through two events without a lost wake-up", "[event][process]") {
  const auto ping_name = unique_name("event-ping");
  const auto pong_name = unique_name("event-pong");
  auto ping = Event::create(ping_name);
  auto pong = Event::create(pong_name);
  const unsigned rounds = namedshm_test::running_under_wine() ? 2000 : 20000;
  ChildProcess child("event_pong", {ping_name, pong_name, std::to_string(rounds)});
  for (unsigned i = 0; i < rounds; ++i) {
    ping.notify();
    pong.wait();
  }
  CHECK(child.wait() == 0);
  CHECK_FALSE(pong.try_wait());
}

TEST_CASE("a manual-reset notify wakes every waiting process", "[event][process]") {
  const auto name = unique_name("event-all");
  auto event = Event::create(name, manual());
  std::vector<ChildProcess> children;
  for (int i = 0; i < 3; ++i) children.emplace_back("event_wait_once", namedshm_test::Arguments{name});
  event.notify();
  for (auto& child : children) CHECK(child.wait() == 0);
}

TEST_CASE("an auto-reset notify releases one waiting process at a time", "[event][process]") {
  const auto go_name = unique_name("event-go");
  const auto ack_name = unique_name("event-ack");
  const auto counter_name = unique_name("event-counter");
  auto go = Event::create(go_name);
  auto ack = Event::create(ack_name);
  auto region = SharedRegion::create(counter_name, sizeof(std::uint32_t));
  auto& counted = region.object<std::atomic<std::uint32_t>>();
  std::vector<ChildProcess> children;
  constexpr std::uint32_t waiters = 3;
  for (std::uint32_t i = 0; i < waiters; ++i) {
    children.emplace_back("event_count_once", namedshm_test::Arguments{go_name, ack_name, counter_name});
  }
  for (std::uint32_t released = 1; released <= waiters; ++released) {
    go.notify();
    ack.wait();
    CHECK(counted.load() == released);
  }
  for (auto& child : children) CHECK(child.wait() == 0);
}

TEST_CASE("an event survives a waiter killed while it waits", "[event][process][reliability]") {
  const auto ready_name = unique_name("event-ready");
  const auto name = unique_name("event-victim");
  auto ready = Event::create(ready_name);
  auto event = Event::create(name);
  ChildProcess child("event_wait_forever", {ready_name, name});
  ready.wait();
  child.kill();
  CHECK(child.wait() != 0);
  // The dead waiter took nothing and holds nothing: the event still works for the living.
  event.notify();
  CHECK(event.try_wait());
  ChildProcess next("event_wait_once", {name});
  event.notify();
  CHECK(next.wait() == 0);
}

TEST_CASE("a notify from a process that then dies is kept", "[event][process][reliability]") {
  const auto name = unique_name("event-notifier");
  auto event = Event::create(name, manual());
  CHECK(namedshm_test::run_child("event_notify_and_die", {name}) == 0);
  CHECK(event.wait_for(std::chrono::hours(1)));
}

TEST_CASE("threads of one process share an Event", "[event][threads]") {
  // Also the TSan build's view of the waiter count and the state word.
  auto event = Event::create(unique_name("event-threads"));
  std::atomic<int> woken{0};
  std::vector<std::thread> waiters;
  constexpr int threads = 4;
  constexpr int rounds = 200;
  for (int t = 0; t < threads; ++t) {
    waiters.emplace_back([&] {
      for (int i = 0; i < rounds; ++i) {
        event.wait();
        woken.fetch_add(1);
      }
    });
  }
  // Each notify releases at most one wait; keep notifying until every wait has been released.
  while (woken.load() < threads * rounds) {
    event.notify();
    std::this_thread::yield();
  }
  for (auto& waiter : waiters) waiter.join();
  CHECK(woken.load() == threads * rounds);
}

// args: event name. Creates the event and dies without closing it.
NAMEDSHM_CHILD_SCENARIO(event_create_and_die) {
  auto event = Event::create(args.at(0));
  std::_Exit(event.valid() ? 0 : 2);
}

TEST_CASE("an event whose creator crashed can be made again", "[event][process][reliability]") {
  const auto name = unique_name("event-stale");
  CHECK(namedshm_test::run_child("event_create_and_die", {name}) == 0);
  // Windows: the event died with its creator's last handle. POSIX: the name is left, as a
  // region's is, and the region's stale clean-up removes it: nobody holds it any more.
  CHECK(SharedRegion::remove_if_stale(name) == !NAMEDSHM_WINDOWS);
  auto again = Event::create(name);
  CHECK(again.created());
  again.notify();
  CHECK(again.try_wait());
}
