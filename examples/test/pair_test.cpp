// pair_test: end-to-end tests of namedshm-writer and namedshm-reader, and of how they get on
// with raw_writer and raw_reader (plain Win32 / POSIX programs without namedshm). Each test is
// real processes started side by side, with their exit codes, stdout and stderr checked.
//
//   pair_test SCENARIO     (CTest registers one test per scenario; see examples/CMakeLists.txt)
//
// The programs are looked for next to this one. Their output goes to files named
// SCENARIO.LABEL.out / .err in the working directory, kept for inspection. Names are unique per
// run (test.sh's run id, process id and clock), so tests may run in parallel and next to other
// builds.
//
// No test depends on timing to pass: an order ("writer first") is made by waiting for what a
// program prints once it is ready, and every wait has a generous upper bound only, after which
// the test fails instead of hanging.
#include <namedshm/channel.hpp>  // ChannelReceiver::remove_if_stale, after a killed creator

#include <chrono>        // deadlines
#include <cstdint>       // std::uint64_t, the counts of the price feed
#include <cstdio>        // std::printf, std::sscanf
#include <fstream>       // std::ifstream, reading the output files
#include <functional>    // std::function, the scenario table
#include <iterator>      // std::istreambuf_iterator
#include <map>           // std::map, the scenario table
#include <sstream>       // std::ostringstream
#include <string>        // std::string
#include <string_view>   // std::string_view
#include <system_error>  // std::error_code, std::errc
#include <thread>        // std::this_thread::sleep_for
#include <vector>        // std::vector, arguments

#include "support/test_run.hpp"  // test_run_id, the run's part of every name

#if defined(_WIN32)
#  include "support/win32.hpp"  // windows.h (lean, no min/max), widen, command_line
#else
#  include <fcntl.h>     // open
#  include <grp.h>       // setgroups
#  include <signal.h>    // kill, SIGTERM
#  include <sys/mman.h>  // shm_unlink
#  include <sys/wait.h>  // waitpid
#  include <unistd.h>    // fork, execv, getpid, geteuid
#endif

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// The longest any single step may take before the test gives up (Wine can be slow to start).
constexpr auto step_limit = 60s;

const std::string default_message = "Message from first process.";
const std::string non_ascii_message =
    "Gr\xC3\xBC\xC3\x9F"
    "e, \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x98\x80";  // "Grüße, 世界 😀"

std::string scenario_name;
std::string program_directory;
int failures = 0;

void check(bool condition, const std::string& what) {
  std::printf("%s: %s\n", condition ? "ok" : "FAILED", what.c_str());
  if (!condition) ++failures;
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

std::size_t line_count(std::string_view text) {
  std::size_t lines = 0;
  for (const char c : text) lines += c == '\n' ? 1 : 0;
  return lines;
}

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

long process_id() {
#if defined(_WIN32)
  return static_cast<long>(GetCurrentProcessId());
#else
  return static_cast<long>(getpid());
#endif
}

/// A name no other run uses: "Global\namedshm-pair-<run>-<scenario>-<tag>-<pid>-<clock>", where
/// <run> is scripts/test.sh's id of the stage (support/test_run.hpp; left out, with its '-',
/// when there is none), which test.sh looks for in what a stage left behind.
std::string unique_name(const std::string& tag = "") {
  static const std::string run = namedshm_test::test_run_id();
  const auto ticks = Clock::now().time_since_epoch().count() % 1000000007;
  std::string name = "Global\\namedshm-pair-";
  if (!run.empty()) name.append(run).append("-");
  name.append(scenario_name);
  if (!tag.empty()) name.append("-").append(tag);
  name.append("-").append(std::to_string(process_id())).append("-").append(std::to_string(ticks));
  return name;
}

/// The same name as the raw programs give it to the OS: "/object" on POSIX.
std::string os_name(const std::string& name) {
#if defined(_WIN32)
  return name;
#else
  return "/" + name.substr(name.find('\\') + 1);
#endif
}

#if defined(_WIN32)
using namedshm_test::widen;
#endif

/// How a child ended.
struct Outcome {
  int exit_code = -1;  ///< on POSIX, -N if signal N ended it
  std::string out;
  std::string err;
  double seconds = 0;
  bool hung = false;  ///< it outlived step_limit and was killed
};

/// A program from the build folder, running with stdin empty (or a pipe that the test writes)
/// and stdout/stderr in files.
class Child {
 public:
  /// `as_other_user`: POSIX only, run as user and group 65534 (nobody); needs root.
  /// `piped_input`: stdin is a pipe that write_input() fills and close_input() ends.
  Child(std::string label, const std::string& program, const std::vector<std::string>& arguments,
        bool as_other_user = false, bool piped_input = false)
      : label_(std::move(label)),
        out_path_(scenario_name + "." + label_ + ".out"),
        err_path_(scenario_name + "." + label_ + ".err"),
        started_(Clock::now()) {
    std::printf("start %s: %s", label_.c_str(), program.c_str());
    for (const auto& argument : arguments) std::printf(" '%s'", argument.c_str());
    std::printf("\n");
    std::fflush(stdout);
#if defined(_WIN32)
    static_cast<void>(as_other_user);
    const std::wstring path = widen(program_directory + program + ".exe");
    std::wstring line = namedshm_test::command_line(path, arguments);
    SECURITY_ATTRIBUTES inherit{sizeof inherit, nullptr, TRUE};
    const DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE;
    HANDLE input = INVALID_HANDLE_VALUE;
    if (!piped_input) {
      input = CreateFileW(L"NUL", GENERIC_READ, share, &inherit, OPEN_EXISTING, 0, nullptr);
    } else if (CreatePipe(&input, &input_, &inherit, 0)) {
      SetHandleInformation(input_, HANDLE_FLAG_INHERIT, 0);  // only the read end goes to the child
    }
    HANDLE output = CreateFileW(widen(out_path_).c_str(), GENERIC_WRITE, share, &inherit, CREATE_ALWAYS, 0, nullptr);
    HANDLE error = CreateFileW(widen(err_path_).c_str(), GENERIC_WRITE, share, &inherit, CREATE_ALWAYS, 0, nullptr);
    STARTUPINFOW startup{};
    startup.cb = sizeof startup;
    startup.dwFlags = STARTF_USESTDHANDLES;
    startup.hStdInput = input;
    startup.hStdOutput = output;
    startup.hStdError = error;
    PROCESS_INFORMATION info{};
    const BOOL started =
        CreateProcessW(path.c_str(), line.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr, &startup, &info);
    const DWORD start_error = GetLastError();
    for (HANDLE handle : {input, output, error}) {
      if (handle != INVALID_HANDLE_VALUE) CloseHandle(handle);
    }
    if (!started) {
      check(false, label_ + " starts (CreateProcessW error " + std::to_string(start_error) + ")");
      return;
    }
    CloseHandle(info.hThread);
    process_ = info.hProcess;
#else
    const std::string path = program_directory + program;
    std::vector<std::string> strings{path};
    strings.insert(strings.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    for (auto& text : strings) argv.push_back(text.data());
    argv.push_back(nullptr);
    // The files are emptied here, before the child exists, so that wait_for_output never
    // sees what an earlier run left in them.
    int input = -1;
    int ends[2] = {-1, -1};
    if (!piped_input) {
      input = open("/dev/null", O_RDONLY | O_CLOEXEC);
    } else if (pipe2(ends, O_CLOEXEC) == 0) {
      input = ends[0];
      input_ = ends[1];
    }
    const int output = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int error = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (input >= 0 && output >= 0 && error >= 0) pid_ = fork();
    if (pid_ == 0) {
      if (dup2(input, 0) < 0 || dup2(output, 1) < 0 || dup2(error, 2) < 0) _exit(126);
      if (as_other_user && (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0)) _exit(125);
      execv(path.c_str(), argv.data());
      _exit(127);
    }
    for (const int fd : {input, output, error}) {
      if (fd >= 0) close(fd);
    }
    if (pid_ < 0) check(false, label_ + " starts (open or fork failed)");
#endif
  }

  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  ~Child() {
    close_input();
    if (running()) {
      kill_now();
      finish();
    }
#if defined(_WIN32)
    if (process_ != nullptr) CloseHandle(process_);
#endif
  }

  /// Writes to a piped stdin; false once the child no longer reads it.
  bool write_input(const std::string& data) {
#if defined(_WIN32)
    DWORD written = 0;
    return input_ != nullptr && WriteFile(input_, data.data(), static_cast<DWORD>(data.size()), &written, nullptr) &&
           written == data.size();
#else
    std::size_t done = 0;
    while (input_ >= 0 && done < data.size()) {
      const ssize_t wrote = ::write(input_, data.data() + done, data.size() - done);
      if (wrote <= 0) return false;
      done += static_cast<std::size_t>(wrote);
    }
    return input_ >= 0;
#endif
  }

  /// Ends a piped stdin: the child reads end-of-file.
  void close_input() {
#if defined(_WIN32)
    if (input_ != nullptr) CloseHandle(input_);
    input_ = nullptr;
#else
    if (input_ >= 0) ::close(input_);
    input_ = -1;
#endif
  }

  /// Ends the child at once (SIGKILL, TerminateProcess), as a crash would.
  void kill() { kill_now(); }

  /// True until the child has exited (and, on POSIX, been reaped by us).
  bool running() {
#if defined(_WIN32)
    if (process_ == nullptr || exited_) return false;
    if (WaitForSingleObject(process_, 0) == WAIT_TIMEOUT) return true;
    DWORD code = 0;
    GetExitCodeProcess(process_, &code);
    exited_ = true;
    ended_ = Clock::now();
    exit_code_ = static_cast<int>(code);
    return false;
#else
    if (pid_ <= 0 || exited_) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return true;
    record(status);
    return false;
#endif
  }

  /// Waits until the child's stdout (or stderr) contains `text`; false if it exits first or
  /// step_limit passes.
  bool wait_for_output(std::string_view text, bool on_stderr = false) {
    const auto deadline = Clock::now() + step_limit;
    while (Clock::now() < deadline) {
      if (contains(read_file(on_stderr ? err_path_ : out_path_), text)) return true;
      if (!running()) return contains(read_file(on_stderr ? err_path_ : out_path_), text);
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  /// Asks the child to stop: SIGTERM on POSIX (the programs end cleanly), TerminateProcess with
  /// exit code 130 on Windows (the kernel closes the child's handles).
  void stop() {
#if defined(_WIN32)
    if (process_ != nullptr) TerminateProcess(process_, 130);
#else
    if (pid_ > 0 && !exited_) ::kill(pid_, SIGTERM);
#endif
  }

  /// Waits (up to step_limit, then kills) and collects the outcome; prints it for the log.
  Outcome finish() {
    Outcome outcome;
    const auto deadline = Clock::now() + step_limit;
    while (running()) {
      if (Clock::now() >= deadline) {
        outcome.hung = true;
        kill_now();
        reap();
        break;
      }
      std::this_thread::sleep_for(5ms);
    }
    outcome.exit_code = exit_code_;
    outcome.out = read_file(out_path_);
    outcome.err = read_file(err_path_);
    outcome.seconds = std::chrono::duration<double>(ended_ - started_).count();
    std::printf("--- %s: exit %d after %.2f s%s\n[stdout]\n%s[stderr]\n%s---\n", label_.c_str(), outcome.exit_code,
                outcome.seconds, outcome.hung ? " (killed: it hung)" : "", outcome.out.c_str(), outcome.err.c_str());
    std::fflush(stdout);
    return outcome;
  }

 private:
  void kill_now() {
#if defined(_WIN32)
    if (process_ != nullptr) TerminateProcess(process_, 137);
#else
    if (pid_ > 0 && !exited_) ::kill(pid_, SIGKILL);
#endif
  }

  /// Waits for a child that has just been killed.
  void reap() {
#if defined(_WIN32)
    if (process_ != nullptr && WaitForSingleObject(process_, INFINITE) == WAIT_OBJECT_0) running();
#else
    int status = 0;
    if (pid_ > 0 && !exited_ && waitpid(pid_, &status, 0) == pid_) record(status);
#endif
  }

#if !defined(_WIN32)
  void record(int status) {
    exited_ = true;
    ended_ = Clock::now();
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
#endif

  std::string label_;
  std::string out_path_;
  std::string err_path_;
  Clock::time_point started_;
  Clock::time_point ended_ = Clock::now();
  bool exited_ = false;
  int exit_code_ = -1;
#if defined(_WIN32)
  HANDLE process_ = nullptr;
  HANDLE input_ = nullptr;  // the write end of a piped stdin
#else
  pid_t pid_ = -1;
  int input_ = -1;  // the write end of a piped stdin
#endif
};

}  // namespace

namespace {

bool is_windows() {
#if defined(_WIN32)
  return true;
#else
  return false;
#endif
}

bool running_as_root() {
#if defined(_WIN32)
  return false;
#else
  return geteuid() == 0;
#endif
}

/// Removes a POSIX name that a killed raw_writer could not remove; nothing to do on Windows.
void remove_leftover(const std::string& name) {
#if defined(_WIN32)
  static_cast<void>(name);
#else
  shm_unlink(os_name(name).c_str());
#endif
}

Outcome run(const std::string& label, const std::string& program, const std::vector<std::string>& arguments,
            bool as_other_user = false) {
  return Child(label, program, arguments, as_other_user).finish();
}

std::vector<std::string> lines_that_are_not_notes(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream stream(text);
  for (std::string line; std::getline(stream, line);) {
    if (!contains(line, ": note: ")) lines.push_back(line);
  }
  return lines;
}

void expect_message(const Outcome& reader, const std::string& message, const std::string& who = "reader") {
  check(reader.exit_code == 0, who + " exits with 0");
  check(reader.out == message + "\n", who + " prints exactly the message, on a line of its own");
}

/// A failure: the exit code, nothing on stdout, and one line (notes aside) on stderr that
/// contains `words`.
void expect_failure(const Outcome& outcome, int code, const std::string& words, const std::string& who) {
  check(outcome.exit_code == code, who + " exits with " + std::to_string(code));
  check(outcome.out.empty(), who + " prints nothing on stdout");
  const std::vector<std::string> lines = lines_that_are_not_notes(outcome.err);
  check(lines.size() == 1 && !outcome.err.empty() && outcome.err.back() == '\n',
        who + " writes one line on stderr (notes aside)");
  check(!lines.empty() && contains(lines.back(), words), who + "'s error says \"" + words + "\"");
}

void expect_writer_done(Child& writer) {
  const Outcome outcome = writer.finish();
  check(outcome.exit_code == 0, "the writer exits with 0");
  check(contains(outcome.out, "a reader has read the message"), "the writer learned that its message was read");
}

/// Our writer first (the reader starts once the writer says it waits), then our reader.
void writer_then_reader(const std::string& name, const std::string& message, std::vector<std::string> options = {}) {
  std::vector<std::string> arguments{"--name", name, "--message", message, "--timeout", "60"};
  arguments.insert(arguments.end(), options.begin(), options.end());
  Child writer("writer", "namedshm-writer", arguments);
  check(writer.wait_for_output("waiting up to"), "the writer is ready");
  const Outcome reader = run("reader", "namedshm-reader", {"--name", name, "--timeout", "60"});
  expect_message(reader, message);
  check(reader.err.empty(), "the reader writes nothing on stderr");
  expect_writer_done(writer);
}

// --- the scenarios -------------------------------------------------------------------------------

void writer_first() {
  const std::string name = unique_name();
  Child writer("writer", "namedshm-writer", {"--name", name, "--timeout", "60"});  // the sample's message
  check(writer.wait_for_output("waiting up to"), "the writer is ready");
  const Outcome reader = run("reader", "namedshm-reader", {"--name", name, "--timeout", "60"});
  expect_message(reader, default_message);
  check(reader.err.empty(), "the reader writes nothing on stderr");
  expect_writer_done(writer);
}

void reader_first() {
  const std::string name = unique_name();
  Child reader("reader", "namedshm-reader", {"--name", name, "--timeout", "60"});
  check(reader.wait_for_output("note: waiting up to 60 s for \"" + name + "\" to appear", true),
        "the reader waits for the region to appear");
  Child writer("writer", "namedshm-writer", {"--name", name, "--timeout", "60"});
  const Outcome read = reader.finish();
  expect_message(read, default_message);
  check(lines_that_are_not_notes(read.err).empty(), "the reader reports no error");
  expect_writer_done(writer);
}

void custom_name_and_message() {
  // Local\ instead of Global\, and a space and quotes in the name, which stays this run's.
  const std::string global = "Global\\";
  const std::string name = "Local\\" + unique_name().substr(global.size()) + " \"custom\"";
  writer_then_reader(name, "A custom message: \"quoted\", back\\slash\\\\ and  two spaces.", {"--size", "4096"});
}

void non_ascii_text() { writer_then_reader(unique_name(), non_ascii_message); }
void encoding_utf8() { writer_then_reader(unique_name(), non_ascii_message, {"--encoding", "utf8"}); }
void encoding_utf16() { writer_then_reader(unique_name(), non_ascii_message, {"--encoding", "utf16"}); }

void message_too_long() {
  const std::string name = unique_name();
  expect_failure(run("writer-utf8", "namedshm-writer",
                     {"--name", name, "--size", "16", "--message", "This message does not fit in 16 bytes.",
                      "--encoding", "utf8"}),
                 5, "the message needs 39 bytes as UTF-8 with its terminator, but the region has only 16",
                 "the writer");
  expect_failure(run("writer-utf16", "namedshm-writer",
                     {"--name", name, "--size", "16", "--message", "Eight ch", "--encoding", "utf16"}),
                 5, "the message needs 18 bytes as UTF-16", "the writer (UTF-16)");
  expect_failure(run("reader", "namedshm-reader", {"--name", name, "--timeout", "0"}), 2,
                 "no shared memory named \"" + name + "\" appeared within 0 s", "a reader afterwards");
}

void message_fills_region() {
  // 15 bytes and the terminator fill 16: no room for the read count, so only the writer's
  // read event can tell it that the message was read.
  const std::string name = unique_name();
  const std::string message = "Fifteen bytes!!";
  Child reader("reader", "namedshm-reader", {"--name", name, "--timeout", "60"});
  check(reader.wait_for_output("note: waiting up to", true), "the reader waits for the region to appear");
  Child writer("writer", "namedshm-writer",
               {"--name", name, "--size", "16", "--message", message, "--encoding", "utf8", "--timeout", "600"});
  check(writer.wait_for_output("waiting up to"), "the writer is ready");
  expect_message(reader.finish(), message);
  const Outcome done = writer.finish();
  check(done.exit_code == 0, "the writer exits with 0: the event told it, without a read count");
  check(contains(done.out, "a reader has read the message"), "the writer learned that its message was read");
  check(!contains(done.out, "no room for the read count"), "the writer did not expect to wait its whole timeout");
  expect_failure(run("reader-after", "namedshm-reader", {"--name", name, "--timeout", "0"}), 2, "appeared within 0 s",
                 "a reader after the writer has gone (the name went with it)");
}

void missing_name() {
  const std::string name = unique_name();
  const Outcome waited = run("reader", "namedshm-reader", {"--name", name, "--timeout", "1"});
  expect_failure(waited, 2, "no shared memory named \"" + name + "\" appeared within 1 s", "the reader");
  check(contains(waited.err, "note: waiting up to 1 s"), "the reader said that it waits");
  check(waited.seconds >= 0.9, "the reader waited its timeout");
  const Outcome at_once = run("reader-now", "namedshm-reader", {"--name", name, "--timeout", "0"});
  expect_failure(at_once, 2, "appeared within 0 s", "the reader with --timeout 0");
  check(line_count(at_once.err) == 1, "with --timeout 0 there is no note");
  expect_failure(run("reader-fraction", "namedshm-reader", {"--name", name, "--timeout", "0.2"}), 2,
                 "appeared within 0.2 s", "the reader with a fractional timeout");
}

void name_taken() {
  const std::string name = unique_name();
  Child first("writer", "namedshm-writer", {"--name", name, "--message", "first writer", "--timeout", "60"});
  check(first.wait_for_output("waiting up to"), "the first writer is ready");
  expect_failure(run("second-writer", "namedshm-writer", {"--name", name, "--message", "second writer"}), 3,
                 "another process holds this name", "a second writer of the same name");
  expect_message(run("reader", "namedshm-reader", {"--name", name, "--timeout", "60"}), "first writer");
  expect_writer_done(first);
}

void not_acknowledged() {
  const std::string name = unique_name();
  const Outcome writer = run("writer", "namedshm-writer", {"--name", name, "--timeout", "0.5"});
  check(writer.exit_code == 6, "a writer that nobody reads exits with 6");
  check(contains(writer.out, "waiting up to 0.5 s"), "it said how long it would wait");
  check(lines_that_are_not_notes(writer.err).size() == 1 &&
            contains(writer.err, "no reader confirmed reading the message within 0.5 s"),
        "it says so in one line on stderr");
  expect_failure(run("reader-after", "namedshm-reader", {"--name", name, "--timeout", "0"}), 2, "appeared within 0 s",
                 "a reader after the writer has gone");
}

void usage_errors() {
  const std::string name = unique_name();
  struct Case {
    const char* program;
    std::vector<std::string> arguments;
    std::string words;
  };
  const std::vector<Case> cases{
      {"namedshm-writer", {"--bogus"}, "unknown argument \"--bogus\" (see --help)"},
      {"namedshm-writer", {"--name"}, "--name needs a value"},
      {"namedshm-writer", {"--name", name, "--size", "0"}, "--size wants a whole number"},
      {"namedshm-writer", {"--name", name, "--size", "12k"}, "--size wants a whole number"},
      {"namedshm-writer", {"--name", name, "--timeout", "-1"}, "--timeout wants seconds"},
      {"namedshm-writer", {"--name", name, "--timeout", "soon"}, "--timeout wants seconds"},
      {"namedshm-writer", {"--name", name, "--message", ""}, "the message is empty"},
      {"namedshm-writer", {"--name", name, "--encoding", "latin1"}, "--encoding is utf8 or utf16"},
      {"namedshm-writer",
       {"--name", name, "--encoding", "utf16", "--message", "\xE4\xB8\x96\xE7\x95\x8C"},
       "must start with a character from U+0001 to U+00FF"},
      {"namedshm-writer", {"--name", "Local\\a/b"}, "the name contains '/'"},
      {"namedshm-writer", {"--name", "global\\x"}, "the prefix is case-sensitive"},
      {"namedshm-reader", {"--name", "Global\\"}, "nothing follows the prefix"},
      {"namedshm-reader", {"--timeout"}, "--timeout needs a value"},
      {"namedshm-reader", {"--name", name, "extra"}, "unknown argument \"extra\""},
  };
  for (std::size_t index = 0; index < cases.size(); ++index) {
    const Case& c = cases[index];
    const std::string label = "case" + std::to_string(index + 1);
    expect_failure(run(label, c.program, c.arguments), 1, c.words, std::string(c.program) + " (" + label + ")");
  }
  if (!is_windows()) {  // POSIX arguments are bytes, and these are not UTF-8
    expect_failure(run("invalid-utf8", "namedshm-writer", {"--name", name, "--message", "caf\xE9"}), 1,
                   "the message is not valid UTF-8", "the writer with a Latin-1 message");
  }
  for (const char* program : {"namedshm-writer", "namedshm-reader"}) {
    const Outcome help = run(std::string(program) + "-help", program, {"--help"});
    check(help.exit_code == 0, std::string(program) + " --help exits with 0");
    check(contains(help.out, std::string("Usage: ") + program) &&
              contains(help.out, "default Global\\MyFileMappingObject") && help.err.empty(),
          std::string(program) + " --help prints the usage and the default name on stdout");
  }
}

void raw_writer_to_reader(const std::vector<std::string>& options, const std::string& message) {
  const std::string name = unique_name();
  std::vector<std::string> arguments{os_name(name), "--timeout", "60"};
  arguments.insert(arguments.end(), options.begin(), options.end());
  Child writer("raw-writer", "raw_writer", arguments);
  check(writer.wait_for_output("raw_writer: ready"), "the raw writer is ready");
  const Outcome reader = run("reader", "namedshm-reader", {"--name", name, "--timeout", "60"});
  expect_message(reader, message);
  const Outcome raw = writer.finish();
  check(raw.exit_code == 0 && contains(raw.out, "read 1 time(s)"),
        "the raw writer found the read count at the documented offset");
}

void raw_writer_native() { raw_writer_to_reader({}, default_message); }
void raw_writer_utf8() {
  raw_writer_to_reader({"--encoding", "utf8", "--message", non_ascii_message}, non_ascii_message);
}
void raw_writer_utf16() {
  raw_writer_to_reader({"--encoding", "utf16", "--message", non_ascii_message}, non_ascii_message);
}

void writer_to_raw_reader() {
  const std::string name = unique_name();
  Child writer("writer", "namedshm-writer", {"--name", name, "--message", non_ascii_message, "--timeout", "60"});
  check(writer.wait_for_output("waiting up to"), "the writer is ready");
  expect_message(run("raw-reader", "raw_reader", {os_name(name)}), non_ascii_message, "the raw reader");
  check(writer.running(), "the writer still waits: a raw reader sends no acknowledgement");
  expect_message(run("reader", "namedshm-reader", {"--name", name, "--timeout", "60"}), non_ascii_message);
  expect_writer_done(writer);
}

/// The name as Python's SharedMemory and Boost's shared_memory_object take it: no prefix, no
/// "/" (they add it for shm_open).
std::string bare_name(const std::string& name) { return name.substr(name.find('\\') + 1); }

/// A writer of another library (`program`: python_peer.py, boost_peer) stores the message in its
/// own segment; our reader reads and acknowledges it, and closes, the last namedshm handle: the
/// segment is not namedshm's, so it stays, and its writer removes it itself.
void peer_writer_to_reader(const std::string& peer, const std::string& program) {
  const std::string name = unique_name();
  Child writer(peer + "-writer", program,
               {"write", bare_name(name), "--message", non_ascii_message, "--timeout", "60"});
  check(writer.wait_for_output(program.substr(0, program.find('.')) + ": ready"), "the " + peer + " writer is ready");
  expect_message(run("reader", "namedshm-reader", {"--name", name, "--timeout", "60"}), non_ascii_message);
  const Outcome outcome = writer.finish();
  check(outcome.exit_code == 0 && contains(outcome.out, "read 1 time(s)"),
        "the " + peer + " writer found the read count at the documented offset, and removed its segment itself");
}

/// Our writer, then a reader of another library, which acknowledges nothing, then ours.
void writer_to_peer_reader(const std::string& peer, const std::string& program) {
  const std::string name = unique_name();
  Child writer("writer", "namedshm-writer", {"--name", name, "--message", non_ascii_message, "--timeout", "60"});
  check(writer.wait_for_output("waiting up to"), "the writer is ready");
  expect_message(run(peer + "-reader", program, {"read", bare_name(name)}), non_ascii_message,
                 "the " + peer + " reader");
  check(writer.running(), "the writer still waits: the " + peer + " reader sends no acknowledgement");
  expect_message(run("reader", "namedshm-reader", {"--name", name, "--timeout", "60"}), non_ascii_message);
  expect_writer_done(writer);
}

void python_writer_to_reader() { peer_writer_to_reader("Python", "python_peer.py"); }
void writer_to_python_reader() { writer_to_peer_reader("Python", "python_peer.py"); }
void boost_writer_to_reader() { peer_writer_to_reader("Boost", "boost_peer"); }
void writer_to_boost_reader() { writer_to_peer_reader("Boost", "boost_peer"); }

/// The raw writer's options for a region that our reader (as another user when we are root)
/// may only read, or not open at all.
std::vector<std::string> restricted(bool readable) {
  if (is_windows()) return {"--sddl", readable ? "D:P(A;;GR;;;WD)" : "D:P"};
  if (running_as_root()) return {"--mode", readable ? "0644" : "0600"};  // the reader runs as nobody
  return {"--mode", readable ? "0400" : "0000"};
}

/// Ends a raw writer that nobody can acknowledge: as root, a reader with write access counts
/// a read (and the count proves that the restricted reader did not); else it is stopped.
void end_raw_writer(Child& writer, const std::string& name) {
  if (running_as_root()) {
    expect_message(run("root-reader", "namedshm-reader", {"--name", name, "--timeout", "60"}), default_message,
                   "a reader with write access");
    const Outcome raw = writer.finish();
    check(raw.exit_code == 0 && contains(raw.out, "read 1 time(s)"), "the raw writer counted exactly that one read");
    return;
  }
  writer.stop();
  writer.finish();
  remove_leftover(name);
}

void read_only_fallback() {
  const std::string name = unique_name();
  std::vector<std::string> arguments{os_name(name), "--timeout", "60"};
  for (const auto& option : restricted(true)) arguments.push_back(option);
  Child writer("raw-writer", "raw_writer", arguments);
  check(writer.wait_for_output("raw_writer: ready"), "the raw writer is ready");
  const Outcome reader = run("reader", "namedshm-reader", {"--name", name, "--timeout", "60"}, running_as_root());
  expect_message(reader, default_message);
  check(contains(reader.err, "note: opened \"" + name + "\" read-only"), "the reader says that it opened read-only");
  end_raw_writer(writer, name);
}

void access_denied() {
  const std::string name = unique_name();
  std::vector<std::string> arguments{os_name(name), "--timeout", "60"};
  for (const auto& option : restricted(false)) arguments.push_back(option);
  Child writer("raw-writer", "raw_writer", arguments);
  check(writer.wait_for_output("raw_writer: ready"), "the raw writer is ready");
  expect_failure(run("reader", "namedshm-reader", {"--name", name, "--timeout", "60"}, running_as_root()), 4, "denied",
                 "a reader without access");
  end_raw_writer(writer, name);
}

// --- The file-streaming pair: namedshm-send-file and namedshm-receive-file. ---

/// `size` bytes that differ from run to run of the generator's seed only: a file to stream.
std::string test_bytes(std::size_t size, std::uint32_t seed) {
  std::string bytes(size, '\0');
  for (char& byte : bytes) {
    seed = seed * 1664525U + 1013904223U;
    byte = static_cast<char>(seed >> 24U);
  }
  return bytes;
}

std::string write_input_file(const std::string& bytes) {
  const std::string path = scenario_name + ".input.bin";
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

/// The 64 hex digits of the receiver's last line, "<sha256>  OUTPUT".
std::string printed_digest(const Outcome& outcome) {
  const std::string& out = outcome.out;
  const std::size_t end = out.find_last_not_of("\r\n");
  const std::size_t start = end == std::string::npos ? 0 : out.find_last_of('\n', end);
  return out.substr(start == std::string::npos ? 0 : start + 1, 64);
}

/// Checks a whole transfer: both exit 0, the copy is the same bytes, both name the same digest.
void expect_transfer(const Outcome& sender, const Outcome& receiver, const std::string& bytes,
                     const std::string& output) {
  check(receiver.exit_code == 0, "the receiver exits with 0");
  check(sender.exit_code == 0, "the sender exits with 0");
  check(read_file(output) == bytes, "the received file has the sent bytes");
  check(contains(receiver.out, "  " + output), "the receiver prints its digest as sha256sum does");
  check(printed_digest(receiver).size() == 64 && contains(sender.out, "SHA-256 " + printed_digest(receiver)),
        "sender and receiver agree on the SHA-256");
  check(contains(sender.out, "sent " + std::to_string(bytes.size()) + " bytes"), "the sender counts every byte");
}

void stream_file() {
  // A known answer first (FIPS 180-2, "abc"), so that the digests below mean something.
  const std::string name = unique_name();
  const std::string bytes = test_bytes(3 * 1024 * 1024 + 12345, 7);  // not a multiple of any chunk
  const std::string input = write_input_file(bytes);
  const std::string output = scenario_name + ".output.bin";
  Child receiver("receiver", "namedshm-receive-file", {output, "--name", name, "--capacity", "65536"});
  check(receiver.wait_for_output("waiting up to"), "the receiver is ready");
  const Outcome sender = run("sender", "namedshm-send-file", {input, "--name", name});
  expect_transfer(sender, receiver.finish(), bytes, output);
}

void stream_known_digest() {
  const std::string name = unique_name();
  const std::string output = scenario_name + ".output.bin";
  const std::string input = write_input_file("abc");
  Child receiver("receiver", "namedshm-receive-file", {output, "--name", name});
  check(receiver.wait_for_output("waiting up to"), "the receiver is ready");
  const Outcome sender = run("sender", "namedshm-send-file", {input, "--name", name});
  const Outcome received = receiver.finish();
  expect_transfer(sender, received, "abc", output);
  check(printed_digest(received) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        "the digest of \"abc\" is FIPS 180-2's");
  const std::string empty = scenario_name + ".empty.bin";
  std::ofstream(empty, std::ios::binary).flush();
  Child second("receiver-empty", "namedshm-receive-file", {output, "--name", name});
  check(second.wait_for_output("waiting up to"), "the receiver of an empty file is ready");
  const Outcome empty_sender = run("sender-empty", "namedshm-send-file", {empty, "--name", name});
  const Outcome empty_received = second.finish();
  expect_transfer(empty_sender, empty_received, "", output);
  check(printed_digest(empty_received) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "the digest of an empty file is the known one");
}

void stream_sender_first() {
  const std::string name = unique_name();
  const std::string bytes = test_bytes(200000, 11);
  const std::string input = write_input_file(bytes);
  const std::string output = scenario_name + ".output.bin";
  Child sender("sender", "namedshm-send-file", {input, "--name", name, "--timeout", "60"});
  const Outcome received = run("receiver", "namedshm-receive-file", {output, "--name", name});
  expect_transfer(sender.finish(), received, bytes, output);
}

void stream_from_stdin() {
  const std::string name = unique_name();
  const std::string bytes = test_bytes(1500000, 13);
  const std::string output = scenario_name + ".output.bin";
  Child receiver("receiver", "namedshm-receive-file", {output, "--name", name, "--capacity", "65536"});
  check(receiver.wait_for_output("waiting up to"), "the receiver is ready");
  Child sender("sender", "namedshm-send-file", {"-", "--name", name}, false, true);
  check(sender.write_input(bytes), "the sender reads all of its stdin");
  sender.close_input();
  expect_transfer(sender.finish(), receiver.finish(), bytes, output);
}

void stream_sender_dies() {
  // The sender waits for more of its stdin when it is killed: no end message can come, and
  // the receiver, asleep in its wait, must learn from the OS that the sender is gone.
  const std::string name = unique_name();
  const std::string output = scenario_name + ".output.bin";
  Child receiver("receiver", "namedshm-receive-file", {output, "--name", name});
  check(receiver.wait_for_output("waiting up to"), "the receiver is ready");
  Child sender("sender", "namedshm-send-file", {"-", "--name", name}, false, true);
  check(sender.write_input(test_bytes(100000, 17)), "the sender takes part of a file");
  sender.kill();
  const Outcome received = receiver.finish();
  check(received.exit_code == 8, "the receiver exits with 8: cut short");
  check(contains(received.err, "the sender died"), "it says that the sender died");
  check(read_file(output).empty() && !std::ifstream(output).good(), "no half file is left behind");
}

void stream_receiver_dies() {
  // The receiver is killed in the middle of a transfer. The ring (64 KiB) is far smaller than
  // what the sender is given next, so the sender must wait for room that never comes, and
  // learn from the OS that the receiver died.
  const std::string name = unique_name();
  const std::string output = scenario_name + ".output.bin";
  Child receiver("receiver", "namedshm-receive-file", {output, "--name", name, "--capacity", "65536"});
  check(receiver.wait_for_output("waiting up to"), "the receiver is ready");
  Child sender("sender", "namedshm-send-file", {"-", "--name", name}, false, true);
  check(sender.write_input(test_bytes(100000, 19)), "the sender takes the start of a file");
  receiver.kill();
  receiver.finish();
  sender.write_input(test_bytes(1000000, 23));  // fails part-way once the sender has given up
  sender.close_input();
  const Outcome sent = sender.finish();
  check(sent.exit_code == 9, "the sender exits with 9: the receiver went away");
  check(contains(sent.err, "the receiver went away"), "it says so");
  // The receiver made the channel and was killed; the sender, its last live user, has closed:
  // the channel's three names (the region, NAME.ready, NAME.room) went with it, on every
  // platform, and nothing is left for remove_if_stale.
  const auto gone = [](const std::string& object) {
    std::error_code ec;
    static_cast<void>(namedshm::ReadOnlyRegion::open(object, ec));
    return ec == std::errc::no_such_file_or_directory;
  };
  check(gone(name) && gone(name + ".ready") && gone(name + ".room"), "the last user took the channel's names");
  check(!namedshm::ChannelReceiver::remove_if_stale(name), "nothing is left for remove_if_stale");
}

// --- The price feed: namedshm-broadcast-sender and two namedshm-broadcast-receiver. ---

/// The line a receiver ends with: "received R ticks, missed M, SHA-256 D".
struct FeedReport {
  std::uint64_t received = 0;
  std::uint64_t missed = 0;
  std::string digest;
  bool found = false;
};

FeedReport feed_report(const Outcome& receiver) {
  FeedReport report;
  const std::size_t at = receiver.out.find("received ");
  if (at == std::string::npos) return report;
  unsigned long long received = 0;
  unsigned long long missed = 0;
  char digest[65] = {};
  report.found = std::sscanf(receiver.out.c_str() + at, "received %llu ticks, missed %llu, SHA-256 %64s", &received,
                             &missed, digest) == 3;
  report.received = received;
  report.missed = missed;
  report.digest = digest;
  return report;
}

/// The sender's SHA-256 from its last line, "sent N ticks, SHA-256 D".
std::string feed_digest(const Outcome& sender) {
  const std::size_t at = sender.out.find("SHA-256 ");
  return at == std::string::npos ? std::string() : sender.out.substr(at + 8, 64);
}

/// Starts the sender for two receivers and then the two receivers (`slow` the second):
/// the outcomes of sender, first and second.
std::vector<Outcome> run_feed(const std::vector<std::string>& sender_options, bool slow) {
  const std::string name = unique_name();
  std::vector<std::string> arguments{"--name", name, "--receivers", "2", "--timeout", "60"};
  arguments.insert(arguments.end(), sender_options.begin(), sender_options.end());
  Child sender("sender", "namedshm-broadcast-sender", arguments);
  check(sender.wait_for_output("waiting up to"), "the sender is ready");
  Child first("first", "namedshm-broadcast-receiver", {"--name", name, "--timeout", "60"});
  std::vector<std::string> second_arguments{"--name", name, "--timeout", "60"};
  if (slow) second_arguments.emplace_back("--slow");
  Child second("second", "namedshm-broadcast-receiver", second_arguments);
  const Outcome sent = sender.finish();
  return {sent, first.finish(), second.finish()};
}

void broadcast_two_receivers() {
  const std::vector<Outcome> outcomes = run_feed({"--count", "100000"}, false);
  check(outcomes[0].exit_code == 0 && contains(outcomes[0].out, "sent 100000 ticks"), "the sender sent every tick");
  const std::string digest = feed_digest(outcomes[0]);
  for (std::size_t i = 1; i < 3; ++i) {
    const FeedReport report = feed_report(outcomes[i]);
    check(outcomes[i].exit_code == 0, "receiver " + std::to_string(i) + " exits with 0: every tick whole, in order");
    check(report.found && report.received == 100000 && report.missed == 0,
          "receiver " + std::to_string(i) + " got all 100000 ticks and missed none");
    check(!digest.empty() && report.digest == digest, "receiver " + std::to_string(i) + " has the sender's SHA-256");
  }
}

void broadcast_overwrite_slow_receiver() {
  // An overwriting sender never waits: the slow receiver may miss ticks (how many depends on the
  // machine), but every tick it gets is whole and in order, and it counts every one it missed.
  const std::vector<Outcome> outcomes = run_feed({"--count", "300000", "--overwrite"}, true);
  check(outcomes[0].exit_code == 0 && contains(outcomes[0].out, "sent 300000 ticks"), "the sender sent every tick");
  for (std::size_t i = 1; i < 3; ++i) {
    const FeedReport report = feed_report(outcomes[i]);
    check(outcomes[i].exit_code == 0, "receiver " + std::to_string(i) + " exits with 0: every tick whole, in order");
    check(report.found && report.received + report.missed == 300000,
          "receiver " + std::to_string(i) + " got or counted as missed every tick (" + std::to_string(report.received) +
              " + " + std::to_string(report.missed) + ")");
  }
}

// --- The service and its clients: namedshm-service and namedshm-client. ---

/// The service's last line: "answered A requests, D clients said goodbye, X dropped, M malformed,
/// B abandoned (...)".
struct ServiceReport {
  unsigned long long answered = 0;
  unsigned long long done = 0;
  unsigned long long dropped = 0;
  unsigned long long malformed = 0;
  unsigned long long abandoned = 0;
  bool found = false;
};

ServiceReport service_report(const Outcome& service) {
  ServiceReport report;
  const std::size_t at = service.out.find("answered ");
  if (at == std::string::npos) return report;
  report.found =
      std::sscanf(service.out.c_str() + at,
                  "answered %llu requests, %llu clients said goodbye, %llu dropped, %llu malformed, "
                  "%llu abandoned",
                  &report.answered, &report.done, &report.dropped, &report.malformed, &report.abandoned) == 5;
  return report;
}

/// What a process that killed itself (or was killed) exits with, as Child reports it.
int killed_code() { return is_windows() ? 137 : -9; }

/// True once no object has the name: the last user took it (or all its users died).
bool name_gone(const std::string& name) {
  std::error_code ec;
  static_cast<void>(namedshm::ReadOnlyRegion::open(name, ec));
  return ec == std::errc::no_such_file_or_directory;
}

/// The arguments of a service for `clients` clients, or 0: until it is stopped.
std::vector<std::string> service_arguments(const std::string& name, const char* clients) {
  return {"--name", name, "--clients", clients};
}

void expect_service_ready(Child& service) {
  check(service.wait_for_output("waiting for requests"), "the service is ready");
}

void expect_client_done(const Outcome& client, int count, const std::string& who) {
  check(client.exit_code == 0, who + " exits with 0: every reply came and was right");
  check(contains(client.out, std::to_string(count) + " requests answered, all right"),
        who + " got all " + std::to_string(count) + " replies");
}

void service_two_clients() {
  const std::string name = unique_name();
  Child service("service", "namedshm-service", service_arguments(name, "2"));
  expect_service_ready(service);
  Child first("first", "namedshm-client", {"--name", name, "--count", "500", "--timeout", "60"});
  Child second("second", "namedshm-client", {"--name", name, "--count", "500", "--timeout", "60"});
  expect_client_done(first.finish(), 500, "the first client");
  expect_client_done(second.finish(), 500, "the second client");
  const Outcome served = service.finish();
  const ServiceReport report = service_report(served);
  check(served.exit_code == 0 && report.found, "the service exits with 0 and says what it did");
  check(report.answered == 1000 && report.done == 2, "the service answered 1000 requests and both clients left");
  check(report.dropped == 0 && report.malformed == 0 && report.abandoned == 0, "nothing went wrong on the way");
  check(name_gone(name), "the mailbox went with its last user");
}

void service_client_dies_mid_request() {
  // The doomed client gets three replies, then dies while it writes its fourth request into the
  // mailbox's ring: the service must skip that claim (once the OS says its writer died), count
  // it, and serve the two clients that come next as if nothing had happened.
  const std::string name = unique_name();
  Child service("service", "namedshm-service", service_arguments(name, "2"));
  expect_service_ready(service);
  const Outcome doomed = run("doomed", "namedshm-client", {"--name", name, "--die-mid-request", "--timeout", "60"});
  check(doomed.exit_code == killed_code(), "the doomed client died in the middle of a request");
  Child first("first", "namedshm-client", {"--name", name, "--count", "200", "--timeout", "60"});
  Child second("second", "namedshm-client", {"--name", name, "--count", "200", "--timeout", "60"});
  expect_client_done(first.finish(), 200, "the first client");
  expect_client_done(second.finish(), 200, "the second client");
  const Outcome served = service.finish();
  const ServiceReport report = service_report(served);
  check(served.exit_code == 0 && report.found, "the service survives and exits with 0");
  check(report.answered == 403 && report.done == 2, "the service answered the doomed client's 3 and the others' 400");
  check(report.abandoned == 1, "the service skipped and counted the half-written request");
  check(report.malformed == 0, "no half-written request reached the service");
}

void service_dies() {
  // The service is killed while a client streams requests: the client, whether it waits for a
  // reply or sends, must end with a clear error, learnt from the OS, not hang.
  const std::string name = unique_name();
  Child service("service", "namedshm-service", service_arguments(name, "0"));
  expect_service_ready(service);
  Child client("client", "namedshm-client", {"--name", name, "--count", "0", "--timeout", "60"});
  check(client.wait_for_output("100 requests answered"), "the client is being served");
  service.kill();
  service.finish();
  const Outcome outcome = client.finish();
  check(outcome.exit_code == 9, "the client exits with 9: the service went away");
  check(contains(outcome.err, "the service died"), "the client says that the service died");
  check(name_gone(name), "nothing of the mailbox is left");
}

const std::map<std::string, void (*)()> scenarios{
    {"writer-first", writer_first},
    {"reader-first", reader_first},
    {"custom-name-and-message", custom_name_and_message},
    {"non-ascii-text", non_ascii_text},
    {"encoding-utf8", encoding_utf8},
    {"encoding-utf16", encoding_utf16},
    {"message-too-long", message_too_long},
    {"message-fills-region", message_fills_region},
    {"missing-name", missing_name},
    {"name-taken", name_taken},
    {"not-acknowledged", not_acknowledged},
    {"usage-errors", usage_errors},
    {"raw-writer-to-reader", raw_writer_native},
    {"raw-writer-utf8-to-reader", raw_writer_utf8},
    {"raw-writer-utf16-to-reader", raw_writer_utf16},
    {"writer-to-raw-reader", writer_to_raw_reader},
    {"python-writer-to-reader", python_writer_to_reader},
    {"writer-to-python-reader", writer_to_python_reader},
    {"boost-writer-to-reader", boost_writer_to_reader},
    {"writer-to-boost-reader", writer_to_boost_reader},
    {"read-only-fallback", read_only_fallback},
    {"access-denied", access_denied},
    {"stream-file", stream_file},
    {"stream-known-digest", stream_known_digest},
    {"stream-sender-first", stream_sender_first},
    {"stream-from-stdin", stream_from_stdin},
    {"stream-sender-dies", stream_sender_dies},
    {"stream-receiver-dies", stream_receiver_dies},
    {"broadcast-two-receivers", broadcast_two_receivers},
    {"broadcast-overwrite-slow-receiver", broadcast_overwrite_slow_receiver},
    {"service-two-clients", service_two_clients},
    {"service-client-dies-mid-request", service_client_dies_mid_request},
    {"service-dies", service_dies},
};

std::string own_directory(const char* argv0) {
#if defined(_WIN32)
  static_cast<void>(argv0);
  wchar_t path[32768];
  const DWORD length = GetModuleFileNameW(nullptr, path, 32768);
  const int size = WideCharToMultiByte(CP_UTF8, 0, path, static_cast<int>(length), nullptr, 0, nullptr, nullptr);
  std::string utf8(static_cast<std::size_t>(size), '\0');
  WideCharToMultiByte(CP_UTF8, 0, path, static_cast<int>(length), utf8.data(), size, nullptr, nullptr);
  return utf8.substr(0, utf8.find_last_of("\\/") + 1);
#else
  const std::string path = argv0;
  const std::size_t slash = path.rfind('/');
  return slash == std::string::npos ? "./" : path.substr(0, slash + 1);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  const auto found = argc == 2 ? scenarios.find(argv[1]) : scenarios.end();
  if (found == scenarios.end()) {
    std::printf("usage: pair_test SCENARIO, one of:");
    for (const auto& entry : scenarios) std::printf(" %s", entry.first.c_str());
    std::printf("\n");
    return 2;
  }
  scenario_name = found->first;
#if !defined(_WIN32)
  ::signal(SIGPIPE, SIG_IGN);  // a child that stops reading its stdin must not end the test
#endif
  program_directory = own_directory(argv[0]);
  found->second();
  std::printf("%s: %s\n", scenario_name.c_str(), failures == 0 ? "passed" : "FAILED");
  return failures == 0 ? 0 : 1;
}
