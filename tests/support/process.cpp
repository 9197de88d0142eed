#include "process.hpp"

#include <namedshm/detail/config.hpp>  // NAMEDSHM_EXCEPTIONS: this file also serves exceptions-off tests

#include <atomic>     // the per-run counter of unique_name
#include <chrono>     // the bound on wait_until_stopped
#include <cstdint>    // std::uintptr_t, the handle values probed under Wine
#include <cstdio>     // std::fprintf, when there are no exceptions to throw
#include <cstdlib>    // std::abort
#include <map>        // the scenario registry
#include <stdexcept>  // std::runtime_error when a child cannot start
#include <string>
#include <thread>   // std::this_thread::sleep_for between polls of a child
#include <utility>  // std::move

#include "support/test_run.hpp"  // test_run_id, the run's part of every name

#if defined(_WIN32)
#  include "support/win32.hpp"  // windows.h (lean, no min/max), command_line
#else
#  include <dirent.h>  // opendir, to count /proc/self/fd
#  include <signal.h>
#  include <spawn.h>
#  include <sys/wait.h>
#  include <unistd.h>

#  include <cerrno>   // errno, EINTR from waitpid
#  include <climits>  // PATH_MAX, for readlink
#  include <fstream>  // std::ifstream, to read /proc/self/maps
extern char** environ;
#endif

namespace namedshm_test {
namespace {

/// The test machinery itself failed (a child that cannot start, /proc unreadable): an exception
/// for Catch2 to report, or, in a build without exceptions, a message and abort().
[[noreturn]] void fail(const std::string& what) {
#if NAMEDSHM_EXCEPTIONS
  throw std::runtime_error(what);
#else
  std::fprintf(stderr, "test support: %s\n", what.c_str());
  std::abort();
#endif
}

std::map<std::string, Scenario>& scenarios() {
  static std::map<std::string, Scenario> registry;
  return registry;
}

#if defined(_WIN32)

// The handles of this process, counted by asking Wine about each handle value in turn.
//
// Wine gap: GetProcessHandleCount always reports 0 (ProcessHandleCount is a stub in Wine 8.0),
// and the system handle table (NtQuerySystemInformation, SystemExtendedHandleInformation) must
// not be read either: Wine 8.0's wineserver walks it with an unsigned index compared against a
// table's `last` of -1, so a process that has no handle yet (every process just started from
// Linux, such as the next test CTest launches) sends it past the table and wineserver dies with
// SIGSEGV, taking every running Wine process with it (CI lost three tests to it; reproduced here
// with one program reading the table while a shell started others). Windows counts for us.
//
// Wine gives out the lowest free slot, as the value (slot + 1) * 4, so the live handles of a
// process are dense from 4 up: a run of 4096 invalid values means there are no more. A leak
// fills the lowest free slots first, so it is never hidden behind such a run.
std::size_t handles_by_probing() {
  constexpr std::uintptr_t step = 4;
  constexpr std::size_t enough_misses = 4096;
  std::size_t count = 0;
  std::size_t misses = 0;
  for (std::uintptr_t value = step; misses < enough_misses; value += step) {
    DWORD flags = 0;
    if (GetHandleInformation(reinterpret_cast<HANDLE>(value), &flags) != FALSE) {
      ++count;
      misses = 0;
    } else {
      ++misses;
    }
  }
  return count;
}
#else
int exit_code_of(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status); }

long spawn(std::vector<std::string> strings, bool search_path) {
  std::vector<char*> argv;
  for (auto& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int error = search_path ? posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ)
                                : posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
  if (error != 0) fail("posix_spawn of " + strings[0] + " failed: " + std::to_string(error));
  return static_cast<long>(pid);
}
#endif

}  // namespace

long current_pid() {
#if defined(_WIN32)
  return static_cast<long>(GetCurrentProcessId());
#else
  return static_cast<long>(getpid());
#endif
}

std::string unique_name(std::string_view tag) {
  static std::atomic<unsigned> counter{0};
  static const std::string run = test_run_id();
  std::string name = "nshm-test-";
  if (!run.empty()) name.append(run).append("-");
  name.append(std::to_string(current_pid())).append("-").append(std::to_string(++counter));
  name.append("-").append(tag);
  return name;
}

#if defined(_WIN32)
bool running_under_wine() { return GetProcAddress(GetModuleHandleW(L"ntdll.dll"), "wine_get_version") != nullptr; }

std::size_t open_handle_count() {
  DWORD count = 0;
  if (!GetProcessHandleCount(GetCurrentProcess(), &count)) {
    fail("GetProcessHandleCount failed: " + std::to_string(GetLastError()));
  }
  // A live process always holds some handles: 0 means Wine, which does not count them.
  return count != 0 ? static_cast<std::size_t>(count) : handles_by_probing();
}

std::size_t mapped_view_count() {
  std::size_t count = 0;
  MEMORY_BASIC_INFORMATION region{};
  const char* address = nullptr;
  while (VirtualQuery(address, &region, sizeof region) == sizeof region) {
    // A view is one allocation, possibly split into regions by protection: count its first.
    if (region.Type == MEM_MAPPED && region.BaseAddress == region.AllocationBase) ++count;
    address = static_cast<const char*>(region.BaseAddress) + region.RegionSize;
  }
  return count;
}
#else
bool running_under_wine() { return false; }

std::size_t open_handle_count() {
  DIR* directory = opendir("/proc/self/fd");
  if (directory == nullptr) fail("cannot list /proc/self/fd");
  std::size_t count = 0;
  while (const dirent* entry = readdir(directory)) count += entry->d_name[0] != '.' ? 1 : 0;
  closedir(directory);
  return count - 1;  // the directory's own descriptor
}

std::size_t mapped_view_count() {
  std::ifstream maps("/proc/self/maps");
  if (!maps) fail("cannot read /proc/self/maps");
  std::size_t count = 0;
  for (std::string line; std::getline(maps, line);) count += line.find(" /dev/shm/") != std::string::npos ? 1 : 0;
  return count;
}

std::string self_path() {
  char path[PATH_MAX];
  const ssize_t length = readlink("/proc/self/exe", path, sizeof path);
  if (length <= 0 || static_cast<std::size_t>(length) == sizeof path) {
    fail("cannot read /proc/self/exe");
  }
  return std::string(path, static_cast<std::size_t>(length));
}
#endif

ScenarioRegistration::ScenarioRegistration(const char* name, Scenario scenario) { scenarios()[name] = scenario; }

bool run_child_scenario(int argc, char** argv, int& exit_code) {
  if (argc < 3 || std::string(argv[1]) != "--child") return false;
  const auto found = scenarios().find(argv[2]);
  if (found == scenarios().end()) {
    exit_code = 127;
    return true;
  }
  exit_code = found->second(Arguments(argv + 3, argv + argc));
  return true;
}

#if defined(_WIN32)
ChildProcess::ChildProcess(const std::string& scenario, const Arguments& args) {
  wchar_t path[32768];
  GetModuleFileNameW(nullptr, path, 32768);
  Arguments arguments{"--child", scenario};
  arguments.insert(arguments.end(), args.begin(), args.end());
  std::wstring line = command_line(path, arguments);
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  PROCESS_INFORMATION info{};
  // Handles are inherited on purpose: a test proves that ours are not inheritable.
  // Wine gap: under load, Wine 8.0's CreateProcessW now and then fails with
  // ERROR_INTERNAL_ERROR (1359) for a program that starts fine a moment later (seen in two full
  // runs at load 11, never on a quiet machine); Windows does not fail so. Under Wine that one
  // error is tried again, a few times; any other failure, and any on Windows, fails at once.
  for (int attempt = 1;; ++attempt) {
    if (CreateProcessW(path, line.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr, &startup, &info)) break;
    const DWORD error = GetLastError();
    if (error != ERROR_INTERNAL_ERROR || attempt == 5 || !running_under_wine()) {
      fail("CreateProcessW failed: " + std::to_string(error));
    }
    std::fprintf(stderr, "test support: Wine's CreateProcessW failed with 1359; starting the child again\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CloseHandle(info.hThread);
  process_ = info.hProcess;
  id_ = static_cast<long>(info.dwProcessId);
  running_ = true;
}

int ChildProcess::wait() {
  if (running_) {
    WaitForSingleObject(process_, INFINITE);
    running_ = false;
  }
  DWORD code = 0;
  GetExitCodeProcess(process_, &code);
  return static_cast<int>(code);
}

void ChildProcess::kill() {
  if (running_) TerminateProcess(process_, killed_exit_code);
}

ChildProcess::~ChildProcess() {
  if (process_ == nullptr) return;
  kill();
  wait();
  CloseHandle(process_);
}
#else
ChildProcess::ChildProcess(const std::string& scenario, const Arguments& args) {
  std::vector<std::string> strings{self_path(), "--child", scenario};
  strings.insert(strings.end(), args.begin(), args.end());
  id_ = spawn(std::move(strings), false);
  running_ = true;
}

ChildProcess ChildProcess::start_command(const Arguments& command) {
  ChildProcess child;
  child.id_ = spawn(command, true);
  child.running_ = true;
  return child;
}

bool ChildProcess::wait_until_stopped() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (running_ && std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t found = waitpid(static_cast<pid_t>(id_), &status, WNOHANG | WUNTRACED);
    if (found == -1 && errno != EINTR) return false;
    if (found > 0) {
      if (WIFSTOPPED(status)) return true;
      running_ = false;
      exit_code_ = exit_code_of(status);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

void ChildProcess::resume() {
  if (running_) ::kill(static_cast<pid_t>(id_), SIGCONT);
}

int ChildProcess::wait() {
  static_assert(sizeof(long) >= sizeof(pid_t));
  if (!running_) return exit_code_;
  int status = 0;
  while (waitpid(static_cast<pid_t>(id_), &status, 0) == -1) {
  }
  running_ = false;
  exit_code_ = exit_code_of(status);
  return exit_code_;
}

void ChildProcess::kill() {
  if (running_) ::kill(static_cast<pid_t>(id_), SIGKILL);
}

ChildProcess::~ChildProcess() {
  if (id_ == 0) return;
  kill();
  wait();
}
#endif

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : id_(other.id_), process_(other.process_), running_(other.running_), exit_code_(other.exit_code_) {
  other.id_ = 0;
  other.process_ = nullptr;
  other.running_ = false;
}

int run_child(const std::string& scenario, const Arguments& args) { return ChildProcess(scenario, args).wait(); }

}  // namespace namedshm_test
