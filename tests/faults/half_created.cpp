// A creator frozen half-way (POSIX): the seam of system calls stops a child process at an exact
// call, between making the object and giving it its size, or before it has even taken its lock,
// which no timing could hit reliably. Openers must never map such an object; once its creator
// died it counts as gone, as every object whose users all died (DESIGN.md "Lifetime").
#include <namedshm/namedshm.hpp>

#include <atomic>        // std::atomic cells that the processes signal through
#include <cstdint>       // std::uint32_t
#include <string>        // std::string
#include <system_error>  // std::error_code, std::errc, std::system_error
#include <type_traits>   // std::true_type, for enable_sharing
#include <utility>       // std::move

#include "../support/catch.hpp"
#include "../support/process.hpp"
#include "../support/raw_objects.hpp"
#include "../support/wait.hpp"
#include "system_calls.hpp"  // before_call

#if !defined(_WIN32)
#  include <csignal>  // std::raise, SIGSTOP, SIGKILL

using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm_test::ChildProcess;
using namedshm_test::killed_exit_code;
using namedshm_test::unique_name;
using namedshm_test::wait_until;

namespace {

/// Two flags through which the child and the parent tell each other how far they are.
struct Mailbox {
  std::atomic<std::uint32_t> child_ready;
  std::atomic<std::uint32_t> parent_done;
};

/// Removes a name when a test ends, however it ends, so that a failed REQUIRE leaves no name.
class RemoveAtEnd {
 public:
  explicit RemoveAtEnd(std::string name) : name_(std::move(name)) {}
  RemoveAtEnd(const RemoveAtEnd&) = delete;
  RemoveAtEnd& operator=(const RemoveAtEnd&) = delete;
  ~RemoveAtEnd() {
    std::error_code ignored;  // the test has removed it already, unless it failed
    SharedRegion::remove(name_, ignored);
  }

 private:
  std::string name_;
};

}  // namespace

namespace namedshm {
template <>
struct enable_sharing<Mailbox> : std::true_type {};
}  // namespace namedshm

namespace {
/// The error that a throwing read-only open of `name` reports; an empty code if it succeeds.
std::system_error read_only_open_error(const std::string& name) {
  try {
    static_cast<void>(ReadOnlyRegion::open(name));
  } catch (const std::system_error& error) {
    return error;
  }
  return std::system_error(std::error_code(), "nothing was thrown");
}

constexpr std::uint32_t value_after_creation = 0x5EEDU;
}  // namespace

// Creates args[0], stopping itself (SIGSTOP) after shm_open and before the object has its size;
// once continued, writes a value and keeps the region until the parent has read it.
NAMEDSHM_CHILD_SCENARIO(create_frozen_before_sizing) {
  // After shm_open, the shared lock and the fstat, before the object has its size.
  namedshm_test::faults::before_call("ftruncate", [] { std::raise(SIGSTOP); });
  auto region = SharedRegion::create(args.at(0), sizeof(Mailbox));
  Mailbox& cells = region.object<Mailbox>();
  cells.child_ready.store(value_after_creation);
  return wait_until([&] { return cells.parent_done.load() == 1; }) ? 0 : 4;
}

TEST_CASE("POSIX: an opener never maps a half-created object, and sees it once it is complete",
          "[faults][lifetime][process][posix]") {
  const auto name = unique_name("half-created");
  const RemoveAtEnd cleanup(name);
  ChildProcess creator("create_frozen_before_sizing", {name});
  REQUIRE(creator.wait_until_stopped());

  // The name exists, with no size yet. An opener waits (creator_wait), then refuses clearly.
  const std::system_error refused = read_only_open_error(name);
  CHECK(refused.code() == std::errc::resource_unavailable_try_again);
  CHECK_THAT(std::string(refused.what()), NAMEDSHM_CONTAINS("no size"));
  CHECK_FALSE(SharedRegion::remove_if_stale(name));  // the frozen creator holds the shared lock
  std::error_code ec;
  CHECK_FALSE(SharedRegion::create(name, 64, ec));
  CHECK(ec == std::errc::file_exists);

  creator.resume();
  SharedRegion region;
  REQUIRE(wait_until([&] {
    region = SharedRegion::open(name, ec);
    return region && region.object<Mailbox>().child_ready.load() == value_after_creation;
  }));
  CHECK_FALSE(region.created());
  CHECK(region.size() == sizeof(Mailbox));
  region.object<Mailbox>().parent_done.store(1);
  CHECK(creator.wait() == 0);
}

TEST_CASE("POSIX: a creator killed before it set the size leaves nothing that counts",
          "[faults][lifetime][process][posix]") {
  const auto name = unique_name("half-dead");
  const RemoveAtEnd cleanup(name);
  ChildProcess creator("create_frozen_before_sizing", {name});
  REQUIRE(creator.wait_until_stopped());
  creator.kill();
  CHECK(creator.wait() == killed_exit_code);

  // Its creator gone, the half-made object has no live user: an opener gives it the time a
  // creator needs (creator_wait), then takes it for dead and removes it.
  std::error_code ec;
  CHECK_FALSE(ReadOnlyRegion::open(name, ec));
  CHECK(ec == std::errc::no_such_file_or_directory);
  CHECK_FALSE(namedshm_test::raw_name_exists(name));
  auto fresh = SharedRegion::create(name, 4096);
  CHECK(fresh.created());
  CHECK(fresh.size() == 4096);
}

// Creates args[0], stopping itself (SIGSTOP) right after shm_open, before it takes its lock;
// once continued, finishes, writes a value and keeps the region until the parent has read it.
NAMEDSHM_CHILD_SCENARIO(create_frozen_before_locking) {
  namedshm_test::faults::before_call("flock", [] { std::raise(SIGSTOP); });
  auto region = SharedRegion::create(args.at(0), sizeof(Mailbox));
  Mailbox& cells = region.object<Mailbox>();
  cells.child_ready.store(value_after_creation);
  return wait_until([&] { return cells.parent_done.load() == 1; }) ? 0 : 4;
}

TEST_CASE("POSIX: a creator slower than creator_wait starts again, and never splits the name",
          "[faults][lifetime][process][posix]") {
  const auto name = unique_name("slow-creator");
  const RemoveAtEnd cleanup(name);
  ChildProcess creator("create_frozen_before_locking", {name});
  REQUIRE(creator.wait_until_stopped());

  // No live handle, no size: an opener waits creator_wait for the creator, then counts the
  // object as gone and removes it.
  std::error_code ec;
  CHECK_FALSE(ReadOnlyRegion::open(name, ec));
  CHECK(ec == std::errc::no_such_file_or_directory);
  CHECK_FALSE(namedshm_test::raw_name_exists(name));

  // The creator goes on: it finds its object removed (no links) and makes a new one, which
  // is the one everybody then meets.
  creator.resume();
  SharedRegion region;
  REQUIRE(wait_until([&] {
    region = SharedRegion::open(name, ec);
    return region && region.object<Mailbox>().child_ready.load() == value_after_creation;
  }));
  CHECK_FALSE(region.created());
  region.object<Mailbox>().parent_done.store(1);
  CHECK(creator.wait() == 0);
}

#endif  // !_WIN32
