// namedshm benchmarks, Mutex: an uncontended lock + unlock in one thread, and the handoff
// between two processes (the time from unlock() in one to the return of lock() in the other,
// which was waiting for it), each against baselines in the same run:
//   Linux    a raw robust, error-checking, process-shared pthread_mutex_t in shared memory (what
//            namedshm::Mutex wraps), the same without robustness and error checks (what code
//            that ignores crashes uses), and Boost.Interprocess's interprocess_mutex (in shared
//            memory) and named_mutex, where CMake found Boost;
//   Windows  a raw named kernel mutex (CreateMutexW, WaitForSingleObject, ReleaseMutex).
// The binary starts itself again as the partner of a handoff (see ipc_process.hpp).
// SPDX-License-Identifier: MIT
#if defined(_WIN32)
#  include "support/win32.hpp"  // windows.h: CreateMutexW, WaitForSingleObject, ReleaseMutex
#else
#  include <pthread.h>  // pthread_mutex_*, the raw baselines
#  include <time.h>     // clock_gettime, the raw timed lock

#  include <csignal>  // std::signal(SIGPIPE)
#endif

#include <benchmark/benchmark.h>

#include <algorithm>     // std::sort
#include <atomic>        // std::atomic, the handoff's words
#include <cerrno>        // EINVAL, when Boost gives no code
#include <chrono>        // steady_clock: the stamps of a handoff, on both processes' common clock
#include <cmath>         // std::ceil, the percentiles
#include <cstdint>       // std::int64_t, std::uint32_t
#include <cstring>       // std::strcmp
#include <memory>        // std::unique_ptr, the locks
#include <new>           // placement new, the raw mutexes in shared memory
#include <string>        // std::string
#include <system_error>  // std::error_code
#include <type_traits>   // std::true_type, enable_sharing
#include <vector>        // std::vector, the handoff times

#include <namedshm/mutex.hpp>
#include <namedshm/namedshm.hpp>

#include "common.hpp"       // bench::unique_name, bench::fail
#include "ipc_latency.hpp"  // cpu_relax
#include "ipc_process.hpp"  // Session, PartnerContext, enter_partner

#if NAMEDSHM_BENCH_HAVE_BOOST
#  include <boost/date_time/posix_time/posix_time_types.hpp>
#  include <boost/interprocess/sync/interprocess_mutex.hpp>
#  include <boost/interprocess/sync/named_mutex.hpp>
#endif

namespace {

using bench::ipc::PartnerContext;
using bench::ipc::Session;

/// One mutex, as a benchmark uses it: made by the parent, opened by the partner (the same kind
/// and name), locked without a bound (the uncontended loop) or for a second at most (the
/// handoff: a dead partner must fail the benchmark, not hang it).
class Lock {
 public:
  virtual ~Lock() = default;
  virtual void lock() = 0;
  virtual bool lock_for_a_second() = 0;
  virtual void unlock() = 0;
};

class NamedshmLock final : public Lock {
 public:
  NamedshmLock(const std::string& name, bool create, std::error_code& ec)
      : mutex_(create ? namedshm::Mutex::create(name, ec) : namedshm::Mutex::open(name, ec)) {}
  void lock() override { mutex_.lock(); }
  bool lock_for_a_second() override { return mutex_.try_lock_for(std::chrono::seconds(1)); }
  void unlock() override { mutex_.unlock(); }

 private:
  namedshm::Mutex mutex_;
};

/// A region that holds one raw mutex of type M: the parent constructs it, the partner uses it.
template <class M>
class RawRegion {
 public:
  RawRegion(const std::string& name, bool create, std::error_code& ec)
      : region_(create ? namedshm::SharedRegion::create(name, sizeof(M), ec) : namedshm::SharedRegion::open(name, ec)) {
  }
  bool valid() const noexcept { return region_.valid(); }
  void* memory() noexcept { return region_.data(); }

 private:
  namedshm::SharedRegion region_;
};

#if defined(_WIN32)
/// A named kernel mutex, as the raw Win32 code writes it.
class KernelMutexLock final : public Lock {
 public:
  KernelMutexLock(const std::string& name, bool create, std::error_code& ec) {
    const std::wstring wide(name.begin(), name.end());
    handle_ = create ? CreateMutexW(nullptr, FALSE, wide.c_str())
                     : OpenMutexW(SYNCHRONIZE | MUTEX_MODIFY_STATE, FALSE, wide.c_str());
    if (handle_ == nullptr) ec.assign(static_cast<int>(GetLastError()), std::system_category());
  }
  KernelMutexLock(const KernelMutexLock&) = delete;
  KernelMutexLock& operator=(const KernelMutexLock&) = delete;
  ~KernelMutexLock() override {
    if (handle_ != nullptr) CloseHandle(handle_);
  }
  void lock() override { WaitForSingleObject(handle_, INFINITE); }
  bool lock_for_a_second() override {
    const DWORD result = WaitForSingleObject(handle_, 1000);
    return result == WAIT_OBJECT_0 || result == WAIT_ABANDONED;
  }
  void unlock() override { ReleaseMutex(handle_); }

 private:
  HANDLE handle_ = nullptr;
};
#else
/// A raw pthread mutex in shared memory: `robust` is namedshm's kind (robust, error-checking,
/// process-shared); otherwise process-shared only.
class PthreadLock final : public Lock {
 public:
  PthreadLock(const std::string& name, bool create, bool robust, std::error_code& ec) : region_(name, create, ec) {
    if (ec) return;
    mutex_ = static_cast<pthread_mutex_t*>(region_.memory());
    if (!create) return;
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
    if (robust) {
      pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST);
      pthread_mutexattr_settype(&attributes, PTHREAD_MUTEX_ERRORCHECK);
    }
    const int error = pthread_mutex_init(mutex_, &attributes);
    pthread_mutexattr_destroy(&attributes);
    if (error != 0) ec.assign(error, std::generic_category());
  }
  void lock() override { pthread_mutex_lock(mutex_); }
  bool lock_for_a_second() override {
    timespec at{};
    clock_gettime(CLOCK_REALTIME, &at);
    ++at.tv_sec;
    return pthread_mutex_timedlock(mutex_, &at) == 0;
  }
  void unlock() override { pthread_mutex_unlock(mutex_); }

 private:
  RawRegion<pthread_mutex_t> region_;
  pthread_mutex_t* mutex_ = nullptr;
};
#endif

#if NAMEDSHM_BENCH_HAVE_BOOST
namespace bip = boost::interprocess;

boost::posix_time::ptime a_second_from_now() {
  return boost::posix_time::microsec_clock::universal_time() + boost::posix_time::seconds(1);
}

/// Boost's interprocess_mutex, placed in shared memory (a process-shared pthread mutex here).
class BoostInterprocessLock final : public Lock {
 public:
  BoostInterprocessLock(const std::string& name, bool create, std::error_code& ec) : region_(name, create, ec) {
    if (ec) return;
    mutex_ = create ? new (region_.memory()) bip::interprocess_mutex
                    : static_cast<bip::interprocess_mutex*>(region_.memory());
  }
  void lock() override { mutex_->lock(); }
  bool lock_for_a_second() override { return mutex_->timed_lock(a_second_from_now()); }
  void unlock() override { mutex_->unlock(); }

 private:
  RawRegion<bip::interprocess_mutex> region_;
  bip::interprocess_mutex* mutex_ = nullptr;
};

/// Boost's named_mutex; the parent removes its name at the end.
class BoostNamedLock final : public Lock {
 public:
  BoostNamedLock(const std::string& name, bool create, std::error_code& ec) : name_(name), remove_(create) {
    try {
      if (create) {
        mutex_ = std::make_unique<bip::named_mutex>(bip::create_only, name.c_str());
      } else {
        mutex_ = std::make_unique<bip::named_mutex>(bip::open_only, name.c_str());
      }
    } catch (const bip::interprocess_exception& error) {
      ec.assign(error.get_native_error() != 0 ? error.get_native_error() : EINVAL, std::generic_category());
    }
  }
  BoostNamedLock(const BoostNamedLock&) = delete;
  BoostNamedLock& operator=(const BoostNamedLock&) = delete;
  ~BoostNamedLock() override {
    mutex_.reset();
    if (remove_) bip::named_mutex::remove(name_.c_str());
  }
  void lock() override { mutex_->lock(); }
  bool lock_for_a_second() override { return mutex_->timed_lock(a_second_from_now()); }
  void unlock() override { mutex_->unlock(); }

 private:
  std::string name_;
  bool remove_;
  std::unique_ptr<bip::named_mutex> mutex_;
};
#endif

/// The kinds of mutex, by the name the benchmarks and the partner use.
std::unique_ptr<Lock> make_lock(const std::string& kind, const std::string& name, bool create, std::error_code& ec) {
  std::unique_ptr<Lock> lock;
  if (kind == "namedshm") lock = std::make_unique<NamedshmLock>(name, create, ec);
#if defined(_WIN32)
  if (kind == "raw-kernel-mutex") lock = std::make_unique<KernelMutexLock>(name, create, ec);
#else
  if (kind == "raw-robust") lock = std::make_unique<PthreadLock>(name, create, true, ec);
  if (kind == "raw-plain") lock = std::make_unique<PthreadLock>(name, create, false, ec);
#endif
#if NAMEDSHM_BENCH_HAVE_BOOST
  if (kind == "boost-interprocess_mutex") lock = std::make_unique<BoostInterprocessLock>(name, create, ec);
  if (kind == "boost-named_mutex") lock = std::make_unique<BoostNamedLock>(name, create, ec);
#endif
  if (!lock && !ec) ec = std::make_error_code(std::errc::invalid_argument);
  if (ec) lock.reset();
  return lock;
}

// ---------------------------------------------------------------------------------------------
// Uncontended: lock + unlock in one thread, the mutex always free.

void uncontended(benchmark::State& state, const std::string& kind) {
  std::error_code ec;
  const auto lock = make_lock(kind, bench::unique_name(), true, ec);
  if (!lock) return bench::fail(state, ("make the " + kind + " mutex").c_str(), ec);
  for (auto _ : state) {
    lock->lock();
    lock->unlock();
  }
}

// ---------------------------------------------------------------------------------------------
// Handoff: the two processes pass the mutex back and forth. Handoff k goes from the parent to
// the partner when k is even, back when it is odd. The one that will acquire says so
// (`waiting` = k + 1) and calls lock(); the holder waits for that, gives the acquirer time to
// go to sleep in the kernel, stamps the time and unlocks; the acquirer stamps the time when
// lock() returns and says so (`taken` = k + 1). The holder waits for that before it locks
// again: a mutex is not fair, and would otherwise let it take the mutex back at once. The stamps of handoff k lie in
// slot k % 2: the parent reads both slots of a pair after it has acquired the odd handoff, when the mutex has ordered
// every write before.

/// What the two processes share beside the mutex.
struct HandoffState {
  std::atomic<std::uint64_t> waiting;
  std::atomic<std::uint64_t> taken;
  std::atomic<std::uint32_t> stop;
  std::atomic<std::int64_t> released_ns[2];
  std::atomic<std::int64_t> acquired_ns[2];
};

}  // namespace

namespace namedshm {
template <>
struct enable_sharing<HandoffState> : std::true_type {};
}  // namespace namedshm

namespace {

std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// How long a holder lets the acquirer settle into its wait before it unlocks: long enough
/// for a futex wait natively, and for a wait request to reach wineserver under Wine.
#if defined(_WIN32)
constexpr std::int64_t settle_ns = 200'000;
#else
constexpr std::int64_t settle_ns = 30'000;
#endif

/// Spins until `word` is `value`; false if `alive` (asked now and then) says the other is gone.
template <class Alive>
bool spin_until(const std::atomic<std::uint64_t>& word, std::uint64_t value, Alive alive) {
  for (std::uint32_t spins = 0; word.load(std::memory_order_acquire) != value; ++spins) {
    bench::ipc::cpu_relax();
    if ((spins & 0xFFFFU) == 0xFFFFU && !alive()) return false;
  }
  return true;
}

/// The holder's half of handoff k: waits until the acquirer is waiting, lets it settle, stamps,
/// unlocks, and waits until the acquirer has it. False if the acquirer is gone.
template <class Alive>
bool release(Lock& lock, HandoffState& shared, std::uint64_t k, Alive alive) {
  if (!spin_until(shared.waiting, k + 1, alive)) return false;
  const std::int64_t settled = now_ns() + settle_ns;
  while (now_ns() < settled) bench::ipc::cpu_relax();
  shared.released_ns[k % 2].store(now_ns(), std::memory_order_relaxed);
  lock.unlock();
  return spin_until(shared.taken, k + 1, alive);
}

/// The acquirer's half of handoff k: says it is waiting, locks (a second at a time, while
/// `alive`), stamps. False if the holder is gone.
template <class Alive>
bool acquire(Lock& lock, HandoffState& shared, std::uint64_t k, Alive alive) {
  shared.waiting.store(k + 1, std::memory_order_release);
  while (!lock.lock_for_a_second()) {
    if (!alive()) return false;
  }
  shared.acquired_ns[k % 2].store(now_ns(), std::memory_order_relaxed);
  shared.taken.store(k + 1, std::memory_order_release);
  return true;
}

int partner_handoff(const PartnerContext& context) {
  if (context.args.empty()) return context.fail("no mutex kind");
  std::error_code ec;
  auto lock = make_lock(context.args[0], context.name + "-mutex", false, ec);
  if (!lock) return context.fail("open the " + context.args[0] + " mutex: " + ec.message());
  auto region = namedshm::SharedRegion::open(context.name + "-handoff", ec);
  if (ec) return context.fail("open the handoff region: " + ec.message());
  HandoffState& shared = region.object<HandoffState>();
  context.control.set_ready();
  const auto alive = [] { return true; };  // the parent's death kills this process
  for (std::uint64_t k = 0;; k += 2) {
    if (!acquire(*lock, shared, k, alive)) return context.fail("lock failed");
    if (shared.stop.load(std::memory_order_acquire) != 0) {
      lock->unlock();
      return 0;
    }
    if (!release(*lock, shared, k + 1, alive)) return context.fail("the parent is gone");
  }
}

/// p50_ns, p99_ns, p999_ns, max_ns and mean_ns of `times`, and their number (handoffs).
void report_percentiles(benchmark::State& state, std::vector<double>& times) {
  if (times.empty()) return;
  std::sort(times.begin(), times.end());
  const auto at = [&](double fraction) {
    auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(times.size())));
    return times[(rank == 0 ? 1 : rank) - 1];
  };
  double sum = 0;
  for (const double time : times) sum += time;
  state.counters["p50_ns"] = at(0.50);
  state.counters["p99_ns"] = at(0.99);
  state.counters["p999_ns"] = at(0.999);
  state.counters["max_ns"] = times.back();
  state.counters["mean_ns"] = sum / static_cast<double>(times.size());
  state.counters["handoffs"] = static_cast<double>(times.size());
}

void handoff(benchmark::State& state, const std::string& kind) {
  const std::string name = bench::unique_name();
  std::error_code ec;
  auto lock = make_lock(kind, name + "-mutex", true, ec);
  if (!lock) return bench::fail(state, ("make the " + kind + " mutex").c_str(), ec);
  auto region = namedshm::SharedRegion::create(name + "-handoff", sizeof(HandoffState), ec);
  if (ec) return bench::fail(state, "create the handoff region", ec);
  HandoffState& shared = region.object<HandoffState>();
  lock->lock();  // the parent holds it first: handoff 0 is its
  Session session(state);
  if (!session.begin("handoff", name, {kind})) return lock->unlock();
  const auto alive = [&] { return session.alive(); };
  std::vector<double> times;
  times.reserve(static_cast<std::size_t>(state.max_iterations) * 2);
  std::uint64_t k = 0;
  bool ok = true;
  for (auto _ : state) {  // one iteration: a handoff to the partner and one back
    ok = release(*lock, shared, k, alive) && acquire(*lock, shared, k + 1, alive);
    if (!ok) break;
    const double there = static_cast<double>(shared.acquired_ns[0].load(std::memory_order_relaxed) -
                                             shared.released_ns[0].load(std::memory_order_relaxed));
    const double back = static_cast<double>(shared.acquired_ns[1].load(std::memory_order_relaxed) -
                                            shared.released_ns[1].load(std::memory_order_relaxed));
    times.push_back(there);
    times.push_back(back);
    state.SetIterationTime((there + back) * 1e-9);
    k += 2;
  }
  if (!ok) {
    session.fail("the partner stopped taking part");
    return;
  }
  shared.stop.store(1, std::memory_order_release);
  if (!release(*lock, shared, k, alive)) {  // the partner acquires, sees stop, unlocks, exits
    session.fail("the partner did not wait for the last handoff");
    return;
  }
  session.finish();
  report_percentiles(state, times);
}

std::vector<std::string> kinds() {
  std::vector<std::string> all{"namedshm"};
#if defined(_WIN32)
  all.emplace_back("raw-kernel-mutex");
#else
  all.emplace_back("raw-robust");
  all.emplace_back("raw-plain");
#endif
#if NAMEDSHM_BENCH_HAVE_BOOST
  all.emplace_back("boost-interprocess_mutex");
  all.emplace_back("boost-named_mutex");
#endif
  return all;
}

void register_benchmarks() {
  for (const std::string& kind : kinds()) {
    benchmark::RegisterBenchmark(("mutex/uncontended/" + kind).c_str(), uncontended, kind);
  }
  for (const std::string& kind : kinds()) {
    benchmark::RegisterBenchmark(("mutex/handoff/" + kind).c_str(), handoff, kind)->UseManualTime();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], bench::ipc::partner_flag) == 0) {
    PartnerContext context;
    if (!bench::ipc::enter_partner(argc, argv, context)) return 2;
    return context.kind == "handoff" ? partner_handoff(context) : context.fail("unknown partner kind");
  }
#if !defined(_WIN32)
  std::signal(SIGPIPE, SIG_IGN);
#endif
  bench::ipc::placement() = bench::ipc::place_parent();
  benchmark::AddCustomContext("ipc_placement", bench::ipc::placement().describe());
  register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
