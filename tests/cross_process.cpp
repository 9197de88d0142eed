// Real processes sharing regions by name: the child is this test binary started again.
#include <namedshm/namedshm.hpp>

#include <atomic>       // std::atomic counters shared by processes
#include <chrono>       // bounded waits for other processes
#include <cstring>      // std::strcmp, std::memcpy
#include <stdexcept>    // std::length_error
#include <string_view>  // std::string_view, the texts the processes exchange
#include <thread>       // std::this_thread::sleep_for
#include <vector>       // the children

#include "support/catch.hpp"
#include "support/process.hpp"
#include "support/wait.hpp"

using namedshm::SharedRegion;
using namedshm_test::ChildProcess;
using namedshm_test::unique_name;
using namedshm_test::wait_until;

namespace {

struct Letter {
  char question[64];
  std::uint64_t number;
  char answer[64];
  std::uint64_t doubled;
};

/// Writes `text` and a NUL to `out`, as strcpy would, but never past its end (and without a
/// CRT function that MSVC deprecates with C4996). Throws std::length_error if it does not fit.
void store_text(namedshm::Span<char> out, std::string_view text) {
  if (text.size() >= out.size()) throw std::length_error("store_text: the text does not fit");
  std::memcpy(out.data(), text.data(), text.size());
  out[text.size()] = '\0';
}
template <std::size_t N>
void store_text(char (&out)[N], std::string_view text) {
  store_text(namedshm::Span<char>(out, N), text);
}

}  // namespace

NAMEDSHM_CHILD_SCENARIO(answer_letter) {
  std::error_code ec;
  auto region = SharedRegion::open(args.at(0), ec);
  if (ec) return 2;
  Letter& letter = region.object<Letter>();
  if (std::strcmp(letter.question, "what is twice 21?") != 0) return 3;
  store_text(letter.answer, "forty-two");
  letter.doubled = letter.number * 2;
  return 0;
}

NAMEDSHM_CHILD_SCENARIO(count_up) {
  auto region = SharedRegion::open(args.at(0));
  auto& counter = region.object<std::atomic<std::uint64_t>>();
  for (int i = 0; i < 1000; ++i) counter.fetch_add(1);
  return 0;
}

// Creates a region and keeps it until the parent acknowledges through it.
NAMEDSHM_CHILD_SCENARIO(publish_and_wait) {
  auto region = SharedRegion::create(args.at(0), 4096);
  store_text(region.array<char>(8, 32), "from the child");
  auto flags = region.array<std::atomic<std::uint32_t>>(0, 2);
  flags[0].store(1);  // published
  return wait_until([&] { return flags[1].load() == 1; }) ? 0 : 4;
}

// All racers open_or_create at once and hold the region until every one has arrived, so there
// is one lifetime of the name and exactly one creator.
NAMEDSHM_CHILD_SCENARIO(race_open_or_create) {
  const auto racers = std::stoul(args.at(1));
  auto region = SharedRegion::open_or_create(args.at(0), 4096);
  auto& arrived = region.object<std::atomic<std::uint64_t>>();
  arrived.fetch_add(1);
  if (!wait_until([&] { return arrived.load() >= racers; })) return 5;
  return region.created() ? 11 : 10;
}

TEST_CASE("a child opens the parent's region by name, reads it and answers", "[process]") {
  const auto name = unique_name("letter");
  auto region = SharedRegion::create(name, sizeof(Letter));
  Letter& letter = region.object<Letter>();
  store_text(letter.question, "what is twice 21?");
  letter.number = 21;
  REQUIRE(namedshm_test::run_child("answer_letter", {name}) == 0);
  CHECK(std::strcmp(letter.answer, "forty-two") == 0);
  CHECK(letter.doubled == 42);
}

TEST_CASE("a child's open of a missing name fails cleanly", "[process]") {
  CHECK(namedshm_test::run_child("answer_letter", {unique_name("nobody")}) == 2);
}

TEST_CASE("the parent opens a region that a child created", "[process]") {
  const auto name = unique_name("from-child");
  ChildProcess child("publish_and_wait", {name});
  std::error_code ec;
  SharedRegion region;
  REQUIRE(wait_until([&] {
    region = SharedRegion::open(name, ec);
    return region.valid() && region.array<std::atomic<std::uint32_t>>(0, 2)[0].load() == 1;
  }));
  CHECK(std::strcmp(region.array<char>(8, 32).data(), "from the child") == 0);
  CHECK_FALSE(region.created());
  region.array<std::atomic<std::uint32_t>>(0, 2)[1].store(1);
  CHECK(child.wait() == 0);
}

TEST_CASE("atomic increments from four processes all land", "[process]") {
  const auto name = unique_name("counter");
  auto region = SharedRegion::create(name, 64);
  std::vector<ChildProcess> children;
  for (int i = 0; i < 4; ++i) children.emplace_back("count_up", namedshm_test::Arguments{name});
  for (auto& child : children) REQUIRE(child.wait() == 0);
  CHECK(region.object<std::atomic<std::uint64_t>>().load() == 4000);
}

TEST_CASE("racing open_or_create in six processes: exactly one creates", "[process][open_or_create]") {
  const auto name = unique_name("race");
  constexpr int racers = 6;
  std::vector<ChildProcess> children;
  for (int i = 0; i < racers; ++i) {
    children.emplace_back("race_open_or_create", namedshm_test::Arguments{name, std::to_string(racers)});
  }
  int creators = 0;
  int openers = 0;
  for (auto& child : children) {
    const int code = child.wait();
    creators += code == 11 ? 1 : 0;
    openers += code == 10 ? 1 : 0;
  }
  CHECK(creators == 1);
  CHECK(openers == racers - 1);
}
