// Every failure path of every operation, on both backends: the seam of system calls
// (system_calls.hpp) makes the Nth call of an operation fail, for every N along its path and
// with the errors that call really returns, and the test checks what a user relies on:
// - the operation fails with exactly that error, through both overloads, and the message
//   names the operation, the object and the OS's reason; or it succeeds, correctly, and only
//   where the failed call is one that namedshm may do without (a best-effort check, a probe of
//   the peer, the wake-up of a sleeper that looks again by itself);
// - a call that is retried after EINTR succeeds;
// - nothing is left behind: as many descriptors or handles and mapped views as before, and no
//   name, except one that the operation reported it could not remove;
// - the same operation without a fault works right after.
// Each operation prints a line: its system calls, and what became of every fault.
#include <namedshm/broadcast.hpp>
#include <namedshm/channel.hpp>
#include <namedshm/detail/broadcast_layout.hpp>  // waiting_offset: is a broadcast receiver asleep
#include <namedshm/detail/channel_layout.hpp>    // consumer_waiting_offset: is the receiver asleep
#include <namedshm/event.hpp>
#include <namedshm/mutex.hpp>
#include <namedshm/namedshm.hpp>

#include <atomic>        // std::atomic words read in a region
#include <chrono>        // the waits of the helper threads
#include <cstdint>       // std::uint32_t
#include <cstdio>        // std::printf, the summary lines
#include <cstring>       // std::strcmp, std::memcmp
#include <functional>    // std::function, the operations' steps
#include <map>           // the summary's counts per call
#include <string>        // std::string
#include <system_error>  // std::error_code, std::system_error
#include <thread>        // the helper threads
#include <utility>       // std::move
#include <vector>        // the operations

#include "../support/catch.hpp"
#include "../support/process.hpp"
#include "../support/wait.hpp"
#include "system_calls.hpp"

#if defined(_WIN32)
#  include <windows.h>  // ERROR_* codes
#else
#  include <dirent.h>  // opendir, the names in /dev/shm

#  include <cerrno>  // E* codes
#endif

using namedshm::BroadcastOptions;
using namedshm::BroadcastReceiver;
using namedshm::BroadcastReceiverOptions;
using namedshm::BroadcastSender;
using namedshm::ChannelOptions;
using namedshm::ChannelReceiver;
using namedshm::ChannelSender;
using namedshm::CreateOptions;
using namedshm::Event;
using namedshm::Locked;
using namedshm::Mutex;
using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm::WaitPolicy;
namespace faults = namedshm_test::faults;

namespace {

/// The errors each system call is made to fail with: what the OS really returns there.
std::vector<int> errors_of(const std::string& call) {
#if defined(_WIN32)
  if (call == "CreateFileMappingW" || call == "OpenFileMappingW" || call == "CreateEventExW" || call == "OpenEventW" ||
      call == "CreateMutexExW" || call == "OpenMutexW") {
    return {ERROR_ACCESS_DENIED, ERROR_NOT_ENOUGH_MEMORY};
  }
  if (call == "ReleaseMutex") return {ERROR_NOT_OWNER};
  if (call == "NtQueryEvent") return {ERROR_ACCESS_DENIED, ERROR_PROC_NOT_FOUND};
  if (call == "MapViewOfFile") return {ERROR_NOT_ENOUGH_MEMORY};
  if (call == "MultiByteToWideChar") return {ERROR_NO_UNICODE_TRANSLATION};
  if (call == "VirtualQuery" || call == "ConvertStringSecurityDescriptorToSecurityDescriptorW") {
    return {ERROR_INVALID_PARAMETER};
  }
  if (call == "UnmapViewOfFile") return {ERROR_INVALID_ADDRESS};
  if (call == "CloseHandle" || call == "LocalFree" || call == "WaitForSingleObject") return {ERROR_INVALID_HANDLE};
  return {ERROR_ACCESS_DENIED};  // SetEvent, ResetEvent, OpenProcess, GetProcessTimes
#else
  std::vector<int> errors;
  if (call == "shm_open") {
    errors = {EACCES, EMFILE};
  } else if (call == "ftruncate" || call == "posix_fallocate") {
    errors = {ENOSPC};
  } else if (call == "flock" || call == "fcntl_lock") {
    errors = {ENOLCK};
  } else if (call == "mmap") {
    errors = {ENOMEM};
  } else if (call == "fchmod") {
    errors = {EPERM};
  } else if (call == "shm_unlink") {
    errors = {EACCES};
  } else if (call == "munmap" || call == "futex" || call == "getrlimit" || call == "clock_gettime" ||
             call == "pthread_mutex_consistent" || call == "pthread_mutex_lock" || call == "pthread_mutex_clocklock" ||
             call == "pthread_mutex_timedlock") {
    errors = {EINVAL};
  } else if (call == "pthread_mutex_init") {
    errors = {EAGAIN, ENOMEM};
  } else if (call == "pthread_mutex_unlock") {
    errors = {EPERM};
  } else {
    errors = {EIO};  // fstat, fstatvfs, close
  }
  if (call == "shm_open" || call == "flock" || call == "ftruncate") errors.push_back(EINTR);  // retried
  return errors;
#endif
}

/// True for a call that namedshm makes again when the OS interrupted it.
bool retried_after_eintr(const std::string& call, int error) {
#if defined(_WIN32)
  static_cast<void>(call);
  static_cast<void>(error);
  return false;
#else
  return error == EINTR && (call == "shm_open" || call == "flock" || call == "ftruncate");
#endif
}

/// What an operation works on: made before the fault, released after it (both without one).
struct Fixture {
  explicit Fixture(std::string object_name) : name(std::move(object_name)) {}
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;
  Fixture(Fixture&&) = delete;
  Fixture& operator=(Fixture&&) = delete;
  ~Fixture() {
    if (helper.joinable()) helper.join();  // `finish` has made it end
  }

  std::string name;
  SharedRegion keeper;  ///< what the setup made for the operation to open
  Event keeper_event;
  Mutex keeper_mutex;
  SharedRegion region;  ///< what the operation made or works on
  ReadOnlyRegion reader;
  Event event;
  ChannelSender sender;
  ChannelReceiver receiver;
  BroadcastSender broadcaster;
  BroadcastReceiver listener;
  Mutex mutex;
  SharedRegion watch;                 ///< a view of the object, to see whether a waiter sleeps
  std::atomic<int> result{0};         ///< what the operation found: 1 as it should be
  std::atomic<int> helper_result{0};  ///< what the helper thread found: 1 as it should be
  std::thread helper;                 ///< a waiter or a peer
};

/// A call that an operation may survive: its name and which of its calls (0: any).
struct Quiet {
  const char* call;
  int occurrence;
};

/// One operation under test, with both overloads of the same step.
struct Operation {
  const char* title;
  const char* verb;  ///< what its message says it was doing
  std::function<void(Fixture&)> setup;
  std::function<void(Fixture&, std::error_code&)> run;
  std::function<void(Fixture&)> run_throwing;
  /// The result of a run that succeeded is what it should be.
  std::function<bool(Fixture&)> succeeded;
  std::vector<Quiet> quiet;
  /// Undoes what a failed step left undone (wakes a waiter); no fault is planned then.
  std::function<void(Fixture&)> finish = [](Fixture&) {};
  /// The operation removes names, so a failure may leave one (it says so).
  bool may_leave_names = false;
};

/// The state that nothing may leak.
struct Resources {
  std::size_t handles = 0;
  std::size_t views = 0;
};

Resources resources() { return {namedshm_test::open_handle_count(), namedshm_test::mapped_view_count()}; }

/// The names in /dev/shm that start with `prefix` (POSIX; Windows keeps no name without a
/// handle, which the handle count covers).
std::vector<std::string> names_starting_with(const std::string& prefix) {
  std::vector<std::string> found;
#if !defined(_WIN32)
  DIR* folder = opendir("/dev/shm");
  if (folder == nullptr) return found;
  while (const dirent* entry = readdir(folder)) {
    if (std::string(entry->d_name).compare(0, prefix.size(), prefix) == 0) found.emplace_back(entry->d_name);
  }
  closedir(folder);
#else
  static_cast<void>(prefix);
#endif
  return found;
}

void remove_names(const std::string& name) {
  std::error_code ignored;
  for (const char* suffix : {"", ".ready", ".room"}) SharedRegion::remove(name + suffix, ignored);
}

/// Which occurrence of its own function the `nth` call of the log is.
int occurrence_of(int nth) {
  int count = 0;
  for (int i = 1; i <= nth; ++i) count += std::strcmp(faults::call_name(i), faults::call_name(nth)) == 0 ? 1 : 0;
  return count;
}

bool is_quiet(const Operation& operation, const std::string& call, int occurrence) {
  for (const Quiet& quiet : operation.quiet) {
    if (call == quiet.call && (quiet.occurrence == 0 || quiet.occurrence == occurrence)) return true;
  }
  return false;
}

/// What the summary line says of one operation.
struct Tally {
  int faults = 0;
  int reported = 0;
  int retried = 0;
  int survived = 0;
};

/// Runs the error_code overload with the `nth` call failing with `error`; checks the outcome
/// and that nothing is left. Returns the error it reported.
std::error_code run_with_error_code(const Operation& operation, int nth, int error, Tally& tally) {
  const Resources before = resources();
  const std::string name = namedshm_test::unique_name("fault");
  std::error_code ec;
  std::string call;
  int occurrence = 0;
  bool succeeded = false;
  {
    Fixture fixture(name);
    operation.setup(fixture);
    faults::fail_call(nth, error);
    operation.run(fixture, ec);
    const bool happened = faults::failed();
    call = happened ? faults::call_name(nth) : "";
    occurrence = happened ? occurrence_of(nth) : 0;
    faults::reset();
    succeeded = !ec && operation.succeeded(fixture);
    operation.finish(fixture);
  }
  INFO(operation.title << ": call " << nth << " (" << (call.empty() ? "none" : call) << " #" << occurrence
                       << ") failing with " << std::system_category().message(error) << " (" << error << ")");
  ++tally.faults;
  if (call.empty()) {
    CHECK_FALSE(ec);  // the path was shorter this time (a peer was quicker): nothing failed
    CHECK(succeeded);
  } else if (ec) {
    ++tally.reported;
    CHECK(ec == std::error_code(error, std::system_category()));
  } else {
    CHECK(succeeded);
    if (retried_after_eintr(call, error)) {
      ++tally.retried;
    } else {
      ++tally.survived;
      CHECK(is_quiet(operation, call, occurrence));
    }
  }
  const std::vector<std::string> left = names_starting_with(name);
  if (!(operation.may_leave_names && ec)) CHECK(left.empty());
  remove_names(name);
  const Resources after = resources();
  CHECK(after.handles == before.handles);
  CHECK(after.views == before.views);
  return ec;
}

/// Runs the throwing overload with the same fault: it must throw the same error, with a
/// message that names the operation, the object and the reason.
void run_throwing(const Operation& operation, int nth, int error, const std::error_code& expected) {
  const std::string name = namedshm_test::unique_name("fault");
  std::string message;
  std::error_code thrown;
  {
    Fixture fixture(name);
    operation.setup(fixture);
    faults::fail_call(nth, error);
    try {
      operation.run_throwing(fixture);
    } catch (const std::system_error& failure) {
      thrown = failure.code();
      message = failure.what();
    }
    faults::reset();
    operation.finish(fixture);
  }
  remove_names(name);
  INFO(operation.title << ": call " << nth << " failing with " << error << ": " << message);
  CHECK(thrown == expected);
  if (expected) {
    CHECK(message.compare(0, std::string("namedshm: ").size(), "namedshm: ") == 0);
    CHECK(message.find(operation.verb) != std::string::npos);
    CHECK(message.find("\"" + name) != std::string::npos);
    CHECK(message.find(expected.message()) != std::string::npos);
  }
}

/// Runs the operation once without a fault: it succeeds, and the log is its path.
std::vector<std::string> clean_run(const Operation& operation) {
  const std::string name = namedshm_test::unique_name("fault");
  std::vector<std::string> path;
  {
    Fixture fixture(name);
    operation.setup(fixture);
    faults::reset();
    std::error_code ec;
    operation.run(fixture, ec);
    for (int i = 1; i <= faults::calls(); ++i) path.emplace_back(faults::call_name(i));
    faults::reset();
    INFO(operation.title << " without a fault: " << ec.message());
    CHECK_FALSE(ec);
    CHECK(operation.succeeded(fixture));
    operation.finish(fixture);
  }
  CHECK(names_starting_with(name).empty());
  remove_names(name);
  return path;
}

/// Every fault along the operation's path, then the same operation without one.
void sweep(const Operation& operation) {
  const std::vector<std::string> path = clean_run(operation);  // also the warm-up of what it uses
  REQUIRE_FALSE(path.empty());
  Tally tally;
  for (int nth = 1; nth <= static_cast<int>(path.size()); ++nth) {
    for (const int error : errors_of(path[static_cast<std::size_t>(nth) - 1])) {
      const std::error_code reported = run_with_error_code(operation, nth, error, tally);
      run_throwing(operation, nth, error, reported);
    }
  }
  clean_run(operation);  // the next normal call works
  std::string calls;
  for (const std::string& call : path) calls += (calls.empty() ? "" : " ") + call;
  std::printf("faults: %s: %zu calls (%s); %d faults: %d reported, %d retried, %d survived\n", operation.title,
              path.size(), calls.c_str(), tally.faults, tally.reported, tally.retried, tally.survived);
}

// --- the operations --------------------------------------------------------------------------

constexpr std::size_t region_size = 4096;
constexpr std::size_t channel_size = 4096;

bool region_ok(const SharedRegion& region) {
  return region.valid() && region.size() >= region_size && region.data() != nullptr;
}

#if !defined(_WIN32)
/// Makes `name` a stale region: kept after its creator closed it, so no process holds it.
void make_stale(const std::string& name) {
  CreateOptions kept;
  kept.keep_name = true;
  SharedRegion::create(name, region_size, kept).close();
}
#endif

/// The calls of a POSIX creation that may fail without failing it: the two checks of room.
const std::vector<Quiet> creation_quiet = {{"getrlimit", 0}, {"fstatvfs", 0}};
/// The calls of a POSIX close that may fail without failing it: the quick look (one stat in
/// /dev/shm) at whether the name is still the object's, which the portable probe then answers,
/// and a channel end's unlock, which closing the descriptor does as well.
const std::vector<Quiet> close_quiet = {{"stat", 0}, {"fcntl_lock", 0}};

ChannelOptions blocking() {
  ChannelOptions options;
  options.wait = WaitPolicy::block;
  return options;
}

/// Waits until the 32-bit word at `offset` of `view` is not 0: a peer has announced that it
/// sleeps. Bounded, never a condition for passing.
void wait_for_sleeper(const SharedRegion& view, std::size_t offset) {
  const auto& word = view.object<std::atomic<std::uint32_t>>(offset);
  CHECK(namedshm_test::wait_until([&] { return word.load() != 0; }));
}

std::vector<Operation> region_operations() {
  std::vector<Operation> all;
  all.push_back({"create a region", "create", [](Fixture&) {},
                 [](Fixture& f, std::error_code& ec) { f.region = SharedRegion::create(f.name, region_size, ec); },
                 [](Fixture& f) { f.region = SharedRegion::create(f.name, region_size); },
                 [](Fixture& f) { return region_ok(f.region) && f.region.created(); }, creation_quiet});
  all.push_back({"create a region, Backing::reserved", "create", [](Fixture&) {},
                 [](Fixture& f, std::error_code& ec) {
                   CreateOptions reserved;
                   reserved.backing = namedshm::Backing::reserved;
                   f.region = SharedRegion::create(f.name, region_size, reserved, ec);
                 },
                 [](Fixture& f) {
                   CreateOptions reserved;
                   reserved.backing = namedshm::Backing::reserved;
                   f.region = SharedRegion::create(f.name, region_size, reserved);
                 },
                 [](Fixture& f) { return region_ok(f.region); }, creation_quiet});
#if defined(_WIN32)
  all.push_back({"create a region with an SDDL security descriptor",
                 "create",
                 [](Fixture&) {},
                 [](Fixture& f, std::error_code& ec) {
                   CreateOptions options;
                   options.security.security_descriptor = "D:P(A;;GA;;;WD)";
                   f.region = SharedRegion::create(f.name, region_size, options, ec);
                 },
                 [](Fixture& f) {
                   CreateOptions options;
                   options.security.security_descriptor = "D:P(A;;GA;;;WD)";
                   f.region = SharedRegion::create(f.name, region_size, options);
                 },
                 // The converted descriptor is freed once the section exists: nothing to report.
                 [](Fixture& f) { return region_ok(f.region); },
                 {{"LocalFree", 0}}});
#endif
  const std::vector<Quiet> open_quiet = {};
  all.push_back({"open a region", "open", [](Fixture& f) { f.keeper = SharedRegion::create(f.name, region_size); },
                 [](Fixture& f, std::error_code& ec) { f.region = SharedRegion::open(f.name, ec); },
                 [](Fixture& f) { f.region = SharedRegion::open(f.name); },
                 [](Fixture& f) { return region_ok(f.region) && !f.region.created(); }, open_quiet});
  all.push_back({"open a region read-only", "open read-only",
                 [](Fixture& f) { f.keeper = SharedRegion::create(f.name, region_size); },
                 [](Fixture& f, std::error_code& ec) { f.reader = ReadOnlyRegion::open(f.name, ec); },
                 [](Fixture& f) { f.reader = ReadOnlyRegion::open(f.name); },
                 [](Fixture& f) { return f.reader.valid() && f.reader.size() >= region_size; }, open_quiet});
  all.push_back(
      {"open_or_create an existing region",
       "open_or_create",
       [](Fixture& f) { f.keeper = SharedRegion::create(f.name, region_size); },
       [](Fixture& f, std::error_code& ec) { f.region = SharedRegion::open_or_create(f.name, region_size, ec); },
       [](Fixture& f) { f.region = SharedRegion::open_or_create(f.name, region_size); },
       [](Fixture& f) { return region_ok(f.region) && !f.region.created(); },
       {}});
  all.push_back(
      {"open_or_create a new region", "open_or_create", [](Fixture&) {},
       [](Fixture& f, std::error_code& ec) { f.region = SharedRegion::open_or_create(f.name, region_size, ec); },
       [](Fixture& f) { f.region = SharedRegion::open_or_create(f.name, region_size); },
       [](Fixture& f) { return region_ok(f.region) && f.region.created(); }, creation_quiet});
  all.push_back({"close a region that created its name", "close",
                 [](Fixture& f) { f.region = SharedRegion::create(f.name, region_size); },
                 [](Fixture& f, std::error_code& ec) { f.region.close(ec); }, [](Fixture& f) { f.region.close(); },
                 [](Fixture& f) { return !f.region.valid() && !namedshm_test::name_exists(f.name); }, close_quiet,
                 [](Fixture&) {}, true});
  all.push_back({"close a region that opened its name",
                 "close",
                 [](Fixture& f) {
                   f.keeper = SharedRegion::create(f.name, region_size);
                   f.region = SharedRegion::open(f.name);
                 },
                 [](Fixture& f, std::error_code& ec) { f.region.close(ec); },
                 [](Fixture& f) { f.region.close(); },
                 [](Fixture& f) { return !f.region.valid() && namedshm_test::name_exists(f.name); },
                 {}});
#if !defined(_WIN32)  // Windows removes a name with its last handle: these make no system call there
  all.push_back({"remove a kept name",
                 "remove",
                 [](Fixture& f) { make_stale(f.name); },
                 [](Fixture& f, std::error_code& ec) { f.result = SharedRegion::remove(f.name, ec) ? 1 : 0; },
                 [](Fixture& f) { f.result = SharedRegion::remove(f.name) ? 1 : 0; },
                 [](Fixture& f) { return f.result == 1 && !namedshm_test::name_exists(f.name); },
                 {},
                 [](Fixture&) {},
                 true});
  all.push_back({"remove_if_stale a stale name",
                 "remove_if_stale",
                 [](Fixture& f) { make_stale(f.name); },
                 [](Fixture& f, std::error_code& ec) { f.result = SharedRegion::remove_if_stale(f.name, ec) ? 1 : 0; },
                 [](Fixture& f) { f.result = SharedRegion::remove_if_stale(f.name) ? 1 : 0; },
                 [](Fixture& f) { return f.result == 1 && !namedshm_test::name_exists(f.name); },
                 // The quick look at the name (the probe answers then), and its descriptor,
                 // closed after the removal.
                 {{"stat", 0}, {"close", 0}},
                 [](Fixture&) {},
                 true});
#endif
  return all;
}

std::vector<Operation> event_operations() {
  std::vector<Operation> all;
  all.push_back({"create an event", "create event", [](Fixture&) {},
                 [](Fixture& f, std::error_code& ec) { f.event = Event::create(f.name, ec); },
                 [](Fixture& f) { f.event = Event::create(f.name); },
                 [](Fixture& f) { return f.event.valid() && f.event.created(); }, creation_quiet});
  all.push_back({"open an event",
                 "open event",
                 [](Fixture& f) { f.keeper_event = Event::create(f.name); },
                 [](Fixture& f, std::error_code& ec) { f.event = Event::open(f.name, ec); },
                 [](Fixture& f) { f.event = Event::open(f.name); },
                 [](Fixture& f) { return f.event.valid() && !f.event.created(); },
                 {}});
  all.push_back({"notify an event that a thread waits on",
                 "notify event",
                 [](Fixture& f) {
                   f.keeper_event = Event::create(f.name);
                   f.event = Event::open(f.name);
                   f.helper = std::thread(
                       [&f] { f.helper_result = f.keeper_event.wait_for(std::chrono::seconds(60)) ? 1 : 0; });
#if !defined(_WIN32)
                   f.watch = SharedRegion::open(f.name);
                   wait_for_sleeper(f.watch, offsetof(namedshm::detail::os::EventState, waiters));
#endif
                 },
                 [](Fixture& f, std::error_code& ec) { f.event.notify(ec); },
                 [](Fixture& f) { f.event.notify(); },
                 [](Fixture&) { return true; },
                 {},
                 [](Fixture& f) {
                   f.event.notify();  // again, without a fault: the waiter must go
                   f.helper.join();
                   CHECK(f.helper_result == 1);
                 }});
  all.push_back(
      {"wait for an event until the timeout",
       "wait for event",
       [](Fixture& f) { f.event = Event::create(f.name); },
       [](Fixture& f, std::error_code& ec) { f.result = f.event.wait_for(std::chrono::milliseconds(1), ec) ? 0 : 1; },
       [](Fixture& f) { f.result = f.event.wait_for(std::chrono::milliseconds(1)) ? 0 : 1; },
       [](Fixture& f) { return f.result == 1; },
       {}});
#if defined(_WIN32)  // POSIX resets with a store: no system call
  all.push_back({"reset an event",
                 "reset event",
                 [](Fixture& f) { f.event = Event::create(f.name); },
                 [](Fixture& f, std::error_code& ec) { f.event.reset(ec); },
                 [](Fixture& f) { f.event.reset(); },
                 [](Fixture&) { return true; },
                 {}});
#endif
  all.push_back({"close an event that created its name", "close event",
                 [](Fixture& f) { f.event = Event::create(f.name); },
                 [](Fixture& f, std::error_code& ec) { f.event.close(ec); }, [](Fixture& f) { f.event.close(); },
                 [](Fixture& f) { return !f.event.valid(); }, close_quiet, [](Fixture&) {}, true});
  return all;
}

std::vector<Operation> channel_operations() {
  std::vector<Operation> all;
  all.push_back({"create a channel", "create channel sender", [](Fixture&) {},
                 [](Fixture& f, std::error_code& ec) { f.sender = ChannelSender::create(f.name, channel_size, ec); },
                 [](Fixture& f) { f.sender = ChannelSender::create(f.name, channel_size); },
                 [](Fixture& f) { return f.sender.valid() && f.sender.capacity() == channel_size; }, creation_quiet});
  all.push_back({"open a channel",
                 "open channel receiver",
                 [](Fixture& f) { f.sender = ChannelSender::create(f.name, channel_size); },
                 [](Fixture& f, std::error_code& ec) { f.receiver = ChannelReceiver::open(f.name, ec); },
                 [](Fixture& f) { f.receiver = ChannelReceiver::open(f.name); },
                 [](Fixture& f) { return f.receiver.valid(); },
                 {}});
  static const char text[] = "a message";
  all.push_back({"send to a receiver that sleeps",
                 "send on channel",
                 [](Fixture& f) {
                   f.sender = ChannelSender::create(f.name, channel_size);
                   f.receiver = ChannelReceiver::open(f.name, blocking());
                   f.watch = SharedRegion::open(f.name);
                   f.helper = std::thread([&f] {
                     const auto message = f.receiver.receive();
                     f.helper_result = message && message->size() == sizeof text &&
                                       std::memcmp(message->data(), text, sizeof text) == 0;
                   });
                   wait_for_sleeper(f.watch, namedshm::detail::channel::consumer_waiting_offset);
                 },
                 [](Fixture& f, std::error_code& ec) { f.result = f.sender.send(text, sizeof text, ec) ? 1 : 0; },
                 [](Fixture& f) { f.result = f.sender.send(text, sizeof text) ? 1 : 0; },
                 [](Fixture& f) { return f.result == 1; },
                 // The wake-up: a sleeper that is not woken looks again within 50 ms by itself.
                 {{"futex", 0}, {"SetEvent", 0}},
                 [](Fixture& f) {
                   if (f.result != 1) f.sender.close();  // not sent: the end of the stream wakes the receiver
                   f.helper.join();  // the message came, by the wake-up or by the sleeper's own look
                   CHECK(f.helper_result == f.result);
                 }});
  all.push_back({"receive with a timeout, the sender alive",
                 "receive_for on channel",
                 [](Fixture& f) {
                   f.sender = ChannelSender::create(f.name, channel_size);
                   f.receiver = ChannelReceiver::open(f.name, blocking());
                 },
                 [](Fixture& f, std::error_code& ec) {
                   f.result = f.receiver.receive_for(std::chrono::milliseconds(2), ec) ? 0 : 1;
                 },
                 [](Fixture& f) { f.result = f.receiver.receive_for(std::chrono::milliseconds(2)) ? 0 : 1; },
                 [](Fixture& f) { return f.result == 1 && f.receiver.state() == namedshm::ChannelState::open; },
                 // The look at whether the sender lives: what cannot be asked proves no death.
                 {{"fcntl_lock", 0}, {"OpenProcess", 0}, {"GetProcessTimes", 0}, {"WaitForSingleObject", 2}}});
  all.push_back({"close a channel end that created the channel", "close channel sender",
                 [](Fixture& f) { f.sender = ChannelSender::create(f.name, channel_size); },
                 [](Fixture& f, std::error_code& ec) { f.sender.close(ec); }, [](Fixture& f) { f.sender.close(); },
                 [](Fixture& f) { return !f.sender.valid() && !namedshm_test::name_exists(f.name); }, close_quiet,
                 [](Fixture&) {}, true});
#if !defined(_WIN32)
  all.push_back({"remove_if_stale a crashed channel's names",
                 "remove_if_stale channel",
                 [](Fixture& f) {
                   make_stale(f.name);
                   namedshm::EventOptions kept_event;
                   kept_event.keep_name = true;
                   Event::create(f.name + ".ready", kept_event).close();
                   Event::create(f.name + ".room", kept_event).close();
                 },
                 [](Fixture& f, std::error_code& ec) { f.result = ChannelSender::remove_if_stale(f.name, ec) ? 1 : 0; },
                 [](Fixture& f) { f.result = ChannelSender::remove_if_stale(f.name) ? 1 : 0; },
                 [](Fixture& f) { return f.result == 1 && names_starting_with(f.name).empty(); },
                 {{"stat", 0}, {"close", 0}},
                 [](Fixture&) {},
                 true});
#endif
  return all;
}

constexpr std::size_t broadcast_size = 4096;

/// Two receiver slots (on Windows, three events: the sender's and two), block on waits.
BroadcastOptions small_broadcast() {
  BroadcastOptions options;
  options.max_receivers = 2;
  options.wait = WaitPolicy::block;
  return options;
}

BroadcastReceiverOptions blocking_listener() {
  BroadcastReceiverOptions options;
  options.wait = WaitPolicy::block;
  return options;
}

/// The look at whether the other side lives: what cannot be asked proves no death.
const std::vector<Quiet> probe_quiet = {
    {"fcntl_lock", 0}, {"OpenProcess", 0}, {"GetProcessTimes", 0}, {"WaitForSingleObject", 2}};

std::vector<Operation> broadcast_operations() {
  std::vector<Operation> all;
  all.push_back({"create a broadcast", "create broadcast sender", [](Fixture&) {},
                 [](Fixture& f, std::error_code& ec) {
                   f.broadcaster = BroadcastSender::create(f.name, broadcast_size, small_broadcast(), ec);
                 },
                 [](Fixture& f) { f.broadcaster = BroadcastSender::create(f.name, broadcast_size, small_broadcast()); },
                 [](Fixture& f) { return f.broadcaster.valid() && f.broadcaster.max_receivers() == 2; },
                 creation_quiet});
  all.push_back({"open a broadcast receiver",
                 "open broadcast receiver",
                 [](Fixture& f) { f.broadcaster = BroadcastSender::create(f.name, broadcast_size, small_broadcast()); },
                 [](Fixture& f, std::error_code& ec) { f.listener = BroadcastReceiver::open(f.name, ec); },
                 [](Fixture& f) { f.listener = BroadcastReceiver::open(f.name); },
                 [](Fixture& f) { return f.listener.valid() && f.broadcaster.receivers() == 1; },
                 {}});
  static const char text[] = "a broadcast message";
  all.push_back({"send to a broadcast receiver that sleeps",
                 "send on broadcast",
                 [](Fixture& f) {
                   f.broadcaster = BroadcastSender::create(f.name, broadcast_size, small_broadcast());
                   f.listener = BroadcastReceiver::open(f.name, blocking_listener());
                   f.watch = SharedRegion::open(f.name);
                   f.helper = std::thread([&f] {
                     const auto message = f.listener.receive();
                     f.helper_result = message && message->size() == sizeof text &&
                                       std::memcmp(message->data(), text, sizeof text) == 0;
                   });
                   wait_for_sleeper(f.watch, namedshm::detail::broadcast::waiting_offset(1));
                 },
                 [](Fixture& f, std::error_code& ec) { f.result = f.broadcaster.send(text, sizeof text, ec) ? 1 : 0; },
                 [](Fixture& f) { f.result = f.broadcaster.send(text, sizeof text) ? 1 : 0; },
                 [](Fixture& f) { return f.result == 1; },
                 // The wake-up: a sleeper that is not woken looks again within 50 ms by itself.
                 {{"futex", 0}, {"SetEvent", 0}},
                 [](Fixture& f) {
                   if (f.result != 1) f.broadcaster.close();  // not sent: the end of the stream wakes the receiver
                   f.helper.join();
                   CHECK(f.helper_result == f.result);
                 }});
  all.push_back(
      {"send_for while a live receiver holds the ring, until the timeout", "send_for on broadcast",
       [](Fixture& f) {
         f.broadcaster = BroadcastSender::create(f.name, broadcast_size, small_broadcast());
         f.listener = BroadcastReceiver::open(f.name);
         while (f.broadcaster.try_send(text, sizeof text)) {
         }
       },
       [](Fixture& f, std::error_code& ec) {
         f.result = f.broadcaster.send_for(text, sizeof text, std::chrono::milliseconds(2), ec) ? 0 : 1;
       },
       [](Fixture& f) { f.result = f.broadcaster.send_for(text, sizeof text, std::chrono::milliseconds(2)) ? 0 : 1; },
       [](Fixture& f) { return f.result == 1 && f.broadcaster.receivers() == 1; }, probe_quiet});
  all.push_back({"receive from a broadcast with a timeout, the sender alive", "receive_for on broadcast",
                 [](Fixture& f) {
                   f.broadcaster = BroadcastSender::create(f.name, broadcast_size, small_broadcast());
                   f.listener = BroadcastReceiver::open(f.name, blocking_listener());
                 },
                 [](Fixture& f, std::error_code& ec) {
                   f.result = f.listener.receive_for(std::chrono::milliseconds(2), ec) ? 0 : 1;
                 },
                 [](Fixture& f) { f.result = f.listener.receive_for(std::chrono::milliseconds(2)) ? 0 : 1; },
                 [](Fixture& f) { return f.result == 1 && f.listener.state() == namedshm::ChannelState::open; },
                 probe_quiet});
  all.push_back({"close a broadcast receiver", "close broadcast receiver",
                 [](Fixture& f) {
                   f.broadcaster = BroadcastSender::create(f.name, broadcast_size, small_broadcast());
                   f.listener = BroadcastReceiver::open(f.name);
                 },
                 [](Fixture& f, std::error_code& ec) { f.listener.close(ec); }, [](Fixture& f) { f.listener.close(); },
                 [](Fixture& f) { return !f.listener.valid() && f.broadcaster.receivers() == 0; }, close_quiet});
  all.push_back({"close a broadcast sender that created the broadcast", "close broadcast sender",
                 [](Fixture& f) { f.broadcaster = BroadcastSender::create(f.name, broadcast_size, small_broadcast()); },
                 [](Fixture& f, std::error_code& ec) { f.broadcaster.close(ec); },
                 [](Fixture& f) { f.broadcaster.close(); },
                 [](Fixture& f) { return !f.broadcaster.valid() && !namedshm_test::name_exists(f.name); }, close_quiet,
                 [](Fixture&) {}, true});
#if !defined(_WIN32)
  all.push_back(
      {"remove_if_stale a crashed broadcast's name",
       "remove_if_stale broadcast",
       [](Fixture& f) { make_stale(f.name); },
       [](Fixture& f, std::error_code& ec) { f.result = BroadcastSender::remove_if_stale(f.name, ec) ? 1 : 0; },
       [](Fixture& f) { f.result = BroadcastSender::remove_if_stale(f.name) ? 1 : 0; },
       [](Fixture& f) { return f.result == 1 && names_starting_with(f.name).empty(); },
       {{"stat", 0}, {"close", 0}},
       [](Fixture&) {},
       true});
#endif
  return all;
}

/// A helper thread that locks `f.keeper_mutex` and holds it until `finish` sets
/// helper_result to 2; returns once it holds it.
void hold_in_helper(Fixture& f) {
  f.helper = std::thread([&f] {
    f.keeper_mutex.lock();
    f.helper_result = 1;
    namedshm_test::wait_until([&] { return f.helper_result == 2; });
    f.keeper_mutex.unlock();
  });
  CHECK(namedshm_test::wait_until([&] { return f.helper_result == 1; }));
}

/// True if another thread can take the mutex now (and it gives it back).
bool free_for_another_thread(Mutex& mutex) {
  bool taken = false;
  std::thread([&] {
    std::error_code ec;
    taken = mutex.try_lock(ec) == Locked::yes;
    if (taken) mutex.unlock();
  }).join();
  return taken;
}

std::vector<Operation> mutex_operations() {
  std::vector<Operation> all;
  all.push_back({"create a mutex", "create mutex", [](Fixture&) {},
                 [](Fixture& f, std::error_code& ec) { f.mutex = Mutex::create(f.name, ec); },
                 [](Fixture& f) { f.mutex = Mutex::create(f.name); },
                 [](Fixture& f) { return f.mutex.valid() && f.mutex.created() && free_for_another_thread(f.mutex); },
                 creation_quiet});
  all.push_back({"open a mutex",
                 "open mutex",
                 [](Fixture& f) { f.keeper_mutex = Mutex::create(f.name); },
                 [](Fixture& f, std::error_code& ec) { f.mutex = Mutex::open(f.name, ec); },
                 [](Fixture& f) { f.mutex = Mutex::open(f.name); },
                 [](Fixture& f) { return f.mutex.valid() && !f.mutex.created(); },
                 {}});
  all.push_back({"lock a free mutex",
                 "lock mutex",
                 [](Fixture& f) { f.mutex = Mutex::create(f.name); },
                 [](Fixture& f, std::error_code& ec) { f.result = f.mutex.lock(ec) == Locked::yes ? 1 : 0; },
                 [](Fixture& f) {
                   f.mutex.lock();
                   f.result = 1;
                 },
                 [](Fixture& f) { return f.result == 1; },
                 {},
                 [](Fixture& f) {
                   if (f.result == 1) f.mutex.unlock();
                 }});
  all.push_back({"try_lock_for a mutex that another thread holds, until the timeout",
                 "try_lock_for mutex",
                 [](Fixture& f) {
                   f.mutex = Mutex::create(f.name);
                   f.keeper_mutex = Mutex::open(f.name);
                   hold_in_helper(f);
                 },
                 [](Fixture& f, std::error_code& ec) {
                   f.result = f.mutex.try_lock_for(std::chrono::milliseconds(2), ec) == Locked::no ? 1 : 0;
                 },
                 [](Fixture& f) { f.result = f.mutex.try_lock_for(std::chrono::milliseconds(2)) ? 0 : 1; },
                 [](Fixture& f) { return f.result == 1; },
                 {},
                 [](Fixture& f) {
                   f.helper_result = 2;
                   f.helper.join();
                 }});
  all.push_back({"unlock a mutex",
                 "unlock mutex",
                 [](Fixture& f) {
                   f.mutex = Mutex::create(f.name);
                   f.mutex.lock();
                 },
                 [](Fixture& f, std::error_code& ec) {
                   f.mutex.unlock(ec);
                   f.result = ec ? 0 : 1;
                 },
                 [](Fixture& f) {
                   f.mutex.unlock();
                   f.result = 1;
                 },
                 [](Fixture& f) { return free_for_another_thread(f.mutex); },
                 {},
                 [](Fixture& f) {
                   if (f.result == 0) f.mutex.unlock();  // a failed unlock left it held by this thread
                 }});
#if !defined(_WIN32)  // Windows keeps the consistency in the section: no system call
  all.push_back({"mark a mutex consistent after its owner died",
                 "mark_consistent mutex",
                 [](Fixture& f) {
                   f.mutex = Mutex::create(f.name);
                   std::thread([&f] { f.mutex.lock(); }).join();  // ends holding it
                   std::error_code ec;
                   CHECK(f.mutex.lock(ec) == Locked::owner_died);
                 },
                 [](Fixture& f, std::error_code& ec) { f.mutex.mark_consistent(ec); },
                 [](Fixture& f) { f.mutex.mark_consistent(); },
                 [](Fixture& f) { return !f.mutex.owner_died(); },
                 {},
                 [](Fixture& f) { f.mutex.unlock(); }});
#endif
  all.push_back({"close a mutex that created its name", "close mutex",
                 [](Fixture& f) { f.mutex = Mutex::create(f.name); },
                 [](Fixture& f, std::error_code& ec) { f.mutex.close(ec); }, [](Fixture& f) { f.mutex.close(); },
                 [](Fixture& f) { return !f.mutex.valid(); }, close_quiet, [](Fixture&) {}, true});
  return all;
}

void sweep_all(const std::vector<Operation>& operations) {
  for (const Operation& operation : operations) sweep(operation);
}

}  // namespace

TEST_CASE("faults: every system call of every region operation", "[faults]") { sweep_all(region_operations()); }

TEST_CASE("faults: every system call of every event operation", "[faults]") { sweep_all(event_operations()); }

TEST_CASE("faults: every system call of every channel operation", "[faults]") { sweep_all(channel_operations()); }

TEST_CASE("faults: every system call of every mutex operation", "[faults]") { sweep_all(mutex_operations()); }

TEST_CASE("faults: every system call of every broadcast operation", "[faults]") { sweep_all(broadcast_operations()); }
