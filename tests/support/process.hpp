// Test support: names unique per run, and real child processes (this test binary started again
// with `--child <scenario> <args...>`), on Windows and POSIX.
#ifndef NAMEDSHM_TESTS_PROCESS_HPP
#define NAMEDSHM_TESTS_PROCESS_HPP

#include <cstddef>      // std::size_t, counts of handles and views
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector, a child's arguments

#if !defined(_WIN32)
#  include <csignal>  // SIGKILL
#endif

namespace namedshm_test {

/// The id of this process.
long current_pid();

/// "nshm-test-<run>-<pid>-<counter>-<tag>": never the same twice in a run, never shared by two
/// runs. <run> is scripts/test.sh's id of the stage (NAMEDSHM_TEST_RUN, support/test_run.hpp);
/// without one the name starts "nshm-test-<pid>-".
std::string unique_name(std::string_view tag);

/// True if this Windows binary runs under Wine (ntdll exports wine_get_version); false on
/// POSIX. For the few places where Wine is known to differ from Windows.
bool running_under_wine();

/// Descriptors (POSIX: the entries of /proc/self/fd) or handles (Windows) this process has
/// open. A leak check compares two counts taken while nothing else opens or closes any.
std::size_t open_handle_count();

/// Views of shared memory this process has mapped (POSIX: /dev/shm lines of /proc/self/maps;
/// Windows: MEM_MAPPED allocations). For leak checks, as open_handle_count().
std::size_t mapped_view_count();

#if !defined(_WIN32)
/// POSIX: the path of this test binary, for a launcher (see ChildProcess::start_command) that
/// runs it again as `<path> --child <scenario> <args...>`.
std::string self_path();
#endif

/// What a child scenario receives: the arguments after its name.
using Arguments = std::vector<std::string>;
using Scenario = int (*)(const Arguments&);

/// Makes `scenario` runnable as `--child <name> ...`; used by NAMEDSHM_CHILD_SCENARIO.
struct ScenarioRegistration {
  ScenarioRegistration(const char* name, Scenario scenario);
};

/// Defines a function that a child process runs; its return value is the exit code.
#define NAMEDSHM_CHILD_SCENARIO(name)                                                  \
  static int name(const ::namedshm_test::Arguments& args);                             \
  static const ::namedshm_test::ScenarioRegistration name##_registration(#name, name); \
  static int name(const ::namedshm_test::Arguments& args)

/// If argv asks for a child scenario, runs it and stores its exit code in `exit_code`.
bool run_child_scenario(int argc, char** argv, int& exit_code);

/// What ChildProcess::wait() returns for a child that kill() ended: the exit code that
/// TerminateProcess gives it, or -SIGKILL.
#if defined(_WIN32)
inline constexpr int killed_exit_code = 137;
#else
inline constexpr int killed_exit_code = -SIGKILL;
#endif

/// A running child process: this test binary with `--child scenario args...`.
class ChildProcess {
 public:
  ChildProcess(const std::string& scenario, const Arguments& args);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  /// Kills the child if it still runs, then reaps it.
  ~ChildProcess();

  /// Waits for the child: its exit code; on POSIX, -N if signal N ended it.
  int wait();
  /// Ends the child at once (SIGKILL, TerminateProcess).
  void kill();

#if !defined(_WIN32)
  /// POSIX: starts `command` (its program looked up in PATH) instead of this binary, e.g. a
  /// launcher that changes the child's environment and then runs `self_path() --child ...`.
  static ChildProcess start_command(const Arguments& command);
  /// POSIX: waits (60 s at most) until the child is stopped, e.g. by raise(SIGSTOP); false if
  /// it ended instead (wait() then gives its exit code) or did not stop in time.
  bool wait_until_stopped();
  /// POSIX: lets a stopped child go on (SIGCONT).
  void resume();
#endif

 private:
  ChildProcess() = default;

  long id_ = 0;              // pid_t on POSIX
  void* process_ = nullptr;  // HANDLE on Windows
  bool running_ = false;
  int exit_code_ = 0;
};

/// Starts a child and waits for it: its exit code (see ChildProcess::wait).
int run_child(const std::string& scenario, const Arguments& args = {});

}  // namespace namedshm_test

#endif  // NAMEDSHM_TESTS_PROCESS_HPP
