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
// - the same operation without a fault works right after each fault, and takes the same path:
//   every path is deterministic (a peer is held still, or acts at the one moment the path
//   allows), so every planned fault fires, and one that does not is a failure;
// - every NAMEDSHM_SYSTEM use in the backend's headers (read from the source) was made to fail
//   by some operation, except the few listed in out_of_reach with the reason.
// Each operation prints a line: its system calls, and what became of every fault; the backend
// a last line with the totals.
#include <namedshm/broadcast.hpp>
#include <namedshm/channel.hpp>
#include <namedshm/detail/broadcast_layout.hpp>  // waiting_offset: is a broadcast receiver asleep
#include <namedshm/detail/channel_layout.hpp>    // consumer_waiting_offset: is the receiver asleep
#include <namedshm/detail/mailbox_layout.hpp>    // claim words and offsets: a mailbox seen from outside
#include <namedshm/event.hpp>
#include <namedshm/mailbox.hpp>
#include <namedshm/mutex.hpp>
#include <namedshm/namedshm.hpp>

#include <atomic>        // std::atomic words read in a region
#include <chrono>        // the waits of the helper threads
#include <cstdint>       // std::uint32_t
#include <cstdio>        // std::printf, the summary lines
#include <cstring>       // std::strcmp, std::memcmp
#include <filesystem>    // the backend headers, whose seam uses the last check reads
#include <fstream>       // std::ifstream, the same
#include <functional>    // std::function, the operations' steps
#include <map>           // the summary's counts per call
#include <optional>      // std::optional, a received message
#include <regex>         // std::regex, a NAMEDSHM_SYSTEM use in a header
#include <set>           // the call sites where faults were made
#include <string>        // std::string
#include <system_error>  // std::error_code, std::system_error
#include <thread>        // the helper threads
#include <tuple>         // std::tie, the order of call sites
#include <utility>       // std::move
#include <vector>        // the operations

#include "../support/catch.hpp"
#include "../support/process.hpp"
#include "../support/sanitizers.hpp"
#include "../support/wait.hpp"
#include "system_calls.hpp"

#if defined(_WIN32)
#  include <windows.h>  // ERROR_* codes
#else
#  include <dirent.h>    // opendir, the names in /dev/shm
#  include <fcntl.h>     // O_* flags, for the orphan that make_orphan leaves
#  include <sys/mman.h>  // shm_open
#  include <sys/stat.h>  // S_ISVTX, the mark of a managed name
#  include <unistd.h>    // ftruncate, close

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
using namedshm::Mailbox;
using namedshm::MailboxOptions;
using namedshm::MailboxSender;
using namedshm::MailboxSenderOptions;
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
#if !defined(_WIN32)
    if (raw_fd >= 0) {
      close(raw_fd);
      shm_unlink(("/" + name).c_str());
    }
    if (old_umask >= 0) umask(static_cast<mode_t>(old_umask));
#endif
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
  Mailbox box;
  MailboxSender poster;
  Mutex mutex;
  SharedRegion watch;                 ///< a view of the object, to see whether a waiter sleeps
  std::atomic<int> result{0};         ///< what the operation found: 1 as it should be
  std::atomic<int> helper_result{0};  ///< what the helper thread found: 1 as it should be
  std::thread helper;                 ///< a waiter or a peer
  int raw_fd = -1;                    ///< POSIX: an object made with the OS's calls, removed at the end
  int old_umask = -1;                 ///< POSIX: the umask to restore, if the setup changed it
};

/// A call that an operation may survive: its name and which of its calls (0: any).
struct Quiet {
  const char* call;
  int occurrence;
};

/// A failure of the `occurrence`th call to `call` with `error` that an operation reports as
/// `reported` instead.
struct Translated {
  const char* call;
  int occurrence;
  int error;
  std::errc reported;
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
  /// Failures that the operation reports as another error, on purpose.
  std::vector<Translated> translated = {};
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

/// True if `ec` is what `operation` must report when the `occurrence`th call to `call` fails
/// with `error`: that error, exactly, unless the operation translates it.
bool is_reported_error(const std::error_code& ec, const Operation& operation, const std::string& call, int occurrence,
                       int error) {
  for (const Translated& translated : operation.translated) {
    if (call == translated.call && occurrence == translated.occurrence && error == translated.error) {
      return ec == translated.reported;
    }
  }
  return ec == std::error_code(error, std::system_category());
}

/// A call site of the seam: the backend header's file name and the line of its NAMEDSHM_SYSTEM use.
struct Site {
  std::string file;
  int line = 0;
  bool operator<(const Site& other) const { return std::tie(file, line) < std::tie(other.file, other.line); }
};

std::string base_name(const std::string& path) { return path.substr(path.find_last_of("/\\") + 1); }

/// What the sweep of one backend found, summed over its operations.
struct Totals {
  int operations = 0;
  int calls = 0;
  int faults = 0;
  int did_not_fire = 0;
  std::set<Site> injected;  ///< the call sites where a fault was made
};

Totals& totals() {
  static Totals sum;
  return sum;
}

/// What the summary line says of one operation.
struct Tally {
  int faults = 0;
  int reported = 0;
  int retried = 0;
  int survived = 0;
  int did_not_fire = 0;
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
    if (happened) totals().injected.insert({base_name(faults::call_file(nth)), faults::call_line(nth)});
    faults::reset();
    succeeded = !ec && operation.succeeded(fixture);
    operation.finish(fixture);
  }
  INFO(operation.title << ": call " << nth << " (" << (call.empty() ? "none" : call) << " #" << occurrence
                       << ") failing with " << std::system_category().message(error) << " (" << error << ")");
  ++tally.faults;
  if (call.empty()) {
    // The path was shorter this time. Every operation's path is deterministic (a peer is held
    // still where it matters), so this is a failure, counted apart as well.
    ++tally.did_not_fire;
    FAIL_CHECK("the planned fault did not fire");
  } else if (ec) {
    ++tally.reported;
    CHECK(is_reported_error(ec, operation, call, occurrence, error));
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

/// Every fault along the operation's path, each followed by the same operation without a fault,
/// which must work and take the same path (so the path is deterministic, and every planned
/// fault fires).
void sweep(const Operation& operation) {
  const std::vector<std::string> path = clean_run(operation);  // also the warm-up of what it uses
  REQUIRE_FALSE(path.empty());
  Tally tally;
  for (int nth = 1; nth <= static_cast<int>(path.size()); ++nth) {
    for (const int error : errors_of(path[static_cast<std::size_t>(nth) - 1])) {
      const std::error_code reported = run_with_error_code(operation, nth, error, tally);
      run_throwing(operation, nth, error, reported);
      INFO(operation.title << ": the run after call " << nth << " failed with " << error);
      CHECK(clean_run(operation) == path);
    }
  }
  std::string calls;
  for (const std::string& call : path) calls += (calls.empty() ? "" : " ") + call;
  std::printf("faults: %s: %zu calls (%s); %d faults: %d reported, %d retried, %d survived, %d did not fire\n",
              operation.title, path.size(), calls.c_str(), tally.faults, tally.reported, tally.retried, tally.survived,
              tally.did_not_fire);
  Totals& sum = totals();
  ++sum.operations;
  sum.calls += static_cast<int>(path.size());
  sum.faults += tally.faults;
  sum.did_not_fire += tally.did_not_fire;
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

/// A raw shared-memory object of namedshm's kind (marked with the sticky bit), made with the OS's
/// calls so that the setup decides what state it is in; the fixture closes and removes it.
int make_managed_object(Fixture& f, off_t size) {
  f.raw_fd = shm_open(("/" + f.name).c_str(), O_RDWR | O_CREAT | O_EXCL, 0600 | S_ISVTX);
  REQUIRE(f.raw_fd >= 0);
  if (size > 0) REQUIRE(ftruncate(f.raw_fd, size) == 0);
  return f.raw_fd;
}

/// Makes `name` what a managed region is once every user of it died: marked, sized, and held
/// by nobody.
void make_orphan(Fixture& f) {
  make_managed_object(f, region_size);
  close(std::exchange(f.raw_fd, -1));
}

/// The object that an unsized-object operation's hook gives its size to.
int unsized_fd = -1;
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

#if !defined(_WIN32)
/// Waits until the 32-bit word at `offset` of `view` is not 0: a peer has announced that it
/// sleeps. Bounded, never a condition for passing.
void wait_for_sleeper(const SharedRegion& view, std::size_t offset) {
  const auto& word = view.object<std::atomic<std::uint32_t>>(offset);
  CHECK(namedshm_test::wait_until([&] { return word.load() != 0; }));
}
#endif

void sweep_all(const std::vector<Operation>& operations) {
  for (const Operation& operation : operations) sweep(operation);
}

/// The call on which an operation's thread goes to sleep in the kernel: a peer held still
/// until then acts in a hook run just before it (faults::before_call), so that the sleeper
/// finds its condition already met, and the path is the same every time. When that call is
/// the one planned to fail, the peer stays still, so that the failure is what the sleeper
/// meets (else it would find its condition met and rightly go on); it acts in `finish`.
#if defined(_WIN32)
constexpr const char* sleeping_call = "WaitForSingleObject";
#else
constexpr const char* sleeping_call = "futex";
#endif

/// The fixture whose helper thread a hook must wake; one operation runs at a time.
std::atomic<Fixture*> woken_fixture{nullptr};

/// Starts `f.helper` running `act` once this thread is about to sleep (see sleeping_call), and
/// makes the hook wait until `act` has run.
void act_when_asleep(Fixture& f, void (*act)(Fixture&)) {
  woken_fixture = &f;
  f.helper = std::thread([&f, act] {
    namedshm_test::wait_until([&] { return f.helper_result.load() == 1; });
    act(f);
    f.helper_result = 2;
  });
  faults::before_call(sleeping_call, [] {
    if (faults::next_call_fails()) return;
    Fixture& fixture = *woken_fixture.load();
    fixture.helper_result = 1;
    namedshm_test::wait_until([&] { return fixture.helper_result.load() == 2; });
  });
}

/// Ends what act_when_asleep started when the operation never went to sleep (it failed
/// before): the hook is disarmed and the helper acts now.
void stop_acting(Fixture& f) {
  faults::before_call(nullptr, nullptr);
  int expected = 0;
  f.helper_result.compare_exchange_strong(expected, 1);
  f.helper.join();
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
#else
  all.push_back({"create a region with a mode that the umask narrows", "create",
                 [](Fixture& f) { f.old_umask = static_cast<int>(umask(077)); },
                 [](Fixture& f, std::error_code& ec) {
                   CreateOptions options;
                   options.security.permissions = 0640;
                   f.region = SharedRegion::create(f.name, region_size, options, ec);
                 },
                 [](Fixture& f) {
                   CreateOptions options;
                   options.security.permissions = 0640;
                   f.region = SharedRegion::create(f.name, region_size, options);
                 },
                 [](Fixture& f) {
                   struct stat info {};
                   return region_ok(f.region) && fstat(f.region.native_handle(), &info) == 0 &&
                          (info.st_mode & 0777) == 0640;
                 },
                 creation_quiet});
#endif
  all.push_back({"open a region",
                 "open",
                 [](Fixture& f) { f.keeper = SharedRegion::create(f.name, region_size); },
                 [](Fixture& f, std::error_code& ec) { f.region = SharedRegion::open(f.name, ec); },
                 [](Fixture& f) { f.region = SharedRegion::open(f.name); },
                 [](Fixture& f) { return region_ok(f.region) && !f.region.created(); },
                 {}});
  all.push_back({"open a region read-only",
                 "open read-only",
                 [](Fixture& f) { f.keeper = SharedRegion::create(f.name, region_size); },
                 [](Fixture& f, std::error_code& ec) { f.reader = ReadOnlyRegion::open(f.name, ec); },
                 [](Fixture& f) { f.reader = ReadOnlyRegion::open(f.name); },
                 [](Fixture& f) { return f.reader.valid() && f.reader.size() >= region_size; },
                 {}});
#if !defined(_WIN32)
  all.push_back({"open a region that another program made",
                 "open",
                 [](Fixture& f) {
                   f.raw_fd = shm_open(("/" + f.name).c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);  // no mark
                   REQUIRE(f.raw_fd >= 0);
                   REQUIRE(ftruncate(f.raw_fd, region_size) == 0);
                 },
                 [](Fixture& f, std::error_code& ec) { f.region = SharedRegion::open(f.name, ec); },
                 [](Fixture& f) { f.region = SharedRegion::open(f.name); },
                 [](Fixture& f) { return region_ok(f.region) && !f.region.created(); },
                 {}});
  all.push_back({"open a region whose creator has not given it a size yet",
                 "open",
                 [](Fixture& f) {
                   // A creator held still after its lock: the object is held, and has no size
                   // until the opener has looked once and waits (its second fstat).
                   unsized_fd = make_managed_object(f, 0);
                   REQUIRE(::flock(unsized_fd, LOCK_SH) == 0);
                   faults::before_call("fstat", [] {
                     faults::before_call("fstat", [] { static_cast<void>(::ftruncate(unsized_fd, region_size)); });
                   });
                 },
                 [](Fixture& f, std::error_code& ec) { f.region = SharedRegion::open(f.name, ec); },
                 [](Fixture& f) { f.region = SharedRegion::open(f.name); },
                 [](Fixture& f) { return region_ok(f.region) && !f.region.created(); },
                 {},
                 [](Fixture&) { faults::before_call(nullptr, nullptr); }});
#endif
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
  all.push_back({"close the last handle of a region, an opener", "close",
                 [](Fixture& f) {
                   f.keeper = SharedRegion::create(f.name, region_size);
                   f.region = SharedRegion::open(f.name);
                   f.keeper.close();
                 },
                 [](Fixture& f, std::error_code& ec) { f.region.close(ec); }, [](Fixture& f) { f.region.close(); },
                 [](Fixture& f) { return !f.region.valid() && !namedshm_test::name_exists(f.name); }, close_quiet,
                 [](Fixture&) {}, true});
#if !defined(_WIN32)  // Windows has no object without a live handle, and no remove: no such paths
  all.push_back({"close the last handle of a region whose name now names another object",
                 "close",
                 [](Fixture& f) {
                   f.region = SharedRegion::create(f.name, region_size);
                   REQUIRE(SharedRegion::remove(f.name));
                   f.keeper = SharedRegion::create(f.name, region_size);
                   f.keeper.object<int>() = 2;
                 },
                 [](Fixture& f, std::error_code& ec) { f.region.close(ec); },
                 [](Fixture& f) { f.region.close(); },
                 // The other object keeps its name.
                 [](Fixture& f) { return !f.region.valid() && ReadOnlyRegion::open(f.name).object<int>() == 2; },
                 // The quick look, which does not match, and the descriptor of the portable probe,
                 // closed after it answered.
                 {{"stat", 0}, {"close", 1}}});
  // The quick look at the name (the probe answers then), and the descriptor that looked at
  // the dead object, closed after its removal.
  std::vector<Quiet> over_orphan_quiet = creation_quiet;
  over_orphan_quiet.push_back({"stat", 0});
  over_orphan_quiet.push_back({"close", 0});
  all.push_back({"create a region over one whose users all died",
                 "create",
                 [](Fixture& f) { make_orphan(f); },
                 [](Fixture& f, std::error_code& ec) { f.region = SharedRegion::create(f.name, region_size, ec); },
                 [](Fixture& f) { f.region = SharedRegion::create(f.name, region_size); },
                 [](Fixture& f) { return region_ok(f.region) && f.region.created(); },
                 over_orphan_quiet,
                 [](Fixture&) {},
                 true,
                 // An object that this process may not open is someone else's: the name is taken.
                 {{"shm_open", 2, EACCES, std::errc::file_exists}}});
  all.push_back(
      {"open_or_create a region over one whose users all died", "open_or_create", [](Fixture& f) { make_orphan(f); },
       [](Fixture& f, std::error_code& ec) { f.region = SharedRegion::open_or_create(f.name, region_size, ec); },
       [](Fixture& f) { f.region = SharedRegion::open_or_create(f.name, region_size); },
       [](Fixture& f) { return region_ok(f.region) && f.region.created(); }, over_orphan_quiet, [](Fixture&) {}, true});
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
  all.push_back({"open_or_create an existing event",
                 "open_or_create event",
                 [](Fixture& f) { f.keeper_event = Event::create(f.name); },
                 [](Fixture& f, std::error_code& ec) { f.event = Event::open_or_create(f.name, ec); },
                 [](Fixture& f) { f.event = Event::open_or_create(f.name); },
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
#else  // Windows removes a name with its last handle: no system call
  all.push_back({"remove a kept event name",
                 "remove event",
                 [](Fixture& f) {
                   namedshm::EventOptions kept;
                   kept.keep_name = true;
                   Event::create(f.name, kept).close();
                 },
                 [](Fixture& f, std::error_code& ec) { f.result = Event::remove(f.name, ec) ? 1 : 0; },
                 [](Fixture& f) { f.result = Event::remove(f.name) ? 1 : 0; },
                 [](Fixture& f) { return f.result == 1 && !namedshm_test::name_exists(f.name); },
                 {},
                 [](Fixture&) {},
                 true});
#endif
  all.push_back({"close an event that created its name", "close event",
                 [](Fixture& f) { f.event = Event::create(f.name); },
                 [](Fixture& f, std::error_code& ec) { f.event.close(ec); }, [](Fixture& f) { f.event.close(); },
                 [](Fixture& f) { return !f.event.valid(); }, close_quiet, [](Fixture&) {}, true});
  return all;
}

/// The channel's message, in every channel operation.
constexpr char text[] = "a message";

bool is_text(const std::optional<ChannelReceiver::Message>& message) {
  return message && message->size() == sizeof text && std::memcmp(message->data(), text, sizeof text) == 0;
}

/// Fills the ring until a message no longer fits.
void fill(ChannelSender& sender) {
  const std::vector<char> message(sender.max_message_size(), 'x');
  while (sender.try_send(message.data(), message.size())) {
  }
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
  all.push_back({"send to a receiver that sleeps",
                 "send on channel",
                 [](Fixture& f) {
                   f.sender = ChannelSender::create(f.name, channel_size);
                   f.receiver = ChannelReceiver::open(f.name, blocking());
                   // A receiver held still in its sleep: announced, as its wait does before it
                   // sleeps (POSIX: with the event's waiter count too), but never woken early.
                   f.watch = SharedRegion::open(f.name);
                   f.watch.object<std::atomic<std::uint32_t>>(namedshm::detail::channel::consumer_waiting_offset) = 1;
#if !defined(_WIN32)
                   f.keeper = SharedRegion::open(f.name + ".ready");
                   f.keeper.object<std::atomic<std::uint32_t>>(offsetof(namedshm::detail::os::EventState, waiters)) = 1;
#endif
                 },
                 [](Fixture& f, std::error_code& ec) { f.result = f.sender.send(text, sizeof text, ec) ? 1 : 0; },
                 [](Fixture& f) { f.result = f.sender.send(text, sizeof text) ? 1 : 0; },
                 [](Fixture& f) { return f.result == 1 && is_text(f.receiver.try_receive()); },
                 // The wake-up: a sleeper that is not woken looks again within 50 ms by itself.
                 {{"futex", 0}, {"SetEvent", 0}}});
  all.push_back({"send that waits for room in a full ring",
                 "send on channel",
                 [](Fixture& f) {
                   f.sender = ChannelSender::create(f.name, channel_size, blocking());
                   f.receiver = ChannelReceiver::open(f.name);
                   fill(f.sender);
                   act_when_asleep(f, [](Fixture& fixture) {
                     static_cast<void>(fixture.receiver.receive());
                     fixture.receiver.release();  // room, and the wake-up
                   });
                 },
                 [](Fixture& f, std::error_code& ec) { f.result = f.sender.send(text, sizeof text, ec) ? 1 : 0; },
                 [](Fixture& f) { f.result = f.sender.send(text, sizeof text) ? 1 : 0; },
                 [](Fixture& f) { return f.result == 1; },
                 {},
                 [](Fixture& f) { stop_acting(f); }});
  all.push_back({"receive that waits for a message in an empty ring",
                 "receive on channel",
                 [](Fixture& f) {
                   f.sender = ChannelSender::create(f.name, channel_size);
                   f.receiver = ChannelReceiver::open(f.name, blocking());
                   act_when_asleep(f, [](Fixture& fixture) {
                     static_cast<void>(fixture.sender.send(text, sizeof text));  // the message, and the wake-up
                   });
                 },
                 [](Fixture& f, std::error_code& ec) { f.result = is_text(f.receiver.receive(ec)) ? 1 : 0; },
                 [](Fixture& f) { f.result = is_text(f.receiver.receive()) ? 1 : 0; },
                 [](Fixture& f) { return f.result == 1; },
                 {},
                 [](Fixture& f) { stop_acting(f); }});
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
  all.push_back({"send to a broadcast receiver that sleeps",
                 "send on broadcast",
                 [](Fixture& f) {
                   f.broadcaster = BroadcastSender::create(f.name, broadcast_size, small_broadcast());
                   f.listener = BroadcastReceiver::open(f.name, blocking_listener());
                   // The receiver (slot 1) held still in its sleep: announced by hand, as its
                   // wait does before it sleeps, and never woken early.
                   f.watch = SharedRegion::open(f.name);
                   namespace layout = namedshm::detail::broadcast;
                   f.watch.object<std::atomic<std::uint32_t>>(layout::waiting_offset(1)) = 1;
                   f.watch.object<std::atomic<std::uint64_t>>(layout::sleepers_offset) |= std::uint64_t{1} << 1U;
                 },
                 [](Fixture& f, std::error_code& ec) { f.result = f.broadcaster.send(text, sizeof text, ec) ? 1 : 0; },
                 [](Fixture& f) { f.result = f.broadcaster.send(text, sizeof text) ? 1 : 0; },
                 [](Fixture& f) {
                   const auto message = f.listener.try_receive();
                   return f.result == 1 && message && message->size() == sizeof text &&
                          std::memcmp(message->data(), text, sizeof text) == 0;
                 },
                 // The wake-up: a sleeper that is not woken looks again within 50 ms by itself.
                 {{"futex", 0}, {"SetEvent", 0}}});
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

constexpr std::size_t mailbox_size = 4096;

/// Two sender slots (on Windows, three events: the receiver's and two), block on waits.
MailboxOptions small_mailbox() {
  MailboxOptions options;
  options.max_senders = 2;
  options.wait = WaitPolicy::block;
  return options;
}

MailboxSenderOptions blocking_poster() {
  MailboxSenderOptions options;
  options.wait = WaitPolicy::block;
  return options;
}

/// A mailbox with one sender, both blocking.
void make_mailbox(Fixture& f) {
  f.box = Mailbox::create(f.name, mailbox_size, small_mailbox());
  f.poster = MailboxSender::open(f.name, blocking_poster());
}

/// Fills the mailbox's ring until a message no longer fits.
void fill(MailboxSender& sender) {
  while (sender.try_send(text, sizeof text)) {
  }
}

std::vector<Operation> mailbox_operations() {
  namespace layout = namedshm::detail::mailbox;
  std::vector<Operation> all;
  all.push_back(
      {"create a mailbox", "create mailbox", [](Fixture&) {},
       [](Fixture& f, std::error_code& ec) { f.box = Mailbox::create(f.name, mailbox_size, small_mailbox(), ec); },
       [](Fixture& f) { f.box = Mailbox::create(f.name, mailbox_size, small_mailbox()); },
       [](Fixture& f) { return f.box.valid() && f.box.max_senders() == 2; }, creation_quiet});
  all.push_back({"open a mailbox sender",
                 "open mailbox sender",
                 [](Fixture& f) { f.box = Mailbox::create(f.name, mailbox_size, small_mailbox()); },
                 [](Fixture& f, std::error_code& ec) { f.poster = MailboxSender::open(f.name, ec); },
                 [](Fixture& f) { f.poster = MailboxSender::open(f.name); },
                 [](Fixture& f) { return f.poster.valid() && f.box.senders() == 1; },
                 {}});
  all.push_back({"send to a mailbox whose receiver sleeps",
                 "send on mailbox",
                 [](Fixture& f) {
                   make_mailbox(f);
                   // The receiver (slot 0) held still in its sleep: announced by hand, as its
                   // wait does before it sleeps, and never woken early.
                   f.watch = SharedRegion::open(f.name);
                   f.watch.object<std::atomic<std::uint32_t>>(layout::waiting_offset(0)) = 1;
                 },
                 [](Fixture& f, std::error_code& ec) { f.result = f.poster.send(text, sizeof text, ec) ? 1 : 0; },
                 [](Fixture& f) { f.result = f.poster.send(text, sizeof text) ? 1 : 0; },
                 [](Fixture& f) { return f.result == 1 && is_text(f.box.try_receive()); },
                 // The wake-up: a sleeper that is not woken looks again within 50 ms by itself.
                 {{"futex", 0}, {"SetEvent", 0}}});
  all.push_back({"send that waits for room in a full mailbox",
                 "send on mailbox",
                 [](Fixture& f) {
                   make_mailbox(f);
                   fill(f.poster);
                   act_when_asleep(f, [](Fixture& fixture) {
                     static_cast<void>(fixture.box.receive());
                     fixture.box.release();  // room, and the wake-up
                   });
                 },
                 [](Fixture& f, std::error_code& ec) { f.result = f.poster.send(text, sizeof text, ec) ? 1 : 0; },
                 [](Fixture& f) { f.result = f.poster.send(text, sizeof text) ? 1 : 0; },
                 [](Fixture& f) { return f.result == 1; },
                 {},
                 [](Fixture& f) { stop_acting(f); }});
  all.push_back(
      {"send_for while the mailbox is full, until the timeout", "send_for on mailbox",
       [](Fixture& f) {
         make_mailbox(f);
         fill(f.poster);
       },
       [](Fixture& f, std::error_code& ec) {
         f.result = f.poster.send_for(text, sizeof text, std::chrono::milliseconds(2), ec) ? 0 : 1;
       },
       [](Fixture& f) { f.result = f.poster.send_for(text, sizeof text, std::chrono::milliseconds(2)) ? 0 : 1; },
       [](Fixture& f) { return f.result == 1 && f.poster.state() == namedshm::ChannelState::open; }, probe_quiet});
  all.push_back({"receive that waits for a message in an empty mailbox",
                 "receive on mailbox",
                 [](Fixture& f) {
                   make_mailbox(f);
                   act_when_asleep(f, [](Fixture& fixture) {
                     static_cast<void>(fixture.poster.send(text, sizeof text));  // the message, and the wake-up
                   });
                 },
                 [](Fixture& f, std::error_code& ec) { f.result = is_text(f.box.receive(ec)) ? 1 : 0; },
                 [](Fixture& f) { f.result = is_text(f.box.receive()) ? 1 : 0; },
                 [](Fixture& f) { return f.result == 1; },
                 {},
                 [](Fixture& f) { stop_acting(f); }});
  all.push_back(
      {"receive with a timeout while a live sender's claim holds the head", "receive_for on mailbox",
       [](Fixture& f) {
         make_mailbox(f);
         static_cast<void>(f.poster.prepare(10));  // claimed, never committed
       },
       [](Fixture& f, std::error_code& ec) { f.result = f.box.receive_for(std::chrono::milliseconds(2), ec) ? 0 : 1; },
       [](Fixture& f) { f.result = f.box.receive_for(std::chrono::milliseconds(2)) ? 0 : 1; },
       [](Fixture& f) { return f.result == 1 && f.box.abandoned() == 0; },
       // The look at whether the claimant lives: what cannot be asked proves no death.
       probe_quiet});
  all.push_back({"receive past the claim of a sender whose slot another took since",
                 "receive on mailbox",
                 [](Fixture& f) {
                   make_mailbox(f);
                   // A claim of slot 2 in a generation it no longer has, at the head, and the tail after
                   // it: what a sender that died mid-message leaves once another sender took its slot.
                   f.watch = SharedRegion::open(f.name);
                   const auto& header = f.watch.object<layout::Header>(0);
                   f.watch.object<std::atomic<std::uint64_t>>(static_cast<std::size_t>(header.claims_offset)) =
                       layout::pending_word(1, 2, 7);
                   f.watch.object<std::atomic<std::uint64_t>>(layout::line) = layout::granule;  // `tail`
                   REQUIRE(f.poster.send(text, sizeof text));
                 },
                 [](Fixture& f, std::error_code& ec) { f.result = is_text(f.box.receive(ec)) ? 1 : 0; },
                 [](Fixture& f) { f.result = is_text(f.box.receive()) ? 1 : 0; },
                 [](Fixture& f) { return f.result == 1 && f.box.abandoned() == 1; },
                 {}});
  all.push_back({"ask whether the receiver lives",
                 "check_receiver on mailbox",
                 make_mailbox,
                 [](Fixture& f, std::error_code&) {
                   f.result = f.poster.check_receiver() == namedshm::ChannelState::open ? 1 : 0;
                 },
                 [](Fixture& f) { f.result = f.poster.check_receiver() == namedshm::ChannelState::open ? 1 : 0; },
                 [](Fixture& f) { return f.result == 1; },
                 // What cannot be asked proves no death (on Windows the one wait is the process's).
                 {{"fcntl_lock", 0}, {"OpenProcess", 0}, {"GetProcessTimes", 0}, {"WaitForSingleObject", 0}}});
  all.push_back({"close a mailbox sender", "close mailbox sender", make_mailbox,
                 [](Fixture& f, std::error_code& ec) { f.poster.close(ec); }, [](Fixture& f) { f.poster.close(); },
                 [](Fixture& f) { return !f.poster.valid() && f.box.senders() == 0; }, close_quiet});
  all.push_back({"close a mailbox that created its name", "close mailbox",
                 [](Fixture& f) { f.box = Mailbox::create(f.name, mailbox_size, small_mailbox()); },
                 [](Fixture& f, std::error_code& ec) { f.box.close(ec); }, [](Fixture& f) { f.box.close(); },
                 [](Fixture& f) { return !f.box.valid() && !namedshm_test::name_exists(f.name); }, close_quiet,
                 [](Fixture&) {}, true});
#if !defined(_WIN32)
  all.push_back({"remove_if_stale a crashed mailbox's name",
                 "remove_if_stale mailbox",
                 [](Fixture& f) { make_stale(f.name); },
                 [](Fixture& f, std::error_code& ec) { f.result = Mailbox::remove_if_stale(f.name, ec) ? 1 : 0; },
                 [](Fixture& f) { f.result = Mailbox::remove_if_stale(f.name) ? 1 : 0; },
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
  all.push_back({"open_or_create an existing mutex",
                 "open_or_create mutex",
                 [](Fixture& f) { f.keeper_mutex = Mutex::create(f.name); },
                 [](Fixture& f, std::error_code& ec) { f.mutex = Mutex::open_or_create(f.name, ec); },
                 [](Fixture& f) { f.mutex = Mutex::open_or_create(f.name); },
                 [](Fixture& f) { return f.mutex.valid() && !f.mutex.created(); },
                 {}});
  all.push_back({"open_or_create a new mutex", "open_or_create mutex", [](Fixture&) {},
                 [](Fixture& f, std::error_code& ec) { f.mutex = Mutex::open_or_create(f.name, ec); },
                 [](Fixture& f) { f.mutex = Mutex::open_or_create(f.name); },
                 [](Fixture& f) { return f.mutex.valid() && f.mutex.created() && free_for_another_thread(f.mutex); },
                 creation_quiet});
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
  // Under TSan the relock is reported as the misuse it is (and fails the run): not there.
  if (!namedshm_test::thread_sanitizer) {
    all.push_back({"lock a mutex that this thread holds",
                   "lock mutex",
                   [](Fixture& f) {
                     f.mutex = Mutex::create(f.name);
                     f.mutex.lock();
                   },
                   [](Fixture& f, std::error_code& ec) {
                     std::error_code relocked;
                     static_cast<void>(f.mutex.lock(relocked));
                     if (relocked == std::errc::resource_deadlock_would_occur) {
                       f.result = 1;
                     } else {
                       ec = relocked;
                     }
                   },
                   [](Fixture& f) {
                     try {
                       f.mutex.lock();
                     } catch (const std::system_error& error) {
                       if (error.code() != std::errc::resource_deadlock_would_occur) throw;
                       f.result = 1;
                     }
                   },
                   // Refused, and still held exactly once: one unlock frees it.
                   [](Fixture& f) {
                     f.mutex.unlock();
                     return f.result == 1 && free_for_another_thread(f.mutex);
                   },
                   {},
                   [](Fixture& f) {
                     std::error_code ignored;
                     if (f.mutex.valid()) f.mutex.unlock(ignored);  // when the check above did not
                   }});
  }
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
  all.push_back({"lock a mutex whose owner died",
                 "lock mutex",
                 [](Fixture& f) {
                   f.mutex = Mutex::create(f.name);
                   std::thread([&f] { f.mutex.lock(); }).join();  // ends holding it
                 },
                 [](Fixture& f, std::error_code& ec) { f.result = f.mutex.lock(ec) == Locked::owner_died ? 1 : 0; },
                 [](Fixture& f) {
                   f.mutex.lock();
                   f.result = f.mutex.owner_died() ? 1 : 0;
                 },
                 [](Fixture& f) { return f.result == 1; },
                 {},
                 [](Fixture& f) {
                   if (f.result == 1) f.mutex.unlock();
                 }});
  all.push_back({"close a mutex that this thread holds",
                 "close mutex",
                 [](Fixture& f) {
                   f.keeper_mutex = Mutex::create(f.name);
                   f.mutex = Mutex::open(f.name);
                   f.mutex.lock();
                 },
                 [](Fixture& f, std::error_code& ec) { f.mutex.close(ec); },
                 [](Fixture& f) { f.mutex.close(); },
                 // Given up abandoned: another thread gets it, and is told.
                 [](Fixture& f) {
                   Locked found = Locked::no;
                   std::thread([&] {
                     std::error_code ec;
                     found = f.keeper_mutex.try_lock(ec);
                     if (found != Locked::no) f.keeper_mutex.unlock();
                   }).join();
                   return !f.mutex.valid() && found == Locked::owner_died;
                 },
                 {}});
#if !defined(_WIN32)  // Windows removes a name with its last handle: no system call
  all.push_back({"remove a kept mutex name",
                 "remove mutex",
                 [](Fixture& f) {
                   namedshm::MutexOptions kept;
                   kept.keep_name = true;
                   Mutex::create(f.name, kept).close();
                 },
                 [](Fixture& f, std::error_code& ec) { f.result = Mutex::remove(f.name, ec) ? 1 : 0; },
                 [](Fixture& f) { f.result = Mutex::remove(f.name) ? 1 : 0; },
                 [](Fixture& f) { return f.result == 1 && !namedshm_test::name_exists(f.name); },
                 {},
                 [](Fixture&) {},
                 true});
#endif
  all.push_back({"close a mutex that created its name", "close mutex",
                 [](Fixture& f) { f.mutex = Mutex::create(f.name); },
                 [](Fixture& f, std::error_code& ec) { f.mutex.close(ec); }, [](Fixture& f) { f.mutex.close(); },
                 [](Fixture& f) { return !f.mutex.valid(); }, close_quiet, [](Fixture&) {}, true});
  return all;
}

// --- every call site of the seam ---------------------------------------------------------------

/// A NAMEDSHM_SYSTEM use that no operation of this build makes, and why: the lines of `file`
/// that call `function` and contain `text`.
struct OutOfReach {
  const char* file;
  const char* function;
  const char* text;
  const char* why;
};

const std::vector<OutOfReach> out_of_reach = {
#if !defined(_WIN32)
    {"posix.hpp", "flock", "LOCK_UN",
     "the wait for the creator of an object without a size (claim_existing): a loop of up to creator_wait "
     "(1 s) in 1 ms steps, too long a path to sweep; tests/faults/half_created.cpp stops a creator there "
     "and checks both of its outcomes"},
#  if NAMEDSHM_DETAIL_HAS_CLOCKLOCK
    {"mutex_posix.hpp", "pthread_mutex_timedlock", "", "not compiled in this build (the TSan build uses it)"},
#  else
    {"mutex_posix.hpp", "pthread_mutex_clocklock", "", "not compiled in this build (it has no clocklock)"},
#  endif
#endif
};

/// Every NAMEDSHM_SYSTEM use in this platform's backend headers (a backend of the other
/// platform is not compiled here), read from the source: file, line, function, and the line.
struct SeamUse {
  Site site;
  std::string function;
  std::string text;
};

std::vector<SeamUse> seam_uses() {
  std::vector<SeamUse> uses;
  const std::regex use(R"(NAMEDSHM_SYSTEM\((\w+)\))");
  const std::string other_platform = NAMEDSHM_WINDOWS ? "posix" : "win32";
  for (const auto& entry : std::filesystem::directory_iterator(NAMEDSHM_FAULTS_DETAIL_DIR)) {
    const std::string file = entry.path().filename().string();
    if (entry.path().extension() != ".hpp" || file == "system.hpp" || file.find(other_platform) != std::string::npos) {
      continue;
    }
    std::ifstream source(entry.path());
    std::string line;
    for (int number = 1; std::getline(source, line); ++number) {
      std::smatch found;
      const auto first = line.find_first_not_of(' ');
      const bool comment = first != std::string::npos && (line.compare(first, 2, "//") == 0 || line[first] == '*');
      if (!comment && std::regex_search(line, found, use)) uses.push_back({{file, number}, found[1].str(), line});
    }
  }
  return uses;
}

/// Why `use` is out of reach, or null.
const char* out_of_reach_why(const SeamUse& use) {
  for (const OutOfReach& out : out_of_reach) {
    if (use.site.file == out.file && use.function == out.function && use.text.find(out.text) != std::string::npos) {
      return out.why;
    }
  }
  return nullptr;
}

/// Fails for every NAMEDSHM_SYSTEM use of the backend where no operation made a fault, unless
/// it is out of reach (listed above, with the reason), and prints the backend's totals.
void check_every_use_injected(const char* backend) {
  const std::vector<SeamUse> uses = seam_uses();
  REQUIRE_FALSE(uses.empty());
  int injected = 0;
  std::string out;
  for (const SeamUse& use : uses) {
    const bool made = totals().injected.count(use.site) != 0;
    const char* why = out_of_reach_why(use);
    injected += made ? 1 : 0;
    if (why != nullptr && !made) {
      out += "; " + use.site.file + ":" + std::to_string(use.site.line) + " " + use.function + ": " + why;
      continue;
    }
    INFO(use.site.file << ":" << use.site.line << " " << use.function << ": " << use.text);
    CHECK(made);
  }
  const Totals& sum = totals();
  std::printf(
      "faults: %s: %d operations, %d calls, %d faults, %d did not fire; %zu call sites of the seam, %d "
      "injected%s\n",
      backend, sum.operations, sum.calls, sum.faults, sum.did_not_fire, uses.size(), injected,
      out.empty() ? "" : (", out of reach" + out).c_str());
}

}  // namespace

TEST_CASE("faults: every system call of every operation fails in turn, at every call site of the seam", "[faults]") {
  sweep_all(region_operations());
  sweep_all(event_operations());
  sweep_all(channel_operations());
  sweep_all(mutex_operations());
  sweep_all(broadcast_operations());
  sweep_all(mailbox_operations());
  check_every_use_injected(NAMEDSHM_WINDOWS ? "the Win32 backend" : "the POSIX backend");
}
