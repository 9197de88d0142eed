// One name, one object (DESIGN.md "Lifetime"), the same on both backends: a name lives while any
// namedshm handle to it is open in any process, creator or opener, and goes with the last one;
// a name all of whose users died counts as gone. One file for both backends, and the same
// expectations on both: Windows by the kernel's rule, POSIX by namedshm's protocol
// (detail/posix.hpp). Only keep_name, which Windows ignores, and fork(), which Windows lacks,
// are tested for POSIX alone.
#include <namedshm/channel.hpp>
#include <namedshm/event.hpp>
#include <namedshm/mutex.hpp>
#include <namedshm/namedshm.hpp>

#include <atomic>        // std::atomic cells that the processes signal through
#include <chrono>        // holding times in the storm
#include <cstdint>       // std::uint32_t, std::uint64_t
#include <cstring>       // std::memcmp
#include <memory>        // std::unique_ptr, regions destroyed in a chosen order
#include <random>        // std::minstd_rand, the storm's holding times
#include <string>        // std::string, names
#include <system_error>  // std::error_code, std::errc
#include <thread>        // std::this_thread, std::thread
#include <type_traits>   // std::true_type, for enable_sharing
#include <vector>        // the storm's processes

#include "support/catch.hpp"
#include "support/process.hpp"
#include "support/raw_objects.hpp"
#include "support/wait.hpp"

#if !defined(_WIN32)
#  include <sys/wait.h>  // waitpid, for the fork() test
#  include <unistd.h>    // fork, _exit
#endif

using namedshm::ChannelReceiver;
using namedshm::ChannelSender;
using namedshm::Event;
using namedshm::Locked;
using namedshm::Mutex;
using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm_test::any_name_exists;
using namedshm_test::ChildProcess;
using namedshm_test::killed_exit_code;
using namedshm_test::raw_name_exists;
using namedshm_test::run_child;
using namedshm_test::unique_name;
using namedshm_test::wait_until;

namespace {

/// What the processes of a test share beside the object under test, in a region of its own.
struct Control {
  std::atomic<std::uint32_t> stage;      ///< how far the test has come; each step says what it waits for
  std::atomic<std::uint64_t> witness;    ///< the storm's witness of open handles (see register_handle)
  std::atomic<std::uint64_t> splits;     ///< the storm: handles found on another object than an open one
  std::atomic<std::uint64_t> cycles;     ///< the storm: cycles done by every worker
  std::atomic<std::uint64_t> creations;  ///< the storm: cycles whose open_or_create created the object
};

constexpr std::size_t region_size = 4096;

/// The control region of a test, which the parent creates and every child opens by name.
SharedRegion make_control() { return SharedRegion::create(unique_name("control"), sizeof(Control)); }

Control& control_of(const SharedRegion& region) { return region.object<Control>(); }

}  // namespace

namespace namedshm {
template <>
struct enable_sharing<Control> : std::true_type {};
}  // namespace namedshm

// --- The Windows idiom: every process calls open_or_create ------------------------------------
//
// Process A makes the object and writes to it; process B (the test) opens it; A exits; process C
// opens it: C must meet A's object, which B still holds, and not make a second one.

// args: kind, object name, control name. Process A: opens or creates (and must create), marks
// the object, says so (stage 1), and exits normally once B has it open (stage 2).
NAMEDSHM_CHILD_SCENARIO(idiom_first) {
  const std::string& kind = args.at(0);
  const std::string& name = args.at(1);
  auto control_region = SharedRegion::open(args.at(2));
  Control& control = control_of(control_region);
  bool created = false;
  SharedRegion region;
  Event event;
  Mutex mutex;
  if (kind == "region") {
    region = SharedRegion::open_or_create(name, region_size);
    region.object<std::uint64_t>() = 1;
    created = region.created();
  } else if (kind == "event") {
    event = Event::open_or_create(name);
    created = event.created();
  } else {
    mutex = Mutex::open_or_create(name);
    created = mutex.created();
  }
  if (!created) return 3;
  control.stage.store(1);
  return wait_until([&] { return control.stage.load() == 2; }) ? 0 : 4;
}

// args: kind, object name. Process C: opens or creates; 0 if it met the object that B holds
// (not created; a region reads A's mark and writes its own; an event is set for B's wait; a
// mutex that B holds is not free).
NAMEDSHM_CHILD_SCENARIO(idiom_next) {
  const std::string& kind = args.at(0);
  const std::string& name = args.at(1);
  if (kind == "region") {
    auto region = SharedRegion::open_or_create(name, region_size);
    if (region.created() || region.object<std::uint64_t>() != 1) return 3;
    region.object<std::uint64_t>() = 2;
    return 0;
  }
  if (kind == "event") {
    auto event = Event::open_or_create(name);
    if (event.created()) return 3;
    event.notify();
    return 0;
  }
  auto mutex = Mutex::open_or_create(name);
  if (mutex.created()) return 3;
  std::error_code ec;
  return mutex.try_lock(ec) == Locked::no && !ec ? 0 : 5;
}

TEST_CASE("lifetime: every process calls open_or_create, and all meet one region", "[lifetime][process]") {
  const auto name = unique_name("idiom-region");
  const auto control_region = make_control();
  Control& control = control_of(control_region);
  ChildProcess first("idiom_first", {"region", name, control_region.name()});
  REQUIRE(wait_until([&] { return control.stage.load() == 1; }));
  auto region = SharedRegion::open_or_create(name, region_size);  // process B
  CHECK_FALSE(region.created());
  CHECK(region.object<std::uint64_t>() == 1);
  control.stage.store(2);
  CHECK(first.wait() == 0);  // A is gone; B holds the object
  CHECK(run_child("idiom_next", {"region", name}) == 0);
  CHECK(region.object<std::uint64_t>() == 2);  // C wrote into B's object
  region.close();
  CHECK_FALSE(any_name_exists(name));
}

TEST_CASE("lifetime: every process calls open_or_create, and all meet one event", "[lifetime][process]") {
  const auto name = unique_name("idiom-event");
  const auto control_region = make_control();
  Control& control = control_of(control_region);
  ChildProcess first("idiom_first", {"event", name, control_region.name()});
  REQUIRE(wait_until([&] { return control.stage.load() == 1; }));
  auto event = Event::open_or_create(name);
  CHECK_FALSE(event.created());
  control.stage.store(2);
  CHECK(first.wait() == 0);
  CHECK(run_child("idiom_next", {"event", name}) == 0);
  CHECK(event.try_wait());  // C's notify reached this event (auto-reset: it stayed set for us)
  event.close();
  CHECK_FALSE(any_name_exists(name));
}

TEST_CASE("lifetime: every process calls open_or_create, and all meet one mutex", "[lifetime][process]") {
  const auto name = unique_name("idiom-mutex");
  const auto control_region = make_control();
  Control& control = control_of(control_region);
  ChildProcess first("idiom_first", {"mutex", name, control_region.name()});
  REQUIRE(wait_until([&] { return control.stage.load() == 1; }));
  auto mutex = Mutex::open_or_create(name);
  CHECK_FALSE(mutex.created());
  control.stage.store(2);
  CHECK(first.wait() == 0);
  mutex.lock();
  CHECK(run_child("idiom_next", {"mutex", name}) == 0);  // C's try_lock fails: mutual exclusion kept
  mutex.unlock();
  mutex.close();
  CHECK_FALSE(any_name_exists(name));
}

// args: channel name, control name, text. Creates the channel as its sender, waits until the
// receiver is attached (stage 1), sends `text` and closes.
NAMEDSHM_CHILD_SCENARIO(channel_first_sender) {
  auto control_region = SharedRegion::open(args.at(1));
  Control& control = control_of(control_region);
  auto sender = ChannelSender::create(args.at(0), 4096);
  if (!wait_until([&] { return control.stage.load() == 1; })) return 4;
  return sender.send(args.at(2).data(), args.at(2).size()) ? 0 : 3;
}

// args: channel name, text. Attaches as a replacement sender, sends `text` and closes.
NAMEDSHM_CHILD_SCENARIO(channel_replacement_sender) {
  auto sender = ChannelSender::open(args.at(0));
  return sender.send(args.at(1).data(), args.at(1).size()) ? 0 : 3;
}

bool is_message(const std::optional<ChannelReceiver::Message>& message, const std::string& text) {
  return message && message->size() == text.size() && std::memcmp(message->data(), text.data(), text.size()) == 0;
}

TEST_CASE("lifetime: a channel's names outlive its creating end while the other end is attached",
          "[lifetime][channel][process]") {
  const auto name = unique_name("idiom-channel");
  const auto control_region = make_control();
  Control& control = control_of(control_region);
  ChildProcess creator("channel_first_sender", {name, control_region.name(), "first"});
  ChannelReceiver receiver;
  std::error_code ec;
  REQUIRE(wait_until([&] {
    receiver = ChannelReceiver::open(name, ec);
    return receiver.valid();
  }));
  control.stage.store(1);
  CHECK(creator.wait() == 0);  // the creating end has sent, closed and gone
  // A replacement for the closed side attaches by name, and continues after its last message.
  CHECK(run_child("channel_replacement_sender", {name, "second"}) == 0);
  CHECK(is_message(receiver.receive(), "first"));
  CHECK(is_message(receiver.receive(), "second"));
  CHECK_FALSE(receiver.receive());
  CHECK(receiver.state() == namedshm::ChannelState::closed);
  receiver.close();
  CHECK_FALSE(any_name_exists(name));
}

// --- Last one out ----------------------------------------------------------------------------

// args: name, control name, "create" or "open". Makes or opens the region, says so (stage 1),
// and waits for the parent to say stage 2, or to kill it.
NAMEDSHM_CHILD_SCENARIO(hold_region) {
  auto control_region = SharedRegion::open(args.at(1));
  Control& control = control_of(control_region);
  auto region = args.at(2) == "create" ? SharedRegion::create(args.at(0), region_size) : SharedRegion::open(args.at(0));
  region.object<std::uint64_t>() = 0xDEAD;
  control.stage.store(1);
  return wait_until([&] { return control.stage.load() == 2; }) ? 0 : 4;
}

TEST_CASE("lifetime: the last handle to close removes the name, creator or opener", "[lifetime]") {
  const auto name = unique_name("last-out");
  SECTION("creator first") {
    auto creator = SharedRegion::create(name, region_size);
    auto opener = ReadOnlyRegion::open(name);
    creator.close();
    CHECK(raw_name_exists(name));
    CHECK(ReadOnlyRegion::open(name).valid());  // a third handle, opened and closed: not the last
    CHECK(raw_name_exists(name));
    opener.close();
  }
  SECTION("opener first") {
    auto creator = SharedRegion::create(name, region_size);
    auto opener = SharedRegion::open(name);
    opener.close();
    CHECK(raw_name_exists(name));
    creator.close();
  }
  SECTION("destructors, in either order") {
    auto creator = std::make_unique<SharedRegion>(SharedRegion::create(name, region_size));
    auto opener = std::make_unique<SharedRegion>(SharedRegion::open(name));
    creator.reset();
    CHECK(raw_name_exists(name));
    opener.reset();
  }
  CHECK_FALSE(raw_name_exists(name));
}

TEST_CASE("lifetime: a process killed while others hold the name takes nothing with it", "[lifetime][process]") {
  const auto name = unique_name("killed-one");
  const auto control_region = make_control();
  Control& control = control_of(control_region);
  SECTION("the creator killed, the opener closes last") {
    ChildProcess creator("hold_region", {name, control_region.name(), "create"});
    REQUIRE(wait_until([&] { return control.stage.load() == 1; }));
    auto opener = SharedRegion::open(name);
    creator.kill();
    CHECK(creator.wait() == killed_exit_code);
    CHECK(opener.object<std::uint64_t>() == 0xDEAD);
    CHECK(ReadOnlyRegion::open(name).object<std::uint64_t>() == 0xDEAD);  // still the same object
    opener.close();
  }
  SECTION("an opener killed, the creator closes last") {
    auto creator = SharedRegion::create(name, region_size);
    ChildProcess opener("hold_region", {name, control_region.name(), "open"});
    REQUIRE(wait_until([&] { return control.stage.load() == 1; }));
    opener.kill();
    CHECK(opener.wait() == killed_exit_code);
    CHECK(ReadOnlyRegion::open(name).object<std::uint64_t>() == 0xDEAD);
    creator.close();
  }
  CHECK_FALSE(raw_name_exists(name));
}

// --- Every user killed: the object counts as gone --------------------------------------------

// args: kind, name, control name. Creates the object, writes to it (a region: a mark; a mutex:
// locks it), says so (stage 1) and waits to be killed.
NAMEDSHM_CHILD_SCENARIO(create_and_wait_to_die) {
  auto control_region = SharedRegion::open(args.at(2));
  Control& control = control_of(control_region);
  SharedRegion region;
  Event event;
  Mutex mutex;
  if (args.at(0) == "region") {
    region = SharedRegion::create(args.at(1), region_size);
    region.object<std::uint64_t>() = 0xDEAD;
  } else if (args.at(0) == "event") {
    namedshm::EventOptions set;
    set.mode = namedshm::EventMode::manual_reset;
    set.initially_set = true;
    event = Event::create(args.at(1), set);
  } else {
    mutex = Mutex::create(args.at(1));
    mutex.lock();
  }
  control.stage.store(1);
  wait_until([] { return false; });  // until killed
  return 4;
}

/// Starts a child that creates an object of `kind` called `name` and kills it: the only user.
void kill_the_only_user(const std::string& kind, const std::string& name) {
  const auto control_region = make_control();
  Control& control = control_of(control_region);
  ChildProcess user("create_and_wait_to_die", {kind, name, control_region.name()});
  REQUIRE(wait_until([&] { return control.stage.load() == 1; }));
  user.kill();
  REQUIRE(user.wait() == killed_exit_code);
}

TEST_CASE("lifetime: a region whose every user was killed is gone for open, create and open_or_create",
          "[lifetime][process][reliability]") {
  const auto name = unique_name("all-dead");
  kill_the_only_user("region", name);
  std::error_code ec;
  SECTION("open") {
    CHECK_FALSE(ReadOnlyRegion::open(name, ec).valid());
    CHECK(ec == std::errc::no_such_file_or_directory);
    CHECK_FALSE(raw_name_exists(name));  // the open cleared the dead name
    CHECK(SharedRegion::create(name, region_size).created());
  }
  SECTION("open_or_create") {
    auto region = SharedRegion::open_or_create(name, region_size);
    CHECK(region.created());
    CHECK(region.object<std::uint64_t>() == 0);  // zero-filled: nothing of the dead object
  }
  SECTION("create") {
    auto region = SharedRegion::create(name, region_size);
    CHECK(region.created());
    CHECK(region.object<std::uint64_t>() == 0);
  }
  CHECK_FALSE(raw_name_exists(name));
}

TEST_CASE("lifetime: an event and a mutex whose every user was killed are gone too",
          "[lifetime][process][reliability]") {
  std::error_code ec;
  SECTION("event") {
    const auto name = unique_name("dead-event");
    kill_the_only_user("event", name);
    CHECK_FALSE(Event::open(name, ec).valid());
    CHECK(ec == std::errc::no_such_file_or_directory);
    auto event = Event::open_or_create(name);
    CHECK(event.created());
    CHECK_FALSE(event.try_wait());  // a new event: not the dead one, which was set
    event.close();
    CHECK_FALSE(any_name_exists(name));
  }
  SECTION("mutex") {
    const auto name = unique_name("dead-mutex");
    kill_the_only_user("mutex", name);
    auto mutex = Mutex::open_or_create(name);
    CHECK(mutex.created());
    CHECK(mutex.try_lock(ec) == Locked::yes);  // a new mutex: free, and nobody died holding it
    mutex.unlock();
    mutex.close();
    CHECK_FALSE(any_name_exists(name));
  }
}

// --- The storm ---------------------------------------------------------------------------------
//
// Processes open_or_create, use and close one name over and over, holding it for random times.
// Each object carries an identity that its creator writes; the witness in the control region
// records which object the open handles are on, and a handle that finds another object while
// one is open counts a split. A handle registers after it is open and unregisters before it
// closes, so the registered handles are always a subset of the open ones: two of them on two
// objects at once is exactly the split the rule forbids.

constexpr std::uint64_t count_unit = std::uint64_t{1} << 48U;
constexpr std::uint64_t identity_mask = count_unit - 1;

/// Registers an open handle on the object `identity` with the witness; false if another object
/// has open handles.
bool register_handle(Control& control, std::uint64_t identity) {
  std::uint64_t seen = control.witness.load();
  for (;;) {
    const bool none_open = seen < count_unit;
    if (!none_open && (seen & identity_mask) != identity) return false;
    const std::uint64_t next = none_open ? count_unit | identity : seen + count_unit;
    if (control.witness.compare_exchange_weak(seen, next)) return true;
  }
}

/// A holding time: mostly none or a yield, sometimes a sleep, so that handles overlap in every way.
void hold_for_a_while(std::minstd_rand& random) {
  switch (random() % 4) {
    case 0:
      break;
    case 1:
      std::this_thread::yield();
      break;
    default:
      std::this_thread::sleep_for(std::chrono::microseconds(random() % 200));
  }
}

// args: name, control name, cycles. One storm process: each cycle makes or
// opens the region, learns its identity (writing a new one if it created it), registers with
// the witness, holds it, unregisters and closes. Exit 0 when done.
NAMEDSHM_CHILD_SCENARIO(storm_worker) {
  const std::string& name = args.at(0);
  auto control_region = SharedRegion::open(args.at(1));
  Control& control = control_of(control_region);
  const int cycles = std::stoi(args.at(2));
  const auto pid = static_cast<std::uint64_t>(namedshm_test::current_pid());
  std::minstd_rand random(static_cast<std::uint32_t>(pid));
  for (int cycle = 1; cycle <= cycles; ++cycle) {
    auto region = SharedRegion::open_or_create(name, region_size);
    auto& identity = region.object<std::atomic<std::uint64_t>>();
    if (region.created()) {
      control.creations.fetch_add(1);
      identity.store(((pid & 0xFFFFFFU) << 24U) | static_cast<std::uint64_t>(cycle));
    }
    std::uint64_t seen = 0;
    if (!wait_until([&] { return (seen = identity.load()) != 0; })) return 4;  // its creator writes it at once
    const bool registered = register_handle(control, seen);
    if (!registered) control.splits.fetch_add(1);
    hold_for_a_while(random);
    if (registered) control.witness.fetch_sub(count_unit);
    region.close();
    control.cycles.fetch_add(1);
  }
  return 0;
}

/// Runs `processes` storm workers of `cycles` cycles each, and waits for them.
void run_storm(const std::string& name, const SharedRegion& control_region, int processes, int cycles) {
  std::vector<ChildProcess> workers;
  for (int i = 0; i < processes; ++i) {
    workers.emplace_back("storm_worker", namedshm_test::Arguments{name, control_region.name(), std::to_string(cycles)});
  }
  for (auto& worker : workers) CHECK(worker.wait() == 0);
}

constexpr int storm_processes = 8;
constexpr int storm_cycles = 2000;

TEST_CASE("lifetime: a storm of open_or_create / close beside a holder meets the holder's object every time",
          "[lifetime][process][stress]") {
  const auto name = unique_name("storm-held");
  const auto control_region = make_control();
  Control& control = control_of(control_region);
  auto holder = SharedRegion::create(name, region_size);
  constexpr std::uint64_t holder_identity = 0xABCDEF;
  holder.object<std::atomic<std::uint64_t>>().store(holder_identity);
  REQUIRE(register_handle(control, holder_identity));
  run_storm(name, control_region, storm_processes, storm_cycles);
  CHECK(control.cycles.load() == std::uint64_t{storm_processes} * storm_cycles);
  CHECK(control.creations.load() == 0);  // every cycle met the holder's object...
  CHECK(control.splits.load() == 0);     // ... and none found another
  CHECK(control.witness.load() == (count_unit | holder_identity));
  holder.close();
  CHECK_FALSE(raw_name_exists(name));
}

TEST_CASE("lifetime: a storm of open_or_create / close with no holder never splits the name",
          "[lifetime][process][stress]") {
  const auto name = unique_name("storm-free");
  const auto control_region = make_control();
  Control& control = control_of(control_region);
  run_storm(name, control_region, storm_processes, storm_cycles);
  CHECK(control.cycles.load() == std::uint64_t{storm_processes} * storm_cycles);
  CHECK(control.creations.load() >= 1);
  CHECK(control.splits.load() == 0);
  CHECK(control.witness.load() < count_unit);  // every handle unregistered
  CHECK_FALSE(raw_name_exists(name));          // and the last one out took the name
}

// --- What the rule never removes ------------------------------------------------------------

TEST_CASE("lifetime: another program's segment is never removed by namedshm handles", "[lifetime][interop]") {
  const auto name = unique_name("foreign");
  const namedshm_test::ForeignSegment foreign(name, region_size);
  REQUIRE(foreign.valid());
  {
    auto writer = SharedRegion::open(name);
    auto reader = ReadOnlyRegion::open(name);
    writer.object<std::uint64_t>() = 7;
  }  // the last namedshm handles close
  CHECK(raw_name_exists(name));
  auto again = SharedRegion::open_or_create(name, region_size);
  CHECK_FALSE(again.created());
  CHECK(again.object<std::uint64_t>() == 7);
  std::error_code ec;
  CHECK_FALSE(SharedRegion::create(name, region_size, ec).valid());
  CHECK(ec == std::errc::file_exists);  // never taken for dead and replaced
  again.close();
  CHECK(raw_name_exists(name));
}

#if !defined(_WIN32)
TEST_CASE("lifetime: a segment made by Python is never removed by namedshm handles", "[lifetime][interop][posix]") {
  if (ChildProcess::start_command({"sh", "-c", "python3 -c 'import multiprocessing.shared_memory' 2>/dev/null"})
          .wait() != 0) {
    NAMEDSHM_SKIP("python3 with multiprocessing.shared_memory is not installed");
  }
  const auto name = unique_name("python");
  const std::string object = name;  // Python names the object /<name>, as namedshm does
  // Python's resource tracker would unlink the segment when the script ends: unregistered, it
  // stays, as a long-running Python program's would.
  const std::string script =
      "from multiprocessing import shared_memory, resource_tracker\n"
      "s = shared_memory.SharedMemory(name='" +
      object +
      "', create=True, size=4096)\n"
      "s.buf[0] = 42\n"
      "resource_tracker.unregister(s._name, 'shared_memory')\n"
      "s.close()\n";
  REQUIRE(ChildProcess::start_command({"python3", "-c", script}).wait() == 0);
  {
    auto region = SharedRegion::open(name);
    CHECK(std::to_integer<int>(region.bytes()[0]) == 42);
  }
  CHECK(raw_name_exists(name));
  CHECK(SharedRegion::remove(name));
}
#endif

// --- keep_name and fork(): POSIX only --------------------------------------------------------

#if !defined(_WIN32)
TEST_CASE("lifetime: POSIX keep_name outlives every handle until remove(), and nothing removes it before",
          "[lifetime][posix]") {
  const auto name = unique_name("keep");
  namedshm::CreateOptions options;
  options.keep_name = true;
  {
    auto creator = SharedRegion::create(name, region_size, options);
    creator.object<std::uint64_t>() = 3;
    auto opener = SharedRegion::open(name);
  }
  CHECK(raw_name_exists(name));
  {
    auto opener = SharedRegion::open_or_create(name, region_size);  // no live holder: still not gone
    CHECK_FALSE(opener.created());
    CHECK(opener.object<std::uint64_t>() == 3);
  }
  CHECK(raw_name_exists(name));
  CHECK(SharedRegion::remove(name));
  CHECK_FALSE(raw_name_exists(name));
  CHECK_FALSE(SharedRegion::remove(name));  // nothing left to remove, and no error
}

TEST_CASE("lifetime: POSIX a handle inherited through fork() is not a user of its own", "[lifetime][posix]") {
  const auto name = unique_name("forked");
  auto region = SharedRegion::create(name, region_size);
  {
    auto copy = SharedRegion::open(name);  // the child closes its copy of this one
    const pid_t child = fork();
    if (child == 0) {
      copy.close();  // must neither remove the name nor take the parent's mark
      _exit(0);
    }
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(raw_name_exists(name));
    CHECK_FALSE(SharedRegion::remove_if_stale(name));  // `copy` still marks the object as in use here
  }
  CHECK(raw_name_exists(name));  // `region` holds it
  region.close();
  CHECK_FALSE(raw_name_exists(name));
}
#endif

// --- Mutual exclusion outlives no handle -------------------------------------------------------

TEST_CASE("lifetime: a mutex closed by the thread that holds it is given up abandoned", "[lifetime][mutex]") {
  const auto name = unique_name("abandoned");
  auto other = Mutex::create(name);
  std::error_code ec;
  SECTION("close()") {
    auto holder = Mutex::open(name);
    holder.lock();
    holder.close();
  }
  SECTION("the destructor") {
    auto holder = Mutex::open(name);
    holder.lock();
  }
  SECTION("a move onto it") {
    auto holder = Mutex::open(name);
    holder.lock();
    holder = Mutex();
  }
  // Released, and the next owner is told, exactly as if the holder had died.
  REQUIRE(other.try_lock(ec) == Locked::owner_died);
  CHECK(other.owner_died());
  other.mark_consistent();
  other.unlock();
  CHECK(other.try_lock(ec) == Locked::yes);
  other.unlock();
}

// args: mutex name, control name. Locks the mutex, closes it while holding it, says so
// (stage 1) and stays alive until stage 2: the mutex must not wait for this process's end.
NAMEDSHM_CHILD_SCENARIO(lock_and_close) {
  auto control_region = SharedRegion::open(args.at(1));
  Control& control = control_of(control_region);
  auto mutex = Mutex::open(args.at(0));
  mutex.lock();
  mutex.close();
  control.stage.store(1);
  return wait_until([&] { return control.stage.load() == 2; }) ? 0 : 4;
}

TEST_CASE("lifetime: a mutex that another process closed while holding it is free, and its state suspect",
          "[lifetime][mutex][process]") {
  const auto name = unique_name("abandoned-process");
  auto mutex = Mutex::create(name);
  const auto control_region = make_control();
  Control& control = control_of(control_region);
  ChildProcess child("lock_and_close", {name, control_region.name()});
  REQUIRE(wait_until([&] { return control.stage.load() == 1; }));
  std::error_code ec;
  CHECK(mutex.try_lock_for(std::chrono::seconds(60), ec) == Locked::owner_died);  // while the child lives
  mutex.unlock();  // not marked consistent: given up for good
  CHECK(mutex.try_lock(ec) == Locked::no);
  CHECK(ec == std::errc::state_not_recoverable);
  control.stage.store(2);
  CHECK(child.wait() == 0);
}

// --- Names and mappings ----------------------------------------------------------------------

TEST_CASE("lifetime: no handle ever removes an object that replaced its own under the same name", "[lifetime]") {
  const auto name = unique_name("replaced");
  auto first = SharedRegion::create(name, region_size);
  if (!SharedRegion::remove(name)) {
    // Windows: names cannot be removed, so the situation cannot arise.
    CHECK(raw_name_exists(name));
    return;
  }
  auto second = SharedRegion::create(name, region_size);
  second.object<int>() = 2;
  first.close();  // the last handle of the first object: must not remove the second's name
  REQUIRE(raw_name_exists(name));
  CHECK(ReadOnlyRegion::open(name).object<int>() == 2);
  second.close();
  CHECK_FALSE(raw_name_exists(name));
}

TEST_CASE("lifetime: a mapping outlives the removal of its name", "[lifetime]") {
  const auto name = unique_name("unlinked");
  auto region = SharedRegion::create(name, region_size);
  static_cast<void>(SharedRegion::remove(name));
  region.object<int>(100) = 9;
  CHECK(region.object<int>(100) == 9);
}
