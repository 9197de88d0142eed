// Many processes and many cycles: 32 processes racing open_or_create on one name with every
// claim checked in the shared data, and create/map/close (and failing calls) repeated until a
// leak of one descriptor, handle or view per call would show.
#include <namedshm/namedshm.hpp>

#include <array>         // std::array, the words of one record
#include <atomic>        // the cells that many processes write
#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint64_t
#include <cstdio>        // std::fputs, a racer's first errors on stderr
#include <string>        // std::string, std::to_string, std::stoul
#include <system_error>  // std::error_code, std::errc, std::system_error
#include <thread>        // std::this_thread::yield while waiting for a creator
#include <type_traits>   // std::true_type, for enable_sharing
#include <vector>        // the racing processes

#include "support/catch.hpp"
#include "support/process.hpp"
#include "support/wait.hpp"

using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm_test::Arguments;
using namedshm_test::ChildProcess;
using namedshm_test::name_exists;
using namedshm_test::unique_name;
using namedshm_test::wait_until;

namespace {

constexpr std::size_t racer_count = 32;
constexpr std::size_t record_words = 6;
using Words = std::array<std::uint64_t, record_words>;

/// One racer's record in the contested object. Only its owner writes it, as a seqlock, so
/// that others can tell a complete record (whose checksum must hold) from one being written.
struct Record {
  std::atomic<std::uint64_t> sequence;  // odd while being written; 0 until the first write
  std::atomic<std::uint64_t> words[record_words];
  std::atomic<std::uint64_t> checksum;
};

/// The object that every racer open_or_creates under one name.
struct Arena {
  /// Set once per object, by its creator, with compare_exchange 0 -> the creator's mark: a
  /// second creator of the same object would find it taken.
  std::atomic<std::uint64_t> creator_mark;
  Record records[racer_count];
};

/// What one racer reports to the parent.
struct RacerTally {
  std::atomic<std::uint64_t> rounds;
  std::atomic<std::uint64_t> creations;
  std::atomic<std::uint64_t> peer_checks;  // complete records of a neighbour whose checksum held
  std::atomic<std::uint64_t> errors;
};

/// The parent's region: a start line, so that all racers start together, and the results.
struct Tally {
  std::atomic<std::uint64_t> arrived;
  std::atomic<std::uint64_t> go;
  RacerTally racers[racer_count];
};

}  // namespace

namespace namedshm {
template <>
struct enable_sharing<Arena> : std::true_type {};
template <>
struct enable_sharing<Tally> : std::true_type {};
}  // namespace namedshm

namespace {

// Leak checks run their operations once before they count: Windows (and Wine) open some
// handles on first use and keep them for the life of the process (the BaseNamedObjects
// directory behind every Local name, the message tables behind FormatMessage, and more). Only
// what the further rounds add would be a leak.

/// splitmix64's finaliser: every input bit changes about half of the output bits.
std::uint64_t mix(std::uint64_t value) {
  value += 0x9E3779B97F4A7C15ULL;
  value = (value ^ (value >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  value = (value ^ (value >> 27U)) * 0x94D049BB133111EBULL;
  return value ^ (value >> 31U);
}

/// The record that `racer` writes in `round`: different for every racer and round.
Words record_for(std::size_t racer, std::uint64_t round) {
  Words words{};
  for (std::size_t k = 0; k < record_words; ++k) words[k] = mix((std::uint64_t{racer} << 48U) ^ (round << 8U) ^ k);
  return words;
}

std::uint64_t checksum_of(const Words& words) {
  std::uint64_t sum = 0;
  for (const std::uint64_t word : words) sum = mix(sum ^ word);
  return sum;
}

void write_record(Record& record, const Words& words) {
  const std::uint64_t sequence = record.sequence.load(std::memory_order_relaxed);
  record.sequence.store(sequence + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  for (std::size_t k = 0; k < record_words; ++k) record.words[k].store(words[k], std::memory_order_relaxed);
  record.checksum.store(checksum_of(words), std::memory_order_relaxed);
  record.sequence.store(sequence + 2, std::memory_order_release);
}

/// Reads a record as the seqlock's reader: false if it was never written or changed meanwhile.
bool read_record(const Record& record, Words& words, std::uint64_t& checksum) {
  const std::uint64_t before = record.sequence.load(std::memory_order_acquire);
  for (std::size_t k = 0; k < record_words; ++k) words[k] = record.words[k].load(std::memory_order_relaxed);
  checksum = record.checksum.load(std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_acquire);
  const std::uint64_t after = record.sequence.load(std::memory_order_relaxed);
  return before != 0 && before % 2 == 0 && before == after;
}

/// One racing process: each round opens or creates the arena, checks what it finds, writes
/// its own record, checks it and a neighbour's, and closes.
class Racer {
 public:
  /// A racer gives up after this many errors: they say enough, and a broken library must not
  /// keep 32 processes busy long after the test has failed. There is no time limit on the
  /// rounds: their number is fixed, so a racer ends by itself however slowly the machine lets it
  /// run (also one that CTest's timeout left without its parent), and a wait for another racer
  /// is bounded (find_mark) as a guard against a hang only.
  static constexpr std::uint64_t max_errors = 5;

  Racer(std::size_t index, RacerTally& tally) : index_(index), tally_(tally) {}

  /// False once the racer should stop: too many errors.
  [[nodiscard]] bool may_go_on() const { return tally_.errors.load() < max_errors; }

  void run_round(const std::string& name, std::uint64_t round) {
    std::error_code ec;
    auto region = SharedRegion::open_or_create(name, sizeof(Arena), ec);
    if (ec) return fail(round, ec.message().c_str());
    Arena& arena = region.object<Arena>();
    const std::uint64_t mark = region.created() ? claim(arena, round) : find_mark(arena, round);
    if (mark == 0) return;
    Record& mine = arena.records[index_];
    check_previous(mine, mark, round);
    const Words words = record_for(index_, round);
    write_record(mine, words);
    check_own(mine, words, round);
    check_neighbour(arena.records[(index_ + 1) % racer_count], round);
    last_mark_ = mark;
    last_words_ = words;
    tally_.rounds.fetch_add(1);
  }

 private:
  void fail(std::uint64_t round, const char* what) {
    if (tally_.errors.fetch_add(1) >= max_errors) return;
    const std::string line =
        "racer " + std::to_string(index_) + ", round " + std::to_string(round) + ": " + what + "\n";
    std::fputs(line.c_str(), stderr);
  }

  // A mark that no other creation has: this racer creates at most once per round.
  std::uint64_t claim(Arena& arena, std::uint64_t round) {
    tally_.creations.fetch_add(1);
    std::uint64_t expected = 0;
    const std::uint64_t mark = (std::uint64_t{index_ + 1} << 32U) | (round + 1);
    if (arena.creator_mark.compare_exchange_strong(expected, mark)) return mark;
    fail(round, "created() an object that another process had created");
    return 0;
  }

  // An opened object must have had a creator; it marks the object right after creating it. The
  // wait for that is bounded (wait_until's 60 s) only so that a creator that never marks fails
  // the test instead of hanging it.
  std::uint64_t find_mark(Arena& arena, std::uint64_t round) {
    std::uint64_t mark = 0;
    for (int looks = 0; looks < 1000; ++looks) {  // the creator is usually just one step away
      if ((mark = arena.creator_mark.load()) != 0) return mark;
      std::this_thread::yield();
    }
    if (!wait_until([&] { return (mark = arena.creator_mark.load()) != 0; })) {
      fail(round, "opened an object that no process created");
    }
    return mark;
  }

  // A name never returns to an object it left, so: the object of the previous round still
  // holds this racer's record from then (nothing lost), and any other object has none yet.
  void check_previous(const Record& mine, std::uint64_t mark, std::uint64_t round) {
    Words words{};
    std::uint64_t checksum = 0;
    const bool written = read_record(mine, words, checksum);
    if (mark != last_mark_) {
      if (mine.sequence.load() != 0) fail(round, "a new object already holds this racer's record");
    } else if (!written || words != last_words_ || checksum != checksum_of(last_words_)) {
      fail(round, "the object lost or changed this racer's record of the previous round");
    }
  }

  void check_own(const Record& mine, const Words& expected, std::uint64_t round) {
    Words words{};
    std::uint64_t checksum = 0;
    if (!read_record(mine, words, checksum) || words != expected || checksum != checksum_of(expected)) {
      fail(round, "this racer's record did not read back intact");
    }
  }

  void check_neighbour(const Record& theirs, std::uint64_t round) {
    Words words{};
    std::uint64_t checksum = 0;
    if (!read_record(theirs, words, checksum)) return;  // not written yet, or being written
    if (checksum == checksum_of(words)) {
      tally_.peer_checks.fetch_add(1);
    } else {
      fail(round, "a neighbour's complete record is torn");
    }
  }

  std::size_t index_;
  RacerTally& tally_;
  std::uint64_t last_mark_ = 0;
  Words last_words_{};
};

}  // namespace

// args: the arena's name, the tally's name, this racer's index, the number of rounds. Exit 0
// if every round went right; the tally says how many did not.
NAMEDSHM_CHILD_SCENARIO(race_rounds) {
  auto tally_region = SharedRegion::open(args.at(1));
  Tally& tally = tally_region.object<Tally>();
  const auto index = static_cast<std::size_t>(std::stoul(args.at(2)));
  const auto rounds = static_cast<std::uint64_t>(std::stoull(args.at(3)));
  if (index >= racer_count) return 2;
  tally.arrived.fetch_add(1);
  if (!wait_until([&] { return tally.go.load() == 1; })) return 4;
  Racer racer(index, tally.racers[index]);
  for (std::uint64_t round = 0; round < rounds && racer.may_go_on(); ++round) racer.run_round(args.at(0), round);
  return tally.racers[index].errors.load() == 0 ? 0 : 1;
}

TEST_CASE("32 processes race to open_or_create, write, check and close one name", "[stress][process]") {
  // Under Wine every call is a round trip to the one wineserver process: 32 x 1000 rounds took
  // 32 s there (2-4 s natively), too long for a suite that runs twice, so under Wine the racers
  // run 250 rounds each (8-10 s). Natively, and on Windows itself, they run 1000.
  const std::uint64_t rounds = namedshm_test::running_under_wine() ? 250 : 1000;
  const auto name = unique_name("arena");
  auto tally_region = SharedRegion::create(unique_name("tally"), sizeof(Tally));
  Tally& tally = tally_region.object<Tally>();
  std::vector<ChildProcess> racers;
  racers.reserve(racer_count);
  for (std::size_t i = 0; i < racer_count; ++i) {
    racers.emplace_back("race_rounds", Arguments{name, tally_region.name(), std::to_string(i), std::to_string(rounds)});
  }
  REQUIRE(wait_until([&] { return tally.arrived.load() == racer_count; }));
  tally.go.store(1);

  int failed_racers = 0;
  for (auto& racer : racers) failed_racers += racer.wait() == 0 ? 0 : 1;
  std::uint64_t rounds_done = 0;
  std::uint64_t creations = 0;
  std::uint64_t peer_checks = 0;
  std::uint64_t errors = 0;
  for (const auto& racer : tally.racers) {
    rounds_done += racer.rounds.load();
    creations += racer.creations.load();
    peer_checks += racer.peer_checks.load();
    errors += racer.errors.load();
  }
  INFO("lifetimes of the name (creations): " << creations << ", intact records of others seen: " << peer_checks);
  CHECK(failed_racers == 0);
  CHECK(errors == 0);
  CHECK(rounds_done == racer_count * rounds);
  CHECK(creations >= 1);
  CHECK_FALSE(name_exists(name));  // every creator removed its name (POSIX) or closed the last handle
}

TEST_CASE("a long run of create, map and close cycles leaves no descriptor, handle or view behind", "[stress]") {
  // Under Wine each cycle is several wineserver round trips: 100,000 cycles took 105 s there
  // (6-8 s natively), near CTest's 120 s timeout, so under Wine the test runs 10,000 (4-7 s).
  // Natively, and on Windows itself, it runs 100,000.
  const std::uint32_t cycles = namedshm_test::running_under_wine() ? 10000 : 100000;
  const auto name = unique_name("cycles");
  std::uint32_t wrong = 0;
  const auto cycle = [&](std::uint32_t number) {
    auto region = SharedRegion::create(name, 4096);
    region.object<std::uint32_t>() = number;
    if (number % 10 == 0) {  // the opening path too, without doubling the time
      wrong += ReadOnlyRegion::open(name).object<std::uint32_t>() == number ? 0 : 1;
    }
  };
  cycle(0);  // once before counting: see "Leak checks" above
  const std::size_t handles_before = namedshm_test::open_handle_count();
  const std::size_t views_before = namedshm_test::mapped_view_count();
  for (std::uint32_t number = 1; number < cycles; ++number) cycle(number);
  CHECK(wrong == 0);
  CHECK(namedshm_test::open_handle_count() == handles_before);
  CHECK(namedshm_test::mapped_view_count() == views_before);
  CHECK_FALSE(name_exists(name));
}

TEST_CASE("thousands of failing opens and creates leave no descriptor, handle or view behind", "[stress]") {
  const auto name = unique_name("failing");
  const auto missing = unique_name("missing");
  auto existing = SharedRegion::create(name, 4096);
  int unexpected = 0;
  const auto expect = [&](const std::error_code& ec, std::errc error) { unexpected += ec == error ? 0 : 1; };
  const auto fail_every_way = [&] {
    std::error_code ec;
    static_cast<void>(SharedRegion::open(missing, ec));
    expect(ec, std::errc::no_such_file_or_directory);
    static_cast<void>(ReadOnlyRegion::open(missing, ec));
    expect(ec, std::errc::no_such_file_or_directory);
    static_cast<void>(SharedRegion::create(name, 4096, ec));
    expect(ec, std::errc::file_exists);
    static_cast<void>(SharedRegion::open_or_create(name, 8192, ec));
    expect(ec, std::errc::invalid_argument);
    unexpected += SharedRegion::remove_if_stale(name, ec) || ec ? 1 : 0;  // held by `existing`
    try {
      static_cast<void>(SharedRegion::create(name, 4096));  // the throwing path, which builds a message
      ++unexpected;
    } catch (const std::system_error& error) {
      unexpected += error.code() == std::errc::file_exists ? 0 : 1;
    }
  };
  fail_every_way();  // once before counting: see "Leak checks" above
  const std::size_t handles_before = namedshm_test::open_handle_count();
  const std::size_t views_before = namedshm_test::mapped_view_count();
  for (int i = 1; i < 2000; ++i) fail_every_way();
  CHECK(unexpected == 0);
  CHECK(namedshm_test::open_handle_count() == handles_before);
  CHECK(namedshm_test::mapped_view_count() == views_before);
  CHECK(existing.object<std::uint32_t>() == 0);  // none of it touched the existing object
}
