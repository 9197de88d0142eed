#include "process.hpp"

#include <atomic>     // the per-run counter of unique_name
#include <map>        // the scenario registry
#include <stdexcept>  // std::runtime_error when a child cannot start
#include <string>

#if defined(_WIN32)
#  ifndef NOMINMAX
#    define NOMINMAX
#  endif
#  include <windows.h>
#else
#  include <signal.h>
#  include <spawn.h>
#  include <sys/wait.h>
#  include <unistd.h>
extern char** environ;
#endif

namespace namedshm_test {
namespace {

std::map<std::string, Scenario>& scenarios() {
  static std::map<std::string, Scenario> registry;
  return registry;
}

#if defined(_WIN32)
std::wstring widen(const std::string& text) {
  if (text.empty()) return {};
  const int length = MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  std::wstring wide(static_cast<std::size_t>(length), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), wide.data(), length);
  return wide;
}

// CommandLineToArgvW's rules: quote everything, double the backslashes before a quote.
void append_quoted(std::wstring& line, const std::wstring& argument) {
  line += L'"';
  std::size_t backslashes = 0;
  for (const wchar_t c : argument) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    line.append(c == L'"' ? backslashes * 2 + 1 : backslashes, L'\\');
    backslashes = 0;
    line += c;
  }
  line.append(backslashes * 2, L'\\');
  line += L"\" ";
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
  return "nshm-test-" + std::to_string(current_pid()) + "-" + std::to_string(++counter) + "-" + std::string(tag);
}

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
  std::wstring line;
  append_quoted(line, path);
  append_quoted(line, L"--child");
  append_quoted(line, widen(scenario));
  for (const auto& argument : args) append_quoted(line, widen(argument));
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  PROCESS_INFORMATION info{};
  // Handles are inherited on purpose: a test proves that ours are not inheritable.
  if (!CreateProcessW(path, line.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr, &startup, &info)) {
    throw std::runtime_error("CreateProcessW failed: " + std::to_string(GetLastError()));
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
  if (running_) TerminateProcess(process_, 137);
}

ChildProcess::~ChildProcess() {
  if (process_ == nullptr) return;
  kill();
  wait();
  CloseHandle(process_);
}
#else
ChildProcess::ChildProcess(const std::string& scenario, const Arguments& args) {
  std::vector<std::string> strings{"/proc/self/exe", "--child", scenario};
  strings.insert(strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int error = posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), environ);
  if (error != 0) throw std::runtime_error("posix_spawn failed: " + std::to_string(error));
  id_ = static_cast<long>(pid);
  running_ = true;
}

int ChildProcess::wait() {
  static_assert(sizeof(long) >= sizeof(pid_t));
  if (!running_) return exit_code_;
  int status = 0;
  while (waitpid(static_cast<pid_t>(id_), &status, 0) == -1) {
  }
  running_ = false;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
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
