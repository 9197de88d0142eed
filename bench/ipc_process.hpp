// namedshm benchmarks, IPC: the partner process. The bench binary starts itself again as
// `<self> --ipc-partner <kind> <name> <parent-pid> <cpu> [args...]`; the partner opens what the
// parent made under <name>, says it is ready in a small control region (<name>-ctl), and serves
// until the parent tells it to stop. It never outlives the parent: on Linux the kernel kills it
// when the parent dies (PR_SET_PDEATHSIG), on Windows a thread that waits on the parent's process
// handle ends it. The parent waits for it with a bound and kills it if it does not exit.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_BENCH_IPC_PROCESS_HPP
#define NAMEDSHM_BENCH_IPC_PROCESS_HPP

#if defined(_WIN32)
#  include "support/win32.hpp"  // windows.h: CreateProcessW, OpenProcess, ...; command_line
#else
#  include <sched.h>      // sched_getaffinity, sched_setaffinity
#  include <signal.h>     // SIGKILL, kill
#  include <spawn.h>      // posix_spawn, posix_spawn_file_actions_adddup2
#  include <sys/prctl.h>  // prctl(PR_SET_PDEATHSIG)
#  include <sys/types.h>  // pid_t
#  include <sys/wait.h>   // waitpid
#  include <unistd.h>     // getpid, getppid, readlink
#endif

#include <atomic>        // std::atomic, the control words
#include <chrono>        // bounds on the waits for a partner
#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint32_t
#include <cstdio>        // std::fprintf, the partner's errors
#include <cstdlib>       // std::getenv, std::strtol, std::strtoull
#include <cstring>       // std::memcpy, the error message
#include <string>        // std::string, std::to_string
#include <system_error>  // std::error_code
#include <thread>        // std::this_thread::sleep_for, the Windows watchdog thread
#include <utility>       // std::exchange
#include <vector>        // std::vector, arguments

#include <benchmark/benchmark.h>  // benchmark::State, where a session reports failures

#include <namedshm/namedshm.hpp>  // SharedRegion, the control region

#if !defined(_WIN32)
extern char** environ;
#endif

namespace bench::ipc {

/// The first argument that makes this binary a partner instead of a benchmark run.
inline constexpr const char* partner_flag = "--ipc-partner";

/// The control region <name>-ctl: the partner's state, the parent's stop request and the
/// partner's error message. Parent and partner see it through the same array<> views.
class Control {
 public:
  enum : std::uint32_t { starting = 0, ready = 1, failed = 2 };

  static std::string name_of(const std::string& name) { return name + "-ctl"; }

  /// The parent's side: a new control region for the partner of `name`.
  static Control create(const std::string& name, std::error_code& ec) {
    Control control;
    control.region_ = namedshm::SharedRegion::create(name_of(name), region_bytes, ec);
    control.bind();
    return control;
  }
  /// The partner's side.
  static Control open(const std::string& name, std::error_code& ec) {
    Control control;
    control.region_ = namedshm::SharedRegion::open(name_of(name), ec);
    control.bind();
    return control;
  }

  bool valid() const noexcept { return state_ != nullptr; }
  std::atomic<std::uint32_t>& state() const noexcept { return *state_; }
  /// Set by the parent before it wakes a blocked partner for the last time (event kinds).
  std::atomic<std::uint32_t>& stop() const noexcept { return *stop_; }
  bool stop_requested() const noexcept { return stop_->load(std::memory_order_acquire) != 0; }

  void set_ready() const noexcept { state_->store(ready, std::memory_order_release); }
  void set_failed(const std::string& message) const noexcept {
    const std::size_t length = message.size() < message_bytes ? message.size() : message_bytes - 1;
    std::memcpy(message_, message.data(), length);
    message_[length] = '\0';
    state_->store(failed, std::memory_order_release);
  }
  std::string message() const { return message_ != nullptr ? std::string(message_) : std::string(); }

 private:
  static constexpr std::size_t region_bytes = 4096;
  static constexpr std::size_t message_offset = 256;
  static constexpr std::size_t message_bytes = 1024;

  void bind() {
    if (!region_) return;
    auto words = region_.array<std::atomic<std::uint32_t>>(0, 2);
    state_ = &words[0];
    stop_ = &words[1];
    message_ = region_.array<char>(message_offset, message_bytes).data();
  }

  namedshm::SharedRegion region_;
  std::atomic<std::uint32_t>* state_ = nullptr;
  std::atomic<std::uint32_t>* stop_ = nullptr;
  char* message_ = nullptr;
};

/// Where the two processes run. With two or more CPUs the parent stays on the first and the
/// partner on the second (a spinning ping-pong needs each process on a core of its own);
/// NAMEDSHM_BENCH_PIN=0 leaves both to the scheduler.
struct Placement {
  int parent_cpu = -1;
  int partner_cpu = -1;

  std::string describe() const {
    if (parent_cpu < 0) return "not pinned (the scheduler places both processes)";
    return "parent pinned to CPU " + std::to_string(parent_cpu) + ", partner to CPU " + std::to_string(partner_cpu);
  }
};

/// Pins the calling process (Windows) or thread (Linux; later threads inherit it) to `cpu`.
inline bool pin_to(int cpu) {
  if (cpu < 0) return true;
#if defined(_WIN32)
  return SetProcessAffinityMask(GetCurrentProcess(), DWORD_PTR{1} << static_cast<unsigned>(cpu)) != 0;
#else
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
#endif
}

/// The value of an environment variable, or "" (GetEnvironmentVariableA on Windows, where
/// MSVC deprecates std::getenv).
inline std::string environment(const char* variable) {
#if defined(_WIN32)
  char value[256];
  const DWORD length = GetEnvironmentVariableA(variable, value, sizeof value);
  return length > 0 && length < sizeof value ? std::string(value, length) : std::string();
#else
  const char* value = std::getenv(variable);
  return value != nullptr ? std::string(value) : std::string();
#endif
}

/// Chooses the placement from the CPUs this process may use and pins the parent.
inline Placement place_parent() {
  Placement placement;
  if (environment("NAMEDSHM_BENCH_PIN") == "0") return placement;
  std::vector<int> cpus;
#if defined(_WIN32)
  DWORD_PTR process_mask = 0;
  DWORD_PTR system_mask = 0;
  if (GetProcessAffinityMask(GetCurrentProcess(), &process_mask, &system_mask)) {
    for (unsigned cpu = 0; cpu < sizeof(DWORD_PTR) * 8; ++cpu) {
      if ((process_mask >> cpu) & 1U) cpus.push_back(static_cast<int>(cpu));
    }
  }
#else
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
    }
  }
#endif
  if (cpus.size() < 2 || !pin_to(cpus[0])) return placement;
  placement.parent_cpu = cpus[0];
  placement.partner_cpu = cpus[1];
  return placement;
}

inline Placement& placement() {
  static Placement chosen;
  return chosen;
}

/// POSIX: a descriptor of the parent that the partner gets as descriptor `target` (3, 4, ...).
struct Inherited {
  int source = -1;
  int target = -1;
};

/// A running partner process. Move-only; the destructor kills a partner that still runs and
/// reaps it.
class Partner {
 public:
  Partner() noexcept = default;
  Partner(const Partner&) = delete;
  Partner& operator=(const Partner&) = delete;
  Partner(Partner&& other) noexcept
      : id_(std::exchange(other.id_, 0)),
        process_(std::exchange(other.process_, nullptr)),
        exited_(other.exited_),
        exit_code_(other.exit_code_) {}
  /// Ends (see the destructor) the partner this one holds, then takes over `other`'s.
  Partner& operator=(Partner&& other) noexcept {
    if (this != &other) {
      end();
      id_ = std::exchange(other.id_, 0);
      process_ = std::exchange(other.process_, nullptr);
      exited_ = other.exited_;
      exit_code_ = other.exit_code_;
    }
    return *this;
  }
  ~Partner() { end(); }

  /// Starts `<self> --ipc-partner kind name parent-pid cpu args...`. POSIX: each `inherited`
  /// descriptor is duplicated into the partner at its target number. On failure returns an
  /// empty Partner and sets `error`.
  static Partner start(const std::string& kind, const std::string& name, const std::vector<std::string>& args,
                       const std::vector<Inherited>& inherited, std::string& error) {
    std::vector<std::string> argv{partner_flag, kind, name, std::to_string(current_pid()),
                                  std::to_string(placement().partner_cpu)};
    argv.insert(argv.end(), args.begin(), args.end());
    Partner partner;
#if defined(_WIN32)
    static_cast<void>(inherited);
    std::wstring path(32768, L'\0');
    path.resize(GetModuleFileNameW(nullptr, path.data(), static_cast<DWORD>(path.size())));
    std::wstring line = namedshm_test::command_line(path, argv);
    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    PROCESS_INFORMATION info{};
    if (!CreateProcessW(path.c_str(), line.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr, &startup, &info)) {
      error = "CreateProcessW: " + std::system_category().message(static_cast<int>(GetLastError()));
      return partner;
    }
    CloseHandle(info.hThread);
    partner.process_ = info.hProcess;
    partner.id_ = static_cast<long>(info.dwProcessId);
#else
    argv.insert(argv.begin(), self_path());
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    for (const Inherited& fd : inherited) posix_spawn_file_actions_adddup2(&actions, fd.source, fd.target);
    std::vector<char*> pointers;
    for (auto& argument : argv) pointers.push_back(argument.data());
    pointers.push_back(nullptr);
    pid_t pid = 0;
    const int result = posix_spawn(&pid, pointers[0], &actions, nullptr, pointers.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (result != 0) {
      error = "posix_spawn: " + std::system_category().message(result);
      return partner;
    }
    partner.id_ = static_cast<long>(pid);
#endif
    return partner;
  }

  bool started() const noexcept { return id_ != 0; }

  /// True while the partner has not exited (one system call).
  bool running() {
    if (id_ == 0 || exited_) return false;
#if defined(_WIN32)
    if (WaitForSingleObject(process_, 0) == WAIT_TIMEOUT) return true;
    DWORD code = 0;
    GetExitCodeProcess(process_, &code);
    exit_code_ = static_cast<int>(code);
#else
    int status = 0;
    const pid_t found = waitpid(static_cast<pid_t>(id_), &status, WNOHANG);
    if (found == 0) return true;
    exit_code_ = found < 0 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
#endif
    exited_ = true;
    return false;
  }

  /// Waits at most `bound` for the partner to exit: true, with its exit code (POSIX: -N if
  /// signal N ended it), if it did.
  bool wait_exit(std::chrono::milliseconds bound, int& code) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (running()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
#if defined(_WIN32)
      WaitForSingleObject(process_, 10);
#else
      std::this_thread::sleep_for(std::chrono::microseconds(200));
#endif
    }
    code = exit_code_;
    return true;
  }

  void kill() {
    if (!running()) return;
#if defined(_WIN32)
    TerminateProcess(process_, 137);
#else
    ::kill(static_cast<pid_t>(id_), SIGKILL);
#endif
  }

  /// Kills the partner if it still runs, reaps it (10 s at most) and closes its handle.
  void end() noexcept {
    if (running()) {
      kill();
      int code = 0;
      wait_exit(std::chrono::seconds(10), code);
    }
#if defined(_WIN32)
    if (process_ != nullptr) CloseHandle(process_);
#endif
    process_ = nullptr;
    id_ = 0;
  }

  static long current_pid() {
#if defined(_WIN32)
    return static_cast<long>(GetCurrentProcessId());
#else
    return static_cast<long>(getpid());
#endif
  }

 private:
#if !defined(_WIN32)
  static std::string self_path() {
    char path[4096];
    const ssize_t length = readlink("/proc/self/exe", path, sizeof path);
    return length > 0 ? std::string(path, static_cast<std::size_t>(length)) : std::string();
  }
#endif

  long id_ = 0;
  void* process_ = nullptr;  // HANDLE on Windows
  bool exited_ = false;
  int exit_code_ = 0;
};

/**
 * The parent's side of one benchmark run with a partner: the control region, the partner
 * process, the handshake and the end. Every failure is reported on the benchmark's state.
 *
 * Example:
 *   Session session(state);
 *   if (!session.begin("raw-spin", name, {})) return;   // partner started and ready
 *   ... timed loop, using session.alive() in slow paths ...
 *   ... tell the partner to stop (kind-specific) ...
 *   session.finish();                                     // exit code 0 within 10 s
 */
class Session {
 public:
  explicit Session(benchmark::State& state) : state_(state) {}

  /// Creates the control region, starts the partner and waits (60 s at most) until it is ready.
  bool begin(const std::string& kind, const std::string& name, const std::vector<std::string>& args,
             const std::vector<Inherited>& inherited = {}) {
    std::error_code ec;
    control_ = Control::create(name, ec);
    if (ec) return fail("control region: " + ec.message());
    std::string error;
    partner_ = Partner::start(kind, name, args, inherited, error);
    if (!partner_.started()) return fail(error);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
      const std::uint32_t state = control_.state().load(std::memory_order_acquire);
      if (state == Control::ready) return true;
      if (state == Control::failed) return fail("partner " + kind + ": " + control_.message());
      if (!partner_.running()) return fail("partner " + kind + " exited before it was ready");
      if (std::chrono::steady_clock::now() > deadline) return fail("partner " + kind + " not ready after 60 s");
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }

  /// False once the partner has exited; for the slow paths of waits (after many spins, or a
  /// timed-out blocking wait), never on every round trip.
  bool alive() { return partner_.running(); }

  const Control& control() const noexcept { return control_; }

  /// After the parent has told the partner to stop: waits (10 s at most) for a clean exit.
  bool finish() {
    int code = 0;
    if (!partner_.wait_exit(std::chrono::seconds(10), code)) {
      partner_.kill();
      return fail("partner did not exit within 10 s of the end");
    }
    if (code != 0) {
      const std::string message = control_.message();
      return fail("partner exited with code " + std::to_string(code) + (message.empty() ? "" : ": " + message));
    }
    return true;
  }

  /// Reports `message` on the benchmark (once) and returns false.
  bool fail(const std::string& message) {
    if (!state_.error_occurred()) state_.SkipWithError(message.c_str());
    return false;
  }

 private:
  benchmark::State& state_;
  Control control_;
  Partner partner_;
};

/// The partner's view of its command line and control region.
struct PartnerContext {
  std::string kind;
  std::string name;
  std::vector<std::string> args;  // after the cpu
  Control control;

  /// Reports a failure to the parent (in the control region and on stderr); returns 1, the
  /// partner's exit code.
  int fail(const std::string& message) const {
    control.set_failed(message);
    std::fprintf(stderr, "namedshm_bench_ipc partner %s: %s\n", kind.c_str(), message.c_str());
    return 1;
  }
  /// The argument at `index` as a number.
  std::size_t number(std::size_t index) const {
    return index < args.size() ? static_cast<std::size_t>(std::strtoull(args[index].c_str(), nullptr, 10)) : 0;
  }
};

/// Ends this partner when the parent process ends, however it ends. Returns false if the
/// parent is already gone.
inline bool follow_parent(long parent_pid) {
#if defined(_WIN32)
  HANDLE parent = OpenProcess(SYNCHRONIZE, FALSE, static_cast<DWORD>(parent_pid));
  if (parent == nullptr) return false;
  std::thread([parent] {
    WaitForSingleObject(parent, INFINITE);
    TerminateProcess(GetCurrentProcess(), 3);
  }).detach();
  return true;
#else
  // The signal comes when the thread that started us exits: Google Benchmark runs a
  // single-threaded benchmark on the main thread, which lives as long as the process.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return false;
  return getppid() == static_cast<pid_t>(parent_pid);  // it may have died before the prctl
#endif
}

/// Parses `<self> --ipc-partner kind name parent-pid cpu args...`, follows the parent, pins
/// and opens the control region. False (after a message on stderr) if any of it fails.
inline bool enter_partner(int argc, char** argv, PartnerContext& context) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s --ipc-partner KIND NAME PARENT-PID CPU [ARGS...]\n", argv[0]);
    return false;
  }
  context.kind = argv[2];
  context.name = argv[3];
  context.args.assign(argv + 6, argv + argc);
  if (!follow_parent(std::strtol(argv[4], nullptr, 10))) {
    std::fprintf(stderr, "namedshm_bench_ipc partner: the parent is gone\n");
    return false;
  }
  pin_to(static_cast<int>(std::strtol(argv[5], nullptr, 10)));
  std::error_code ec;
  context.control = Control::open(context.name, ec);
  if (ec) {
    std::fprintf(stderr, "namedshm_bench_ipc partner: control region: %s\n", ec.message().c_str());
    return false;
  }
  return true;
}

}  // namespace bench::ipc

#endif  // NAMEDSHM_BENCH_IPC_PROCESS_HPP
