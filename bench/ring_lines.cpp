// namedshm: a design experiment for issue 21's round-trip target, not a benchmark of the
// library. It times 8-byte round trips between two processes (pinned to CPUs 0 and 1) over
// three stripped-down rings in anonymous shared memory, which differ only in where the word
// lies that the receiver waits on:
//   packed      the channel's way: 16-byte records, the record word beside the payload, the
//               sender clears the next word; one cache line moves per message;
//   separate    the mailbox's way: 64-byte granules, the claim word of each granule apart from
//               the ring (spread as claim_index() spreads them); the sender loads it, claims it
//               with a compare-and-swap, moves the tail, writes the payload and commits on the
//               claim word; the receiver waits on the claim word, reads the payload and frees
//               the word;
//   colocated   the same steps with the claim word in the first 8 bytes of its granule;
//   prefetched  separate, with the cheap remedies: the sender loads its next claim word after
//               each commit, and the receiver prefetches the payload's line while it waits.
// No library code runs: what it shows is what the layouts cost on this machine, as ratios to
// `packed` measured in the same run. Linux only (fork, sched_setaffinity).
//   namedshm_ring_lines [round trips per run, default 200000]
// SPDX-License-Identifier: MIT
#include <sched.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

namespace {

constexpr std::uint64_t granules = 1024;  // a 64 KiB ring, as the round-trip benchmark's
constexpr std::uint64_t blocks = granules / 16;
constexpr std::uint64_t message_kind = std::uint64_t{1} << 63U;
constexpr std::uint64_t pending_kind = std::uint64_t{1} << 62U;

struct alignas(64) Granule {
  std::atomic<std::uint64_t> word;  // colocated: the claim word; otherwise unused
  std::atomic<std::uint64_t> payload;
  std::array<std::uint64_t, 6> rest;
};

struct alignas(128) Direction {
  alignas(128) std::atomic<std::uint64_t> tail;
  alignas(128) std::atomic<std::uint64_t> head;
  alignas(128) std::array<Granule, granules> ring;
  alignas(128) std::array<std::atomic<std::uint64_t>, granules> claims;  // separate
  alignas(128) std::array<std::atomic<std::uint64_t>, 2 * granules> packed;
};

enum class Layout : unsigned char { packed, separate, colocated, prefetched };
constexpr std::array<Layout, 4> layouts{Layout::packed, Layout::separate, Layout::colocated, Layout::prefetched};
constexpr std::array<const char*, 4> layout_names{"packed (channel)", "separate (mailbox)", "colocated", "prefetched"};

constexpr std::uint64_t claim_index(std::uint64_t granule) { return (granule % blocks) * 16 + granule / blocks; }

std::atomic<std::uint64_t>& claim_word(Direction& ring, Layout layout, std::uint64_t position) {
  const std::uint64_t granule = position % granules;
  return layout != Layout::colocated ? ring.claims[claim_index(granule)] : ring.ring[granule].word;
}

void send(Direction& ring, Layout layout, std::uint64_t position, std::uint64_t value) {
  if (layout == Layout::packed) {
    const std::uint64_t at = (2 * position) % (2 * granules);
    ring.packed[at + 1].store(value, std::memory_order_relaxed);
    ring.packed[(at + 2) % (2 * granules)].store(0, std::memory_order_relaxed);
    ring.packed[at].store(message_kind | position, std::memory_order_seq_cst);
    return;
  }
  std::atomic<std::uint64_t>& claim = claim_word(ring, layout, position);
  std::uint64_t word = claim.load(std::memory_order_acquire);
  if (word != position || !claim.compare_exchange_strong(word, pending_kind | position, std::memory_order_acq_rel)) {
    std::abort();  // one sender per ring: the word is always free for it
  }
  std::uint64_t tail = position;
  ring.tail.compare_exchange_strong(tail, position + 1, std::memory_order_acq_rel);
  ring.ring[position % granules].payload.store(value, std::memory_order_relaxed);
  claim.store(message_kind | position, std::memory_order_seq_cst);
  if (layout == Layout::prefetched) (void)claim_word(ring, layout, position + 1).load(std::memory_order_relaxed);
}

std::uint64_t receive(Direction& ring, Layout layout, std::uint64_t position) {
  std::atomic<std::uint64_t>& word =
      layout == Layout::packed ? ring.packed[(2 * position) % (2 * granules)] : claim_word(ring, layout, position);
  while (word.load(std::memory_order_acquire) != (message_kind | position)) {
    if (layout == Layout::prefetched) __builtin_prefetch(&ring.ring[position % granules]);
  }
  const std::uint64_t value = layout == Layout::packed
                                  ? ring.packed[(2 * position) % (2 * granules) + 1].load(std::memory_order_relaxed)
                                  : ring.ring[position % granules].payload.load(std::memory_order_relaxed);
  if (layout != Layout::packed) word.store(position + granules, std::memory_order_release);  // free for the next lap
  ring.head.store(position + 1, std::memory_order_seq_cst);
  return value;
}

void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) std::perror("sched_setaffinity");
}

struct Result {
  double p50;
  double p99;
};

Result run(Layout layout, int round_trips) {
  void* memory = mmap(nullptr, 2 * sizeof(Direction), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) {
    std::perror("mmap");
    std::exit(1);
  }
  // Every claim word says "free for position g" (g: its granule) for the first lap.
  const std::array<Direction*, 2> rings{new (memory) Direction(),
                                        new (static_cast<Direction*>(memory) + 1) Direction()};
  for (Direction* ring : rings) {
    for (std::uint64_t granule = 0; granule < granules; ++granule) {
      ring->claims[claim_index(granule)].store(granule, std::memory_order_relaxed);
      ring->ring[granule].word.store(granule, std::memory_order_relaxed);
    }
  }
  const pid_t child = fork();
  if (child < 0) {  // without the partner the parent would wait for replies for ever
    std::perror("fork");
    std::exit(1);
  }
  if (child == 0) {
    pin(1);
    for (int index = 0; index < round_trips; ++index) {
      const auto at = static_cast<std::uint64_t>(index);
      send(*rings[1], layout, at, receive(*rings[0], layout, at) + 1);
    }
    _exit(0);
  }
  pin(0);
  std::vector<std::int64_t> times(static_cast<std::size_t>(round_trips));
  for (int index = 0; index < round_trips; ++index) {
    const auto at = static_cast<std::uint64_t>(index);
    const auto start = std::chrono::steady_clock::now();
    send(*rings[0], layout, at, at);
    if (receive(*rings[1], layout, at) != at + 1) std::abort();
    const auto took = std::chrono::steady_clock::now() - start;
    times[static_cast<std::size_t>(index)] = std::chrono::duration_cast<std::chrono::nanoseconds>(took).count();
  }
  waitpid(child, nullptr, 0);
  munmap(memory, 2 * sizeof(Direction));
  std::sort(times.begin(), times.end());
  const auto at = [&](double quantile) {
    return static_cast<double>(times[static_cast<std::size_t>(quantile * static_cast<double>(times.size() - 1))]);
  };
  return {at(0.5), at(0.99)};
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int round_trips = argc > 1 ? std::atoi(argv[1]) : 200000;
  if (round_trips < 1000) {
    std::fprintf(stderr, "usage: %s [round trips per run, at least 1000]\n", argv[0]);
    return 2;
  }
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) < 2) {
    // two spinning processes on one CPU would take turns a time slice at a time
    std::printf("needs two CPUs: not run\n");
    return 0;
  }
  constexpr int runs = 7;  // interleaved, so that a noisy moment hits every layout alike
  std::array<std::vector<double>, layouts.size()> p50s;
  std::array<std::vector<double>, layouts.size()> p99s;
  for (int pass = 0; pass < runs; ++pass) {
    for (std::size_t index = 0; index < layouts.size(); ++index) {
      const Result result = run(layouts[index], round_trips);
      p50s[index].push_back(result.p50);
      p99s[index].push_back(result.p99);
    }
  }
  const double packed_p50 = median(p50s[0]);
  std::printf("8-byte round trips, %d per run, median of %d interleaved runs\n", round_trips, runs);
  std::printf("%-20s %10s %10s %16s\n", "layout", "p50 ns", "p99 ns", "p50 / packed");
  for (std::size_t index = 0; index < layouts.size(); ++index) {
    const double p50 = median(p50s[index]);
    std::printf("%-20s %10.0f %10.0f %15.2fx\n", layout_names[index], p50, median(p99s[index]), p50 / packed_p50);
  }
  return 0;
}
