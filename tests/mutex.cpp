// Mutex: a named mutex between processes, on both backends: mutual exclusion across real
// processes, an owner that dies holding it (killed, or a thread that ends) and what the next
// owner is told and decides, the standard lock wrappers, timeouts, misuse (relock, unlock by a
// non-owner), bad names and names of other objects, access, and nothing left behind.
#include <namedshm/event.hpp>
#include <namedshm/mutex.hpp>
#include <namedshm/namedshm.hpp>

#include <atomic>        // std::atomic flags that processes signal through
#include <chrono>        // timeouts
#include <cstdint>       // std::uint64_t
#include <mutex>         // std::lock_guard, std::unique_lock, std::scoped_lock
#include <string>        // std::string
#include <system_error>  // std::error_code, std::errc, std::system_error
#include <thread>        // std::thread
#include <type_traits>   // std::true_type, for enable_sharing
#include <vector>        // the children

#include "support/catch.hpp"
#include "support/os_errors.hpp"
#include "support/other_user.hpp"
#include "support/process.hpp"
#include "support/sanitizers.hpp"
#include "support/wait.hpp"

using namedshm::Locked;
using namedshm::Mutex;
using namedshm::SharedRegion;
using namedshm_test::ChildProcess;
using namedshm_test::killed_exit_code;
using namedshm_test::thread_sanitizer;
using namedshm_test::unique_name;
using namedshm_test::wait_until;

namespace {

/// What the processes of a test share beside the mutex: the counter it protects, and flags.
struct Ledger {
  std::uint64_t counter;  // plain, not atomic: only the mutex keeps it whole
  std::uint64_t repaired;
  std::atomic<std::uint32_t> holding;  // the child holds the mutex now
  std::atomic<std::uint32_t> started;  // children that have begun
  std::atomic<std::uint32_t> outcome;  // what a child's lock found (Locked, as a number)
};

}  // namespace

namespace namedshm {
template <>
struct enable_sharing<Ledger> : std::true_type {};
}  // namespace namedshm

// args: mutex name, ledger name, increments. Adds one to the counter `increments` times,
// each under the mutex, reading and writing the counter in two steps so that a lost update
// would show.
NAMEDSHM_CHILD_SCENARIO(mutex_count) {
  auto mutex = Mutex::open(args.at(0));
  auto ledger_region = SharedRegion::open(args.at(1));
  Ledger& ledger = ledger_region.object<Ledger>();
  const auto increments = std::stoull(args.at(2));
  ledger.started.fetch_add(1);
  for (std::uint64_t i = 0; i < increments; ++i) {
    std::lock_guard<Mutex> hold(mutex);
    const std::uint64_t value = ledger.counter;
    std::atomic_signal_fence(std::memory_order_seq_cst);  // two steps: read, then write
    ledger.counter = value + 1;
  }
  return 0;
}

// args: mutex name, ledger name. Locks the mutex, half-writes the ledger, says so, and waits
// to be killed while it holds the mutex.
NAMEDSHM_CHILD_SCENARIO(mutex_hold_and_wait) {
  auto mutex = Mutex::open(args.at(0));
  auto ledger_region = SharedRegion::open(args.at(1));
  Ledger& ledger = ledger_region.object<Ledger>();
  mutex.lock();
  ledger.counter = 999;  // half-written: the repair must undo it
  ledger.holding.store(1);
  for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

// args: mutex name, ledger name. Records what one lock finds, and unlocks if it got the mutex.
NAMEDSHM_CHILD_SCENARIO(mutex_lock_once) {
  auto mutex = Mutex::open(args.at(0));
  auto ledger_region = SharedRegion::open(args.at(1));
  std::error_code ec;
  const Locked outcome = mutex.lock(ec);
  ledger_region.object<Ledger>().outcome.store(static_cast<std::uint32_t>(outcome));
  if (outcome == Locked::no) return ec == std::errc::state_not_recoverable ? 3 : 2;
  if (outcome == Locked::owner_died) mutex.mark_consistent();
  mutex.unlock();
  return 0;
}

// args: mutex name. Creates the mutex and dies without closing it.
NAMEDSHM_CHILD_SCENARIO(mutex_create_and_die) {
  auto mutex = Mutex::create(args.at(0));
  std::_Exit(mutex.valid() ? 0 : 2);
}

#if !defined(_WIN32)
// args: mutex name. Opens the mutex as another user: 0 if refused with EACCES.
NAMEDSHM_CHILD_SCENARIO(mutex_open_as_other_user) {
  if (getuid() == 0) return namedshm_test::still_root_exit_code;
  std::error_code ec;
  const auto mutex = Mutex::open(args.at(0), ec);
  return !mutex.valid() && ec == namedshm_test::access_denied() ? 0 : 1;
}
#endif

TEST_CASE("a mutex is created unlocked, opened by name, and never created twice", "[mutex]") {
  const auto name = unique_name("mutex");
  auto mutex = Mutex::create(name);
  CHECK(mutex.valid());
  CHECK(mutex.created());
  CHECK(mutex.name() == name);
  auto other = Mutex::open(name);
  CHECK_FALSE(other.created());
  CHECK(other.try_lock());  // free as created
  std::error_code relock;   // this thread holds it, through the other handle
  CHECK(mutex.try_lock(relock) == Locked::no);
  CHECK(relock == std::errc::resource_deadlock_would_occur);
  other.unlock();

  std::error_code ec;
  CHECK_FALSE(Mutex::create(name, ec).valid());
  CHECK(ec == std::errc::file_exists);
  CHECK_FALSE(Mutex::open(unique_name("no-mutex"), ec).valid());
  CHECK(ec == std::errc::no_such_file_or_directory);
  auto either = Mutex::open_or_create(name, ec);
  CHECK_FALSE(ec);
  CHECK_FALSE(either.created());
}

TEST_CASE("std::lock_guard, std::unique_lock and std::scoped_lock work with a Mutex", "[mutex]") {
  auto first = Mutex::create(unique_name("mutex-a"));
  auto second = Mutex::create(unique_name("mutex-b"));
  {
    std::lock_guard<Mutex> hold(first);
    CHECK_FALSE(first.owner_died());
  }
  {
    std::unique_lock<Mutex> hold(first, std::chrono::milliseconds(100));
    CHECK(hold.owns_lock());
    hold.unlock();
    CHECK(hold.try_lock());
  }
  { std::scoped_lock both(first, second); }
  CHECK(first.try_lock());
  first.unlock();
}

TEST_CASE("mutual exclusion across processes: a plain counter comes out exact", "[mutex][process]") {
  // Under Wine every lock and unlock is a round trip to wineserver, so fewer rounds there.
  const int children = 8;
  const std::uint64_t increments = namedshm_test::running_under_wine() ? 2'000 : 100'000;
  const auto mutex_name = unique_name("mutex-count");
  const auto ledger_name = unique_name("ledger");
  auto mutex = Mutex::create(mutex_name);
  auto ledger_region = SharedRegion::create(ledger_name, sizeof(Ledger));
  std::vector<ChildProcess> counting;
  for (int i = 0; i < children; ++i) {
    counting.emplace_back("mutex_count", namedshm_test::Arguments{mutex_name, ledger_name, std::to_string(increments)});
  }
  for (auto& child : counting) CHECK(child.wait() == 0);
  CHECK(ledger_region.object<Ledger>().counter == children * increments);
}

namespace {
/// Starts a child that locks the mutex and half-writes the ledger, and kills it (SIGKILL,
/// TerminateProcess) while it holds the mutex.
void kill_an_owner(const std::string& mutex_name, const std::string& ledger_name, const Ledger& ledger) {
  ChildProcess owner("mutex_hold_and_wait", {mutex_name, ledger_name});
  REQUIRE(wait_until([&] { return ledger.holding.load() == 1; }));
  owner.kill();
  CHECK(owner.wait() == killed_exit_code);
}
}  // namespace

TEST_CASE("a killed owner: the next owner is told, repairs, and the mutex works for everyone",
          "[mutex][process][reliability]") {
  const auto mutex_name = unique_name("mutex-death");
  const auto ledger_name = unique_name("ledger");
  auto mutex = Mutex::create(mutex_name);
  auto ledger_region = SharedRegion::create(ledger_name, sizeof(Ledger));
  Ledger& ledger = ledger_region.object<Ledger>();
  kill_an_owner(mutex_name, ledger_name, ledger);

  std::error_code ec;
  REQUIRE(mutex.lock(ec) == Locked::owner_died);
  CHECK_FALSE(ec);
  CHECK(mutex.owner_died());
  CHECK(ledger.counter == 999);  // what the dead owner left
  ledger.counter = 0;            // the repair
  ledger.repaired = 1;
  mutex.mark_consistent();
  CHECK_FALSE(mutex.owner_died());
  mutex.unlock();

  // Every process goes on as before: no more deaths to report.
  CHECK(namedshm_test::run_child("mutex_lock_once", {mutex_name, ledger_name}) == 0);
  CHECK(ledger.outcome.load() == static_cast<std::uint32_t>(Locked::yes));
  CHECK(mutex.lock(ec) == Locked::yes);
  mutex.unlock();
}

TEST_CASE("a killed owner not marked consistent: the mutex is given up for every process",
          "[mutex][process][reliability]") {
  const auto mutex_name = unique_name("mutex-given-up");
  const auto ledger_name = unique_name("ledger");
  auto mutex = Mutex::create(mutex_name);
  auto second_handle = Mutex::open(mutex_name);
  auto ledger_region = SharedRegion::create(ledger_name, sizeof(Ledger));
  Ledger& ledger = ledger_region.object<Ledger>();
  kill_an_owner(mutex_name, ledger_name, ledger);

  // The std::lock_guard path: lock() succeeds, owner_died() is there to see, and leaving the
  // guard without mark_consistent() gives the mutex up.
  {
    std::lock_guard<Mutex> hold(mutex);
    CHECK(mutex.owner_died());
  }
  std::error_code ec;
  CHECK(mutex.lock(ec) == Locked::no);
  CHECK(ec == std::errc::state_not_recoverable);
  CHECK(second_handle.try_lock(ec) == Locked::no);
  CHECK(ec == std::errc::state_not_recoverable);
  // ... and leaves it as it was: a try_lock that kept it locked by this thread (as glibc's
  // pthread_mutex_trylock does with a given-up robust mutex) would make lock() say
  // resource_deadlock_would_occur here, and another process hang.
  try {
    second_handle.lock();
    FAIL("lock() of a given-up mutex returned");
  } catch (const std::system_error& error) {
    CHECK(error.code() == std::errc::state_not_recoverable);
    CHECK_THAT(std::string(error.what()), NAMEDSHM_CONTAINS("lock mutex \"" + mutex_name + "\""));
    CHECK_THAT(std::string(error.what()), NAMEDSHM_CONTAINS("mark_consistent"));
  }
  CHECK(namedshm_test::run_child("mutex_lock_once", {mutex_name, ledger_name}) == 3);
}

TEST_CASE("a thread that ends holding the mutex: the next owner is told", "[mutex][threads][reliability]") {
  auto mutex = Mutex::create(unique_name("mutex-thread"));
  std::thread owner([&] { mutex.lock(); });  // ends without unlocking
  owner.join();
  std::error_code ec;
  // TSan (LLVM 14) models pthread_mutex_timedlock only when it returns 0: an acquisition from a
  // dead owner through it would look to TSan like no acquisition, and the unlock below like an
  // unlock by the wrong thread. Its pthread_mutex_lock models EOWNERDEAD: lock() there.
  const Locked found = thread_sanitizer ? mutex.lock(ec) : mutex.try_lock_for(std::chrono::seconds(60), ec);
  CHECK(found == Locked::owner_died);
  CHECK(mutex.owner_died());
  mutex.mark_consistent();
  mutex.unlock();
  CHECK(mutex.try_lock(ec) == Locked::yes);
  mutex.unlock();
}

TEST_CASE("a held mutex: try_lock fails at once, try_lock_for and try_lock_until after their time",
          "[mutex][threads]") {
  const auto name = unique_name("mutex-timeout");
  auto mutex = Mutex::create(name);
  auto holder = Mutex::open(name);
  std::atomic<int> stage{0};
  std::thread holding([&] {
    holder.lock();
    stage = 1;
    wait_until([&] { return stage.load() == 2; });
    holder.unlock();
  });
  REQUIRE(wait_until([&] { return stage.load() == 1; }));
  CHECK_FALSE(mutex.try_lock());
  const auto before = std::chrono::steady_clock::now();
  CHECK_FALSE(mutex.try_lock_for(std::chrono::milliseconds(30)));
  CHECK(std::chrono::steady_clock::now() - before >= std::chrono::milliseconds(30));  // never early
  std::error_code ec;
  CHECK(mutex.try_lock_until(std::chrono::system_clock::now() + std::chrono::milliseconds(10), ec) == Locked::no);
  CHECK_FALSE(ec);
  stage = 2;
  holding.join();
  CHECK(mutex.try_lock_for(std::chrono::seconds(60)));
  mutex.unlock();
}

TEST_CASE("not recursive: relocking is an error, on every platform and through every handle", "[mutex]") {
  if (thread_sanitizer) NAMEDSHM_SKIP("TSan reports the relock itself, as the misuse it is");
  const auto name = unique_name("mutex-relock");
  auto mutex = Mutex::create(name);
  auto same = Mutex::open(name);
  mutex.lock();
  std::error_code ec;
  CHECK(mutex.lock(ec) == Locked::no);
  CHECK(ec == std::errc::resource_deadlock_would_occur);
  CHECK(same.try_lock(ec) == Locked::no);
  CHECK(ec == std::errc::resource_deadlock_would_occur);
  CHECK_THROWS_AS(mutex.lock(), std::system_error);
  mutex.unlock();
  CHECK(mutex.try_lock());  // still usable
  mutex.unlock();
}

TEST_CASE("unlocking a mutex this thread does not hold is an error, not undefined behaviour", "[mutex][threads]") {
  if (thread_sanitizer) NAMEDSHM_SKIP("TSan reports an unlock by another thread itself, as the misuse it is");
  auto mutex = Mutex::create(unique_name("mutex-unlock"));
  std::error_code ec;
  mutex.unlock(ec);  // nobody holds it
  CHECK(ec == std::errc::operation_not_permitted);
  mutex.lock();
  std::thread other([&] {
    std::error_code thread_ec;
    mutex.unlock(thread_ec);
    CHECK(thread_ec == std::errc::operation_not_permitted);
  });
  other.join();
  mutex.unlock();  // the holder still can
  CHECK_THROWS_AS(mutex.unlock(), std::system_error);
  std::error_code consistent_ec;
  mutex.mark_consistent(consistent_ec);  // no owner died
  CHECK(consistent_ec == std::errc::invalid_argument);
}

TEST_CASE("bad names, long names, and names of other objects are refused clearly", "[mutex][errors]") {
  std::error_code ec;
  CHECK_FALSE(Mutex::create("a/b", ec).valid());
  CHECK(ec == std::errc::invalid_argument);
  CHECK_FALSE(Mutex::create("", ec).valid());
  CHECK(ec == std::errc::invalid_argument);
  // 250 bytes after the prefix fit (Windows' kernel object adds ".lock"); 251 do not.
  std::string longest = unique_name("mutex-longest");  // a name of this run, padded to 250 bytes
  longest.append(250 - longest.size(), 'm');
  const auto fits = Mutex::create("Local\\" + longest, ec);
  CHECK_FALSE(ec);
  CHECK_FALSE(Mutex::create(std::string(251, 'm'), ec).valid());
  CHECK(ec == std::errc::filename_too_long);

  const auto region_name = unique_name("region-not-mutex");
  const auto region = SharedRegion::create(region_name, 4096);
  CHECK_FALSE(Mutex::open(region_name, ec).valid());
  CHECK(ec == std::errc::invalid_argument);
  try {
    static_cast<void>(Mutex::open(region_name));
    FAIL("open of a region's name as a mutex returned");
  } catch (const std::system_error& error) {
    CHECK_THAT(std::string(error.what()), NAMEDSHM_CONTAINS("open mutex \"" + region_name + "\""));
    CHECK_THAT(std::string(error.what()), NAMEDSHM_CONTAINS("not a mutex"));
  }
  const auto event_name = unique_name("event-not-mutex");
  const auto event = namedshm::Event::create(event_name);
  CHECK_FALSE(Mutex::open(event_name, ec).valid());
  CHECK(ec == namedshm_test::opening_other_kind());
  CHECK_FALSE(Mutex::create(event_name, ec).valid());
  CHECK(ec == namedshm_test::creating_other_kind());

  Mutex empty;
  CHECK(empty.lock(ec) == Locked::no);
  CHECK(ec == std::errc::invalid_argument);
}

#if defined(_WIN32)
// Windows has one user under Wine, so another user's refusal cannot be shown here; what can be:
// the security descriptor given at creation is the one the mutex gets and enforces.
TEST_CASE("Windows: a mutex made with a DACL that lets nobody in refuses every open, its creator's too",
          "[mutex][security]") {
  namedshm::MutexOptions options;
  options.security.security_descriptor = "D:P";  // protected, no entries: every access denied
  const auto name = unique_name("mutex-denied");
  auto mutex = Mutex::create(name, options);
  std::error_code ec;
  CHECK_FALSE(Mutex::open(name, ec).valid());
  CHECK(ec == namedshm_test::access_denied());
}
#else
TEST_CASE("POSIX: another user is refused a mutex made with the default mode 0600", "[mutex][security]") {
  NAMEDSHM_REQUIRE_OTHER_USER();
  const auto name = unique_name("mutex-denied");
  auto mutex = Mutex::create(name);  // 0600
  CHECK(namedshm_test::run_child_as_nobody("mutex_open_as_other_user", {name}) == 0);
}
#endif

TEST_CASE("a mutex whose creator crashed is gone with it, and can be made again at once",
          "[mutex][process][reliability]") {
  const auto name = unique_name("mutex-stale");
  CHECK(namedshm_test::run_child("mutex_create_and_die", {name}) == 0);
  // Windows: gone with its creator's last handle. POSIX: the name is left, held by nobody, and
  // create finds that out and makes a new mutex in its place.
  auto again = Mutex::create(name);
  CHECK(again.created());
}

TEST_CASE("mutexes leave nothing behind: handles, views and names", "[mutex][leaks]") {
  const auto name = unique_name("mutex-leaks");
  {  // what Windows opens on first use and keeps, before counting
    auto warm = Mutex::create(name);
    warm.lock();
    warm.unlock();
  }
  const std::size_t handles = namedshm_test::open_handle_count();
  const std::size_t views = namedshm_test::mapped_view_count();
  for (int i = 0; i < 50; ++i) {
    auto mutex = Mutex::create(name);
    auto other = Mutex::open(name);
    { std::lock_guard<Mutex> hold(other); }
    std::error_code ec;
    CHECK_FALSE(Mutex::create(name, ec).valid());  // a failed create leaves nothing either
    CHECK(ec == std::errc::file_exists);
    mutex.close();
  }
  CHECK(namedshm_test::open_handle_count() == handles);
  CHECK(namedshm_test::mapped_view_count() == views);
  CHECK_FALSE(namedshm_test::name_exists(name));
}
