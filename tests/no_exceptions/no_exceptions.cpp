// Built with exceptions disabled (-fno-exceptions; /EHs-c- and _HAS_EXCEPTIONS=0 with MSVC), as
// many Windows applications and games are: every public header compiles, the std::error_code&
// overloads work unchanged, and a throwing overload that fails calls NAMEDSHM_THROW_HANDLER and
// ends the process. Catch2 needs exceptions (or a build of its own without them), so this
// program checks with its own small harness and ends with "N checks, N failed".
//
// Built twice (tests/no_exceptions/CMakeLists.txt): as namedshm_no_exceptions with the default
// handler, and as namedshm_no_exceptions_handler with NAMEDSHM_TEST_OWN_HANDLER, which installs
// a handler of its own below.
#if defined(NAMEDSHM_TEST_OWN_HANDLER)
#  include <system_error>  // std::error_code, what the handler receives
namespace {
/// What the test's handler does after reporting: end the process with 42, or return (and the
/// library must then terminate the process itself).
bool handler_returns = false;

void own_handler(const std::error_code& code, const char* what) noexcept;
}  // namespace
// The shape the README shows: the handler takes the error's code() and what().
#  define NAMEDSHM_THROW_HANDLER(error) own_handler((error).code(), (error).what())
#endif

#include <namedshm/broadcast.hpp>
#include <namedshm/channel.hpp>
#include <namedshm/event.hpp>
#include <namedshm/mailbox.hpp>
#include <namedshm/mutex.hpp>
#include <namedshm/namedshm.hpp>
#include <namedshm/seqlock.hpp>

#include <atomic>        // std::atomic counter in a region
#include <cerrno>        // ENOENT, the reason a missing name gives on POSIX
#include <chrono>        // timeouts
#include <cstdint>       // std::uint32_t, std::uint64_t
#include <cstdio>        // std::printf, std::fopen, the child's standard error
#include <cstdlib>       // std::_Exit
#include <cstring>       // std::memcmp, std::memcpy
#include <fstream>       // std::ifstream, to read what a child wrote to standard error
#include <iterator>      // std::istreambuf_iterator
#include <string>        // std::string
#include <system_error>  // std::error_code, std::errc, std::system_category

#include "../support/process.hpp"
#include "../support/sanitizers.hpp"

static_assert(NAMEDSHM_EXCEPTIONS == 0, "this program must be built with exceptions disabled");

using namedshm::BroadcastReceiver;
using namedshm::BroadcastSender;
using namedshm::ChannelReceiver;
using namedshm::ChannelSender;
using namedshm::Event;
using namedshm::Locked;
using namedshm::Mailbox;
using namedshm::MailboxSender;
using namedshm::Mutex;
using namedshm::Published;
using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm_test::unique_name;

namespace {

int checks = 0;
int failures = 0;

/// One check: counted, and reported with its line when it fails.
void check(bool passed, const char* what, int line) {
  ++checks;
  if (passed) return;
  ++failures;
  std::printf("FAILED (line %d): %s\n", line, what);
}
#define CHECK(condition) check((condition), #condition, __LINE__)

#if defined(NAMEDSHM_TEST_OWN_HANDLER)
void own_handler(const std::error_code& code, const char* what) noexcept {
  std::fprintf(stderr, "own handler: %d: %s\n", code.value(), what);
  std::fflush(stderr);
  if (!handler_returns) std::_Exit(42);
}
#endif

/// Sends this process's standard error to `path`, so that a parent can read what it said.
bool redirect_stderr(const std::string& path) {
#if defined(_MSC_VER)
  std::FILE* file = nullptr;
  return freopen_s(&file, path.c_str(), "w", stderr) == 0;  // MSVC deprecates freopen (C4996)
#else
  return std::freopen(path.c_str(), "w", stderr) != nullptr;
#endif
}

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

/// The first line of `text`, without its line end (a CRLF where the C runtime writes one).
std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

struct Counters {
  std::atomic<std::uint32_t> hits;
  std::uint32_t magic;
};

}  // namespace

namespace namedshm {
template <>
struct enable_sharing<Counters> : std::true_type {};
}  // namespace namedshm

// A child that opens the parent's region with the error_code overloads and adds one.
NAMEDSHM_CHILD_SCENARIO(add_one) {
  std::error_code ec;
  auto region = SharedRegion::open(args.at(0), ec);
  if (ec) return 2;
  Counters* counters = region.object<Counters>(0, ec);
  if (ec || counters == nullptr || counters->magic != 0xC0FFEEU) return 3;
  counters->hits.fetch_add(1);
  return 0;
}

// A child whose throwing overload fails: what the handler does decides how it ends. Writes its
// standard error to args[1]; args[2] == "returns" makes the test's own handler return.
NAMEDSHM_CHILD_SCENARIO(throwing_open_of_missing_name) {
  if (!redirect_stderr(args.at(1))) return 90;
#if defined(NAMEDSHM_TEST_OWN_HANDLER)
  handler_returns = args.size() > 2 && args[2] == "returns";
#endif
  auto region = SharedRegion::open(args.at(0));  // fails: nothing has this name
  static_cast<void>(region);
  return 91;  // never reached: the failed call does not come back
}

namespace {

void regions() {
  const std::string name = unique_name("no-exceptions-region");
  std::error_code ec;
  auto region = SharedRegion::create(name, 4096, ec);
  CHECK(!ec && region.valid() && region.created() && region.size() == 4096);

  auto again = SharedRegion::create(name, 4096, ec);
  CHECK(ec == std::errc::file_exists && !again.valid());
  auto missing = SharedRegion::open(unique_name("no-exceptions-missing"), ec);
  CHECK(ec == std::errc::no_such_file_or_directory && !missing.valid());
  auto bad_name = SharedRegion::create("a/b", 4096, ec);
  CHECK(ec == std::errc::invalid_argument && !bad_name.valid());
  auto zero = SharedRegion::create(unique_name("no-exceptions-zero"), 0, ec);
  CHECK(ec == std::errc::invalid_argument && !zero.valid());
  auto larger = SharedRegion::open_or_create(name, 1 << 20, ec);
  CHECK(ec == std::errc::invalid_argument && !larger.valid());

  Counters* counters = region.object<Counters>(0, ec);
  CHECK(!ec && counters != nullptr);
  if (counters == nullptr) return;
  counters->magic = 0xC0FFEEU;
  CHECK(region.object<std::uint32_t>(2, ec) == nullptr && ec == std::errc::invalid_argument);
  CHECK(region.array<std::uint32_t>(0, 1025, ec).empty() && ec == std::errc::result_out_of_range);

  // Real processes, error_code overloads on both sides.
  CHECK(namedshm_test::run_child("add_one", {name}) == 0);
  CHECK(namedshm_test::run_child("add_one", {name}) == 0);
  CHECK(counters->hits.load() == 2);

  auto reader = ReadOnlyRegion::open(name, ec);
  CHECK(!ec && reader.object<Counters>(0, ec) != nullptr && reader.object<Counters>(0, ec)->hits.load() == 2);

  // A throwing overload that succeeds returns as usual without exceptions.
  auto opened = SharedRegion::open(name);
  CHECK(opened.valid() && opened.size() >= 4096 && !opened.created());

  CHECK(!SharedRegion::remove_if_stale(name, ec) && !ec);  // in use: never stale
  CHECK(!SharedRegion::remove("a/b", ec) && ec == std::errc::invalid_argument);
}

void events() {
  const std::string name = unique_name("no-exceptions-event");
  std::error_code ec;
  auto event = Event::create(name, ec);
  CHECK(!ec && event.valid());
  auto same = Event::create(name, ec);
  CHECK(ec == std::errc::file_exists && !same.valid());
  CHECK(!event.try_wait(ec) && !ec);
  auto other = Event::open(name, ec);
  CHECK(!ec && other.valid());
  other.notify(ec);
  CHECK(!ec);
  CHECK(event.wait_for(std::chrono::seconds(60), ec) && !ec);
  CHECK(!event.wait_for(std::chrono::milliseconds(1), ec) && !ec);
  auto missing = Event::open(unique_name("no-exceptions-no-event"), ec);
  CHECK(ec == std::errc::no_such_file_or_directory && !missing.valid());
  Event empty;
  empty.notify(ec);
  CHECK(ec == std::errc::invalid_argument);
}

void mutexes() {
  const std::string name = unique_name("no-exceptions-mutex");
  std::error_code ec;
  auto mutex = Mutex::create(name, ec);
  CHECK(!ec && mutex.valid());
  CHECK(!Mutex::create(name, ec).valid() && ec == std::errc::file_exists);
  auto other = Mutex::open(name, ec);
  CHECK(!ec && other.valid());
  CHECK(mutex.lock(ec) == Locked::yes && !ec);
  CHECK(other.lock(ec) == Locked::no && ec == std::errc::resource_deadlock_would_occur);  // this thread holds it
  mutex.unlock(ec);
  CHECK(!ec);
  if (!namedshm_test::thread_sanitizer) {  // TSan reports this misuse itself, and stops
    mutex.unlock(ec);
    CHECK(ec == std::errc::operation_not_permitted);
  }
  CHECK(other.try_lock_for(std::chrono::seconds(60), ec) == Locked::yes && !ec);
  other.unlock();  // a throwing overload that succeeds returns as usual
  mutex.close(ec);
  CHECK(!ec && !mutex.valid());
}

void channels() {
  const std::string name = unique_name("no-exceptions-channel");
  std::error_code ec;
  auto sender = ChannelSender::create(name, 4096, ec);
  CHECK(!ec && sender.valid());
  auto receiver = ChannelReceiver::open(name, ec);
  CHECK(!ec && receiver.valid());
  const char text[] = "sent without exceptions";
  CHECK(sender.send(text, sizeof text, ec) && !ec);
  const auto message = receiver.receive_for(std::chrono::seconds(60), ec);
  CHECK(!ec && message && message->size() == sizeof text && std::memcmp(message->data(), text, sizeof text) == 0);
  CHECK(!sender.send(text, sender.max_message_size() + 1, ec) && ec == std::errc::message_size);
  CHECK(!receiver.try_receive(ec) && !ec);
  auto second = ChannelReceiver::open(name, ec);
  CHECK(ec == std::errc::device_or_resource_busy && !second.valid());
}

void broadcasts() {
  const std::string name = unique_name("no-exceptions-broadcast");
  std::error_code ec;
  namedshm::BroadcastOptions options;
  options.max_receivers = 1;
  auto sender = BroadcastSender::create(name, 4096, options, ec);
  CHECK(!ec && sender.valid());
  auto receiver = BroadcastReceiver::open(name, ec);
  CHECK(!ec && receiver.valid());
  const char text[] = "broadcast without exceptions";
  CHECK(sender.send(text, sizeof text, ec) && !ec);
  const auto message = receiver.receive_for(std::chrono::seconds(60), ec);
  CHECK(!ec && message && message->size() == sizeof text && std::memcmp(message->data(), text, sizeof text) == 0);
  CHECK(!sender.send(text, sender.max_message_size() + 1, ec) && ec == std::errc::message_size);
  CHECK(!receiver.try_receive(ec) && !ec);
  auto second = BroadcastReceiver::open(name, ec);
  CHECK(ec == std::errc::device_or_resource_busy && !second.valid());
}

void mailboxes() {
  const std::string name = unique_name("no-exceptions-mailbox");
  std::error_code ec;
  namedshm::MailboxOptions options;
  options.max_senders = 1;
  auto box = Mailbox::create(name, 4096, options, ec);
  CHECK(!ec && box.valid());
  auto sender = MailboxSender::open(name, ec);
  CHECK(!ec && sender.valid());
  const char text[] = "mailed without exceptions";
  CHECK(sender.send(text, sizeof text, ec) && !ec);
  const auto message = box.receive_for(std::chrono::seconds(60), ec);
  CHECK(!ec && message && message->size() == sizeof text && std::memcmp(message->data(), text, sizeof text) == 0);
  CHECK(!sender.send(text, sender.max_message_size() + 1, ec) && ec == std::errc::message_size);
  CHECK(!box.try_receive(ec) && !ec);
  auto second = MailboxSender::open(name, ec);
  CHECK(ec == std::errc::device_or_resource_busy && !second.valid());
}

void published_values() {
  struct Point {
    double x, y;
  };
  Published<Point> slot{};
  slot.publish({1.5, -2.5});
  const Point point = slot.load();
  CHECK(point.x == 1.5 && point.y == -2.5 && slot.version() == 1);
}

/// A failed throwing overload ends the child: with the default handler by abort() after the
/// message on stderr, with the test's own handler as that handler says. The handler's line is
/// checked whole, reason included: a what() that pointed at freed memory (as a std::system_error
/// does with the Microsoft STL and _HAS_EXCEPTIONS=0) would print something else. What follows
/// it is the C++ runtime's (std::terminate's message, abort()'s).
void failed_throwing_overload() {
  const std::string name = unique_name("no-exceptions-nothing");
  const std::string stderr_path = name + ".stderr.txt";
#if defined(_WIN32)
  constexpr int aborted = 3;         // what abort() exits with on Windows
  constexpr int file_not_found = 2;  // ERROR_FILE_NOT_FOUND, what OpenFileMappingW says
#else
  constexpr int aborted = -6;             // SIGABRT, as ChildProcess::wait() reports a signal
  constexpr int file_not_found = ENOENT;  // what shm_open says
#endif
  const std::error_code not_found(file_not_found, std::system_category());
  // What std::system_error(not_found, "namedshm: open \"NAME\"").what() reads.
  const std::string message = "namedshm: open \"" + name + "\": " + not_found.message();
#if defined(NAMEDSHM_TEST_OWN_HANDLER)
  const std::string handler_line = "own handler: " + std::to_string(file_not_found) + ": " + message;
  CHECK(namedshm_test::run_child("throwing_open_of_missing_name", {name, stderr_path}) == 42);
  const std::string told = read_file(stderr_path);
  CHECK(first_line(told) == handler_line);
  // A handler that returns does not resume the failed call: the process terminates.
  CHECK(namedshm_test::run_child("throwing_open_of_missing_name", {name, stderr_path, "returns"}) == aborted);
  CHECK(first_line(read_file(stderr_path)) == handler_line);
#else
  const std::string handler_line = message;
  CHECK(namedshm_test::run_child("throwing_open_of_missing_name", {name, stderr_path}) == aborted);
  const std::string told = read_file(stderr_path);
  CHECK(first_line(told) == handler_line);
#endif
  if (first_line(told) != handler_line) {
    std::printf("expected: %s\nthe child said: %s\n", handler_line.c_str(), first_line(told).c_str());
  } else {
    std::printf("the child said: %s\n", handler_line.c_str());
  }
  std::remove(stderr_path.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  int exit_code = 0;
  if (namedshm_test::run_child_scenario(argc, argv, exit_code)) return exit_code;
  regions();
  events();
  mutexes();
  channels();
  broadcasts();
  mailboxes();
  published_values();
  failed_throwing_overload();
  std::printf("%d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}
