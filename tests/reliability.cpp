// Lifetime and faults with real processes (DESIGN.md "Lifetime"): what a killed process leaves
// behind (nothing, on either platform), explicit stale clean-up on POSIX and what it cannot know, a writer
// killed mid-write, and backing stores too small for a region. (A creator frozen half-way is in
// tests/faults/, whose system-call seam stops it at the exact call.)
#include <namedshm/namedshm.hpp>

#include <atomic>        // std::atomic cells that processes signal through
#include <chrono>        // bounded waits for other processes
#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint32_t, std::uint64_t
#include <stdexcept>     // std::runtime_error, when a launcher cannot start
#include <string>        // std::string, names and messages
#include <system_error>  // std::error_code, std::errc, std::system_error
#include <thread>        // std::this_thread::sleep_for between polls
#include <type_traits>   // std::true_type, for enable_sharing
#include <utility>       // std::move

#include "support/catch.hpp"
#include "support/process.hpp"
#include "support/raw_objects.hpp"
#include "support/wait.hpp"

#if defined(_WIN32)
#  include <windows.h>  // ERROR_COMMITMENT_LIMIT, ERROR_NOT_ENOUGH_MEMORY
#else
#  include <fcntl.h>         // O_* flags
#  include <sys/mman.h>      // shm_open, mmap, the program that takes no lock
#  include <sys/resource.h>  // setrlimit(RLIMIT_FSIZE), setrlimit(RLIMIT_CORE)
#  include <unistd.h>        // ftruncate, close

#  include <csignal>  // std::raise, SIGSTOP, SIGKILL, SIGBUS, SIGXFSZ
#endif

using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm_test::ChildProcess;
using namedshm_test::killed_exit_code;
using namedshm_test::name_exists;
using namedshm_test::unique_name;
using namedshm_test::wait_until;

namespace {

/// Removes a name when a test ends, however it ends, so that a failed REQUIRE leaves no name
/// behind that a killed creator or keep_name kept (POSIX; Windows has nothing to remove).
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

/// Uses once what a leak check is about to use, before it counts: Windows (and Wine) open some
/// handles on first use and keep them for the life of the process, e.g. the BaseNamedObjects
/// directory behind every Local name.
void warm_up(const std::string& name) {
  SharedRegion::create(name, 64).close();
  std::error_code ec;
  static_cast<void>(ReadOnlyRegion::open(name, ec));
  SharedRegion::remove_if_stale(name, ec);
}

/// Two flags through which a child and the parent tell each other how far they are.
struct Mailbox {
  std::atomic<std::uint32_t> child_ready;
  std::atomic<std::uint32_t> parent_done;
};

/// A region of the parent's for a Mailbox: the child opens it by name.
SharedRegion make_mailbox() { return SharedRegion::create(unique_name("mailbox"), sizeof(Mailbox)); }

/// The board of the kill-mid-write test: the writer fills `payload` with its pass number over
/// and over; a peer process keeps counting next to it.
struct Board {
  static constexpr std::size_t payload_words = 512;
  std::atomic<std::uint64_t> writer_inside;  // 1 once the writer is inside its write loop
  std::atomic<std::uint64_t> writer_passes;  // the last pass the writer completed
  std::atomic<std::uint64_t> peer_ready;
  std::atomic<std::uint64_t> peer_passes;
  std::atomic<std::uint64_t> peer_scratch;  // the peer writes and reads back its pass here
  std::atomic<std::uint64_t> peer_stop;
  std::atomic<std::uint64_t> payload[payload_words];
};

}  // namespace

namespace namedshm {
template <>
struct enable_sharing<Mailbox> : std::true_type {};
template <>
struct enable_sharing<Board> : std::true_type {};
}  // namespace namedshm

namespace {
/// After the writer's death, each payload word holds its last complete pass or the one it was
/// killed in: the number of words that hold neither.
std::size_t words_of_neither_pass(const Board& board) {
  const std::uint64_t passes = board.writer_passes.load();
  std::size_t count = 0;
  for (const auto& word : board.payload) {
    const std::uint64_t value = word.load();
    count += value == passes || value == passes + 1 ? 0 : 1;
  }
  return count;
}
}  // namespace

// Creates args[0], then reports through the mailbox args[1] and waits to be killed.
NAMEDSHM_CHILD_SCENARIO(create_and_hold) {
  auto region = SharedRegion::create(args.at(0), 4096);
  auto mailbox = SharedRegion::open(args.at(1));
  mailbox.object<Mailbox>().child_ready.store(1);
  return wait_until([&] { return mailbox.object<Mailbox>().parent_done.load() == 1; }) ? 0 : 4;
}

// Opens args[0] read-only and holds it until the parent says so through the mailbox args[1].
NAMEDSHM_CHILD_SCENARIO(open_and_hold) {
  auto region = ReadOnlyRegion::open(args.at(0));
  auto mailbox = SharedRegion::open(args.at(1));
  mailbox.object<Mailbox>().child_ready.store(1);
  return wait_until([&] { return mailbox.object<Mailbox>().parent_done.load() == 1; }) ? 0 : 4;
}

// Creates the board args[0] and writes its payload until killed (or 60 s pass: exit 4).
NAMEDSHM_CHILD_SCENARIO(write_until_killed) {
  auto region = SharedRegion::create(args.at(0), sizeof(Board));
  Board& board = region.object<Board>();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  board.writer_inside.store(1);
  for (std::uint64_t pass = 1; std::chrono::steady_clock::now() < deadline; ++pass) {
    for (auto& word : board.payload) word.store(pass, std::memory_order_relaxed);  // where kills land, mostly
    board.writer_passes.store(pass);
  }
  return 4;
}

// Opens the board args[0] and keeps writing and reading its own cells until told to stop.
// Exit 0: every read-back matched; 5: one did not; 4: never told to stop.
NAMEDSHM_CHILD_SCENARIO(keep_working) {
  auto region = SharedRegion::open(args.at(0));
  Board& board = region.object<Board>();
  board.peer_ready.store(1);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (std::uint64_t pass = 1; board.peer_stop.load() == 0; ++pass) {
    if (std::chrono::steady_clock::now() > deadline) return 4;
    board.peer_scratch.store(pass);
    if (board.peer_scratch.load() != pass) return 5;
    board.peer_passes.store(pass);
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  return 0;
}

TEST_CASE("kill the only holder: the object is gone with it, on every platform", "[reliability][lifetime][process]") {
  const auto name = unique_name("killed-holder");
  const RemoveAtEnd cleanup(name);
  auto mailbox = make_mailbox();
  ChildProcess holder("create_and_hold", {name, mailbox.name()});
  REQUIRE(wait_until([&] { return mailbox.object<Mailbox>().child_ready.load() == 1; }));
  REQUIRE(name_exists(name));  // opens and closes at once: the child stays the only holder
  holder.kill();
  CHECK(holder.wait() == killed_exit_code);
  // Windows: the kernel closed the dead process's handles, the last ones. POSIX: the name is
  // left, held by nobody, and the next open finds that out and removes it (tests/lifetime.cpp).
  CHECK_FALSE(name_exists(name));
  CHECK_FALSE(namedshm_test::raw_name_exists(name));
  CHECK_FALSE(SharedRegion::remove_if_stale(name));  // nothing left to be stale
  CHECK(SharedRegion::create(name, 4096).created());
}

#if !defined(_WIN32)

TEST_CASE("POSIX: remove_if_stale keeps a name while any live namedshm process holds it",
          "[reliability][lifetime][process][posix]") {
  const auto name = unique_name("held");
  const RemoveAtEnd cleanup(name);
  namedshm::CreateOptions options;
  options.keep_name = true;
  auto creator = SharedRegion::create(name, 64, options);
  CHECK_FALSE(SharedRegion::remove_if_stale(name));  // the creator, in this very process
  creator.close();                                   // keep_name: the name stays, held by nobody
  auto reader = ReadOnlyRegion::open(name);
  CHECK_FALSE(SharedRegion::remove_if_stale(name));  // a read-only region holds it as well
  {
    auto mailbox = make_mailbox();
    ChildProcess child("open_and_hold", {name, mailbox.name()});
    REQUIRE(wait_until([&] { return mailbox.object<Mailbox>().child_ready.load() == 1; }));
    reader.close();
    // Only the child holds it now. A refused attempt must not weaken the holder's lock either.
    CHECK_FALSE(SharedRegion::remove_if_stale(name));
    CHECK_FALSE(SharedRegion::remove_if_stale(name));
    CHECK(name_exists(name));
    mailbox.object<Mailbox>().parent_done.store(1);
    CHECK(child.wait() == 0);
  }
  CHECK(SharedRegion::remove_if_stale(name));
  CHECK_FALSE(name_exists(name));
  std::error_code ec;
  CHECK_FALSE(SharedRegion::remove_if_stale(name, ec));  // nothing left: false, and no error
  CHECK_FALSE(ec);
}

TEST_CASE("POSIX: remove_if_stale cannot see a program that maps the object without namedshm",
          "[reliability][lifetime][posix]") {
  // What remove_if_stale cannot know: namedshm marks use with a shared flock, and a program
  // that maps the object through shm_open and mmap itself takes none, so to namedshm the object
  // looks unused. remove_if_stale then removes the name under that program: its mapping stays
  // valid, but whoever creates the name next shares nothing with it. Use remove_if_stale only
  // for names that only namedshm programs use.
  const auto name = unique_name("foreign");
  const RemoveAtEnd cleanup(name);
  const std::string path = "/" + name;
  const int foreign = shm_open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  REQUIRE(foreign != -1);
  REQUIRE(ftruncate(foreign, 4096) == 0);
  void* view = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, foreign, 0);
  REQUIRE(view != MAP_FAILED);
  auto* foreign_value = static_cast<int*>(view);
  *foreign_value = 77;

  CHECK(SharedRegion::remove_if_stale(name));  // judged stale while in use
  CHECK_FALSE(name_exists(name));
  auto successor = SharedRegion::create(name, 4096);
  successor.object<int>() = 1;
  CHECK(*foreign_value == 77);  // still mapped, but no longer the object behind the name

  munmap(view, 4096);
  close(foreign);
}

namespace {
constexpr std::size_t one_mib = std::size_t{1} << 20U;

bool limit_file_size(rlim_t bytes) {
  struct rlimit limit {};
  if (getrlimit(RLIMIT_FSIZE, &limit) != 0) return false;
  limit.rlim_cur = bytes;
  return setrlimit(RLIMIT_FSIZE, &limit) == 0;
}

/// 0 if creating `size` bytes with `backing` throws `expected` with `words` in the message and
/// leaves no name behind; else a distinct exit code from `code_base` up.
int expect_creation_failure(const std::string& name, std::size_t size, namedshm::Backing backing, std::errc expected,
                            const char* words, int code_base) {
  namedshm::CreateOptions options;
  options.backing = backing;
  try {
    static_cast<void>(SharedRegion::create(name, size, options));
    return code_base;
  } catch (const std::system_error& error) {
    if (error.code() != expected) return code_base + 1;
    if (std::string(error.what()).find(words) == std::string::npos) return code_base + 2;
  }
  return name_exists(name) ? code_base + 3 : 0;
}

/// 0 if a `size`-byte region can be created and every page of it written.
int expect_writable(const std::string& name, std::size_t size, int code) {
  std::error_code ec;
  auto region = SharedRegion::create(name, size, ec);
  if (ec) return code;
  for (std::size_t offset = 0; offset < size; offset += 4096) region.data()[offset] = std::byte{1};
  return 0;
}
}  // namespace

// Creates args[0] above a 1 MiB RLIMIT_FSIZE with every Backing. Exit 0: each failed with EFBIG
// and a message that names the limit, and a region below the limit still works.
NAMEDSHM_CHILD_SCENARIO(create_above_file_size_limit) {
  if (!limit_file_size(one_mib)) return 9;
  const auto& name = args.at(0);
  const namedshm::Backing backings[] = {namedshm::Backing::checked, namedshm::Backing::reserved,
                                        namedshm::Backing::sparse};
  for (const auto backing : backings) {
    const int code = expect_creation_failure(name, 2 * one_mib, backing, std::errc::file_too_large, "RLIMIT_FSIZE", 10);
    if (code != 0) return code;
  }
  return expect_writable(name, one_mib / 2, 20);
}

// What the RLIMIT_FSIZE check prevents: a plain ftruncate above the limit raises SIGXFSZ.
NAMEDSHM_CHILD_SCENARIO(ftruncate_above_file_size_limit) {
  if (!limit_file_size(one_mib)) return 9;
  struct rlimit no_core {};
  setrlimit(RLIMIT_CORE, &no_core);  // the signal dumps core by default
  const std::string path = "/" + args.at(0);
  const int fd = shm_open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd == -1) return 10;
  return ftruncate(fd, static_cast<off_t>(2 * one_mib)) == 0 ? 11 : 12;  // not reached
}

TEST_CASE("POSIX: a size above RLIMIT_FSIZE fails at creation with EFBIG, not with SIGXFSZ",
          "[reliability][backing][process][posix]") {
  CHECK(namedshm_test::run_child("create_above_file_size_limit", {unique_name("fsize")}) == 0);
  const auto raw = unique_name("fsize-raw");
  CHECK(namedshm_test::run_child("ftruncate_above_file_size_limit", {raw}) == -SIGXFSZ);
  CHECK(SharedRegion::remove_if_stale(raw));  // the raw object the killed child left behind
}

namespace {
// Mounts a 1 MiB tmpfs on /dev/shm in a private mount namespace of the child alone.
constexpr const char* mount_small_shm = "mount -t tmpfs -o size=1m namedshm-test /dev/shm";

/// True if this process may run a child in a mount namespace of its own with a small tmpfs on
/// /dev/shm: it must have CAP_SYS_ADMIN, and util-linux's unshare must be installed.
bool can_mount_small_shm() {
  try {
    auto probe =
        ChildProcess::start_command({"unshare", "--mount", "--propagation", "private", "sh", "-c", mount_small_shm});
    return probe.wait() == 0;
  } catch (const std::runtime_error&) {  // no unshare
    return false;
  }
}

/// Runs a child scenario with a 1 MiB tmpfs on its /dev/shm, passing it a fresh name; its exit
/// code (99: the mount failed).
int run_with_small_shm(const std::string& scenario) {
  const std::string script = std::string(mount_small_shm) + " || exit 99; exec \"$0\" --child \"$@\"";
  auto child = ChildProcess::start_command({"unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                                            namedshm_test::self_path(), scenario, unique_name("small-shm")});
  return child.wait();
}
}  // namespace

// In a 1 MiB /dev/shm: Backing::checked and Backing::reserved refuse 2 MiB at creation, and
// 768 KiB that fits can be written in full.
NAMEDSHM_CHILD_SCENARIO(create_in_small_shm) {
  const auto& name = args.at(0);
  const int code = expect_creation_failure(name, 2 * one_mib, namedshm::Backing::checked, std::errc::no_space_on_device,
                                           "/dev/shm", 10);
  if (code != 0) return code;
  namedshm::CreateOptions reserved;
  reserved.backing = namedshm::Backing::reserved;
  std::error_code ec;
  if (SharedRegion::create(name, 2 * one_mib, reserved, ec) || !ec) return 20;
  if (ec != std::errc::no_space_on_device) return 21;
  if (name_exists(name)) return 22;
  return expect_writable(name, 3 * one_mib / 4, 30);  // and reserved gave its pages back
}

// In a 1 MiB /dev/shm: Backing::sparse creates 2 MiB, and writing every page raises SIGBUS.
NAMEDSHM_CHILD_SCENARIO(write_sparse_in_small_shm) {
  struct rlimit no_core {};
  setrlimit(RLIMIT_CORE, &no_core);  // SIGBUS dumps core by default
  namedshm::CreateOptions sparse;
  sparse.backing = namedshm::Backing::sparse;
  auto region = SharedRegion::create(args.at(0), 2 * one_mib, sparse);
  auto* bytes = static_cast<volatile std::byte*>(region.data());
  for (std::size_t offset = 0; offset < region.size(); offset += 4096) bytes[offset] = std::byte{1};
  return 0;  // not reached: the file system cannot back the second MiB
}

TEST_CASE("POSIX: in a 1 MiB /dev/shm checked and reserved fail at creation, sparse dies of SIGBUS on writing",
          "[reliability][backing][process][posix]") {
  if (!can_mount_small_shm()) {
    NAMEDSHM_SKIP("a private tmpfs on /dev/shm needs unshare --mount and CAP_SYS_ADMIN (run as root)");
  }
  CHECK(run_with_small_shm("create_in_small_shm") == 0);
  CHECK(run_with_small_shm("write_sparse_in_small_shm") == -SIGBUS);
}

#else

TEST_CASE("Windows: a section beyond the commit limit fails at creation, not at a later write",
          "[reliability][backing][windows]") {
  // A pagefile-backed section is charged against the commit limit (RAM + page files) in full
  // when it is created. 1 TiB exceeds the limit of any machine these tests run on: Windows
  // fails with ERROR_COMMITMENT_LIMIT, or ERROR_NOT_ENOUGH_MEMORY for a size no section can
  // have. Wine 8 also fails at creation, with ERROR_NOT_ENOUGH_MEMORY (measured: 16 GiB was
  // created, 24 GiB refused, on a machine with 23 GiB of RAM and no swap), so no Wine skip.
  if (sizeof(std::size_t) < 8) NAMEDSHM_SKIP("a 32-bit process cannot ask for 1 TiB");
  const auto name = unique_name("1tib");
  std::error_code ec;
  auto region = SharedRegion::create(name, static_cast<std::size_t>(std::uint64_t{1} << 40U), ec);
  CHECK_FALSE(region);
  CHECK(ec.category() == std::system_category());
  CHECK((ec.value() == ERROR_COMMITMENT_LIMIT || ec.value() == ERROR_NOT_ENOUGH_MEMORY));
  CHECK_FALSE(name_exists(name));
}

#endif

TEST_CASE("kill -9 of a writer in the middle of writing: the others keep working, nothing leaks",
          "[reliability][process]") {
  const auto name = unique_name("killed-writer");
  const RemoveAtEnd cleanup(name);
  warm_up(unique_name("warm-up"));
  const std::size_t handles_before = namedshm_test::open_handle_count();
  const std::size_t views_before = namedshm_test::mapped_view_count();
  {
    ChildProcess writer("write_until_killed", {name});
    SharedRegion region;
    std::error_code ec;
    REQUIRE(wait_until([&] {
      if (!region) region = SharedRegion::open(name, ec);
      return region && region.object<Board>().writer_passes.load() >= 1;
    }));
    Board& board = region.object<Board>();
    ChildProcess peer("keep_working", {name});
    REQUIRE(wait_until([&] { return board.peer_ready.load() == 1; }));

    REQUIRE(board.writer_inside.load() == 1);  // inside a loop it leaves only by being killed
    writer.kill();
    CHECK(writer.wait() == killed_exit_code);

    CHECK(words_of_neither_pass(board) == 0);  // this process's view is intact
    board.payload[0].store(42);
    CHECK(board.payload[0].load() == 42);
    // And the peer goes on writing and reading back in its own view.
    const std::uint64_t peer_seen = board.peer_passes.load();
    CHECK(wait_until([&] { return board.peer_passes.load() > peer_seen + 10; }));
#if !defined(_WIN32)
    CHECK_FALSE(SharedRegion::remove_if_stale(name));  // the peer and this process hold it
#endif
    board.peer_stop.store(1);
    CHECK(peer.wait() == 0);
#if !defined(_WIN32)
    CHECK_FALSE(SharedRegion::remove_if_stale(name));  // this process still holds it
#endif
  }
  // Gone with the last handle, this process's, although its creator was killed.
  CHECK_FALSE(namedshm_test::raw_name_exists(name));
  CHECK(SharedRegion::create(name, sizeof(Board)).created());
  CHECK(namedshm_test::open_handle_count() == handles_before);
  CHECK(namedshm_test::mapped_view_count() == views_before);
}
