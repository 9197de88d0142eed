// namedshm benchmarks, IPC: the raw code that namedshm's event and channel are measured
// against, written as a careful programmer would by hand, and what both sides share (the
// messages of the throughput runs and the consumer's read of every byte).
//   spinning:  two std::atomic<std::uint64_t> in shared memory, 128 bytes apart, and a loop of
//              loads with a pause instruction between them;
//   blocking:  Linux: two 32-bit futex words (FUTEX_WAIT / FUTEX_WAKE, not private);
//              Windows: two named auto-reset events (CreateEventW, SetEvent, WaitForSingleObject);
//   streams:   Linux: a pipe() each way, or one socketpair(AF_UNIX, SOCK_STREAM);
//              Windows: one duplex byte-mode named pipe (CreateNamedPipeW / CreateFileW).
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_BENCH_IPC_BASELINES_HPP
#define NAMEDSHM_BENCH_IPC_BASELINES_HPP

#if defined(_WIN32)
#  include "support/win32.hpp"  // windows.h: CreateEventW, CreateNamedPipeW, ReadFile, WriteFile
#else
#  include <fcntl.h>        // fcntl(F_DUPFD_CLOEXEC), O_CLOEXEC
#  include <linux/futex.h>  // FUTEX_WAIT, FUTEX_WAKE
#  include <sys/socket.h>   // socketpair
#  include <sys/syscall.h>  // SYS_futex
#  include <time.h>         // timespec, the bound on the parent's futex waits
#  include <unistd.h>       // pipe2, read, write, close, syscall

#  include <cerrno>  // errno, EINTR, ETIMEDOUT
#endif

#include <atomic>        // std::atomic, the shared words
#include <cstddef>       // std::size_t, std::byte
#include <cstdint>       // std::uint32_t, std::uint64_t
#include <cstring>       // std::memcpy
#include <string>        // std::string
#include <system_error>  // std::error_code
#include <utility>       // std::exchange, std::move
#include <vector>        // std::vector, messages

#include <namedshm/namedshm.hpp>  // SharedRegion, to share the raw words

#include "ipc_latency.hpp"  // cpu_relax

namespace bench::ipc {

// ---------------------------------------------------------------------------------------------
// Messages of the throughput runs: 64-bit words, the first one the message's sequence number
// (1, 2, 3, ...), the others a fixed pattern; the consumer checks the sum of every message.

/// A message of `size` bytes (a multiple of 8) whose first word is 0.
inline std::vector<std::uint64_t> message_pattern(std::size_t size) {
  std::vector<std::uint64_t> words(size / sizeof(std::uint64_t));
  for (std::size_t i = 1; i < words.size(); ++i) words[i] = i * 0x9E37'79B9'7F4A'7C15ULL;
  return words;
}

/// The sum of the 64-bit words of `size` bytes at `data` (any alignment), modulo 2^64: the
/// consumer's read of every byte of a message. Eight independent sums, so that the loop is
/// bound by loads, not by the latency of one chain of additions (one sum ran at 19 GB/s on
/// 64 KiB here, eight at 94 GB/s, faster than memcpy).
inline std::uint64_t sum_words(const void* data, std::size_t size) noexcept {
  constexpr std::size_t lanes = 8;
  constexpr std::size_t word = sizeof(std::uint64_t);
  const auto* bytes = static_cast<const unsigned char*>(data);
  std::uint64_t sums[lanes] = {};
  std::size_t offset = 0;
  for (; offset + lanes * word <= size; offset += lanes * word) {
    for (std::size_t lane = 0; lane < lanes; ++lane) {
      std::uint64_t value = 0;
      std::memcpy(&value, bytes + offset + lane * word, word);
      sums[lane] += value;
    }
  }
  std::uint64_t sum = 0;
  for (; offset + word <= size; offset += word) {
    std::uint64_t value = 0;
    std::memcpy(&value, bytes + offset, word);
    sum += value;
  }
  for (const std::uint64_t lane : sums) sum += lane;
  return sum;
}

/// Copies with `rep movsb` on x86 (the string instruction that CPUs with ERMS/FSRM run at full
/// cache-line width), std::memcpy elsewhere. Into lines that the other core holds it wrote 6 to 10
/// times faster here than the vector stores of Wine's memcpy (and of glibc's memcpy at 1 MiB),
/// which wait for each line to come over first; the producers copy with it for comparison.
inline void copy_with_movsb(void* target, const void* source, std::size_t size) noexcept {
#if defined(_MSC_VER) && defined(_M_X64)
  __movsb(static_cast<unsigned char*>(target), static_cast<const unsigned char*>(source), size);
#elif defined(__x86_64__) || defined(__i386__)
  __asm__ __volatile__("rep movsb" : "+D"(target), "+S"(source), "+c"(size) : : "memory");
#else
  std::memcpy(target, source, size);
#endif
}

// ---------------------------------------------------------------------------------------------
// Spinning: two words in a region, ping (parent to partner) and pong (back), each on its own
// 128-byte pair of cache lines.

class SpinWords {
 public:
  static constexpr std::uint64_t stop_value = ~std::uint64_t{0};

  static SpinWords create(const std::string& name, std::error_code& ec) {
    return SpinWords(namedshm::SharedRegion::create(name, 4096, ec));
  }
  static SpinWords open(const std::string& name, std::error_code& ec) {
    return SpinWords(namedshm::SharedRegion::open(name, ec));
  }

  std::atomic<std::uint64_t>& ping() const noexcept { return *ping_; }
  std::atomic<std::uint64_t>& pong() const noexcept { return *pong_; }

 private:
  explicit SpinWords(namedshm::SharedRegion region) : region_(std::move(region)) {
    if (!region_) return;
    auto words = region_.array<std::atomic<std::uint64_t>>(0, 32);
    ping_ = &words[0];
    pong_ = &words[16];
  }

  namedshm::SharedRegion region_;
  std::atomic<std::uint64_t>* ping_ = nullptr;
  std::atomic<std::uint64_t>* pong_ = nullptr;
};

/// The parent's round trip: `value` out, the same value back. Every `check_every` spins it
/// asks `alive()` whether the partner still runs (false: the round trip fails).
template <class Alive>
inline bool spin_round_trip(const SpinWords& words, std::uint64_t value, Alive&& alive) {
  constexpr unsigned check_every = 1U << 16U;
  words.ping().store(value, std::memory_order_release);
  unsigned spins = 0;
  while (words.pong().load(std::memory_order_acquire) != value) {
    cpu_relax();
    if (++spins == check_every) {
      spins = 0;
      if (!alive()) return false;
    }
  }
  return true;
}

/// The partner: sends back every value until stop_value.
inline void spin_serve(const SpinWords& words) {
  std::uint64_t last = 0;
  for (;;) {
    std::uint64_t value = 0;
    while ((value = words.ping().load(std::memory_order_acquire)) == last) cpu_relax();
    if (value == SpinWords::stop_value) return;
    words.pong().store(value, std::memory_order_release);
    last = value;
  }
}

// ---------------------------------------------------------------------------------------------
// A raw ring for the streams: fixed-size slots in a region, a count of messages written (head)
// and one of messages read (tail), each on its own cache lines; both sides spin. The least a
// single-producer single-consumer ring can do, to show what moving bytes between two cores
// costs on this machine before any channel logic.

class RawRing {
 public:
  static RawRing create(const std::string& name, std::size_t slot_bytes, std::size_t slots, std::error_code& ec) {
    return RawRing(namedshm::SharedRegion::create(name, data_offset + slot_bytes * slots, ec), slot_bytes, slots);
  }
  static RawRing open(const std::string& name, std::size_t slot_bytes, std::size_t slots, std::error_code& ec) {
    return RawRing(namedshm::SharedRegion::open(name, ec), slot_bytes, slots);
  }

  explicit operator bool() const noexcept { return head_ != nullptr; }

  /// The producer: waits for a free slot, copies `size` bytes into it and publishes it. False
  /// if the consumer has closed the ring.
  bool push(const void* data) noexcept {
    const std::uint64_t head = head_->load(std::memory_order_relaxed);
    while (head - tail_->load(std::memory_order_acquire) >= slots_) {
      if (closed_->load(std::memory_order_relaxed) != 0) return false;
      cpu_relax();
    }
    std::memcpy(slot(head), data, slot_bytes_);
    head_->store(head + 1, std::memory_order_release);
    return closed_->load(std::memory_order_relaxed) == 0;
  }

  /// The consumer: waits for a message and returns it in place (valid until release()). Every
  /// `check_every` spins asks `alive()`; null if it says no.
  template <class Alive>
  const void* front(Alive&& alive) noexcept {
    constexpr unsigned check_every = 1U << 16U;
    const std::uint64_t tail = tail_->load(std::memory_order_relaxed);
    unsigned spins = 0;
    while (head_->load(std::memory_order_acquire) == tail) {
      cpu_relax();
      if (++spins == check_every) {
        spins = 0;
        if (!alive()) return nullptr;
      }
    }
    return slot(tail);
  }
  void release() noexcept { tail_->store(tail_->load(std::memory_order_relaxed) + 1, std::memory_order_release); }
  void close() noexcept { closed_->store(1, std::memory_order_relaxed); }

 private:
  static constexpr std::size_t data_offset = 4096;

  RawRing(namedshm::SharedRegion region, std::size_t slot_bytes, std::size_t slots)
      : region_(std::move(region)), slot_bytes_(slot_bytes), slots_(slots) {
    if (!region_ || region_.size() < data_offset + slot_bytes * slots) return;
    auto words = region_.array<std::atomic<std::uint64_t>>(0, 48);
    head_ = &words[0];
    tail_ = &words[16];
    closed_ = &words[32];
  }
  std::byte* slot(std::uint64_t count) const noexcept {
    return region_.data() + data_offset + static_cast<std::size_t>(count % slots_) * slot_bytes_;
  }

  namedshm::SharedRegion region_;
  std::size_t slot_bytes_ = 0;
  std::size_t slots_ = 0;
  std::atomic<std::uint64_t>* head_ = nullptr;
  std::atomic<std::uint64_t>* tail_ = nullptr;
  std::atomic<std::uint64_t>* closed_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// A handoff: one buffer and a turn counter. The writer acts on even turns, the reader on odd
// ones; each passes the turn on when done. Timing one side's work alone measures what a core
// can do with cache lines that the other core has just written (or read), with no wait in it.

class Handoff {
 public:
  static Handoff create(const std::string& name, std::size_t size, std::error_code& ec) {
    return Handoff(namedshm::SharedRegion::create(name, data_offset + size, ec), size);
  }
  static Handoff open(const std::string& name, std::size_t size, std::error_code& ec) {
    return Handoff(namedshm::SharedRegion::open(name, ec), size);
  }

  explicit operator bool() const noexcept { return turn_ != nullptr; }
  std::byte* buffer() const noexcept { return region_.data() + data_offset; }
  std::size_t size() const noexcept { return size_; }

  /// Waits until the turn is `odd` (true: the reader's) or even; every `check_every` spins asks
  /// `keep_going()`, and gives up (false) if it says no.
  template <class KeepGoing>
  bool wait_turn(bool odd, KeepGoing&& keep_going) const noexcept {
    constexpr unsigned check_every = 1U << 12U;
    unsigned spins = 0;
    while ((turn_->load(std::memory_order_acquire) & 1U) != (odd ? 1U : 0U)) {
      cpu_relax();
      if (++spins == check_every) {
        spins = 0;
        if (!keep_going()) return false;
      }
    }
    return true;
  }
  void pass_turn() const noexcept { turn_->fetch_add(1, std::memory_order_acq_rel); }

 private:
  static constexpr std::size_t data_offset = 4096;

  Handoff(namedshm::SharedRegion region, std::size_t size) : region_(std::move(region)), size_(size) {
    if (!region_ || region_.size() < data_offset + size) return;
    turn_ = &region_.array<std::atomic<std::uint64_t>>(0, 1)[0];
  }

  namedshm::SharedRegion region_;
  std::size_t size_ = 0;
  std::atomic<std::uint64_t>* turn_ = nullptr;
};

#if defined(_WIN32)
// ---------------------------------------------------------------------------------------------
// Windows handles. Events and named pipes fail with different sentinels (NULL and
// INVALID_HANDLE_VALUE); a Handle holds null for "none" whichever call made it.

class Handle {
 public:
  Handle() noexcept = default;
  explicit Handle(HANDLE handle) noexcept : handle_(handle == INVALID_HANDLE_VALUE ? nullptr : handle) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  ~Handle() { reset(); }

  HANDLE get() const noexcept { return handle_; }
  explicit operator bool() const noexcept { return handle_ != nullptr; }
  void reset() noexcept {
    if (handle_ != nullptr) CloseHandle(handle_);
    handle_ = nullptr;
  }

 private:
  HANDLE handle_ = nullptr;
};

inline std::wstring wide(const std::string& text) { return std::wstring(text.begin(), text.end()); }

/// Two named auto-reset events, "Local\<name>-ping" and "Local\<name>-pong".
struct EventPair {
  Handle ping;
  Handle pong;

  static std::wstring event_name(const std::string& name, const char* which) {
    return L"Local\\" + wide(name) + L"-" + wide(which);
  }
  static EventPair create(const std::string& name, DWORD& error) {
    EventPair pair;
    pair.ping = Handle(CreateEventW(nullptr, FALSE, FALSE, event_name(name, "ping").c_str()));
    pair.pong = Handle(CreateEventW(nullptr, FALSE, FALSE, event_name(name, "pong").c_str()));
    error = pair.ping && pair.pong ? 0 : GetLastError();
    return pair;
  }
  static EventPair open(const std::string& name, DWORD& error) {
    EventPair pair;
    constexpr DWORD access = EVENT_MODIFY_STATE | SYNCHRONIZE;
    pair.ping = Handle(OpenEventW(access, FALSE, event_name(name, "ping").c_str()));
    pair.pong = Handle(OpenEventW(access, FALSE, event_name(name, "pong").c_str()));
    error = pair.ping && pair.pong ? 0 : GetLastError();
    return pair;
  }
};

/// The parent's round trip over events: set ping, wait for pong (a second at a time, asking
/// `alive()` after each second without an answer).
template <class Alive>
inline bool event_round_trip(const EventPair& events, Alive&& alive) {
  if (!SetEvent(events.ping.get())) return false;
  for (;;) {
    const DWORD result = WaitForSingleObject(events.pong.get(), 1000);
    if (result == WAIT_OBJECT_0) return true;
    if (result != WAIT_TIMEOUT || !alive()) return false;
  }
}

/// "\\.\pipe\<name>": the named pipe's path.
inline std::wstring pipe_path(const std::string& name) { return L"\\\\.\\pipe\\" + wide(name); }

/// A byte stream: one duplex named-pipe handle.
struct Stream {
  Handle pipe;

  bool write_all(const void* data, std::size_t size) const {
    const auto* bytes = static_cast<const char*>(data);
    while (size > 0) {
      DWORD written = 0;
      const auto chunk = static_cast<DWORD>(size < 0x4000'0000U ? size : 0x4000'0000U);
      if (!WriteFile(pipe.get(), bytes, chunk, &written, nullptr) || written == 0) return false;
      bytes += written;
      size -= written;
    }
    return true;
  }
  /// False at the end of the stream or on an error.
  bool read_all(void* data, std::size_t size) const {
    auto* bytes = static_cast<char*>(data);
    while (size > 0) {
      DWORD read = 0;
      const auto chunk = static_cast<DWORD>(size < 0x4000'0000U ? size : 0x4000'0000U);
      if (!ReadFile(pipe.get(), bytes, chunk, &read, nullptr) || read == 0) return false;
      bytes += read;
      size -= read;
    }
    return true;
  }
};

/// The parent's end: a byte-mode pipe for one client, with `buffer` bytes each way.
inline Stream create_named_pipe(const std::string& name, DWORD buffer, DWORD& error) {
  Stream stream;
  stream.pipe = Handle(CreateNamedPipeW(pipe_path(name).c_str(), PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE,
                                        PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1,
                                        buffer, buffer, 0, nullptr));
  error = stream.pipe ? 0 : GetLastError();
  return stream;
}

/// After the partner has opened its end: completes the connection.
inline bool connect_named_pipe(const Stream& stream, DWORD& error) {
  if (ConnectNamedPipe(stream.pipe.get(), nullptr) || GetLastError() == ERROR_PIPE_CONNECTED) return true;
  error = GetLastError();
  return false;
}

/// The partner's end.
inline Stream open_named_pipe(const std::string& name, DWORD& error) {
  Stream stream;
  stream.pipe =
      Handle(CreateFileW(pipe_path(name).c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, 0, nullptr));
  error = stream.pipe ? 0 : GetLastError();
  return stream;
}

#else
// ---------------------------------------------------------------------------------------------
// Linux: futex words and descriptors.

/// A descriptor, closed by the destructor.
class Fd {
 public:
  Fd() noexcept = default;
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Fd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);  // never retried: Linux closes the descriptor even on EINTR
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

/// `fd` moved to a number >= 10 (close-on-exec), so that the partner's dup2 to 3 and 4 can
/// never overwrite a source that is still to be duplicated.
inline Fd high_fd(Fd fd) {
  if (!fd) return fd;
  return Fd(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 10));
}

/// A byte stream: a descriptor to read and one to write (the same one for a socket).
struct Stream {
  Fd in;
  Fd out;
  int in_fd = -1;
  int out_fd = -1;

  bool write_all(const void* data, std::size_t size) const {
    const auto* bytes = static_cast<const char*>(data);
    while (size > 0) {
      const ssize_t written = ::write(out_fd, bytes, size);
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) return false;
      bytes += written;
      size -= static_cast<std::size_t>(written);
    }
    return true;
  }
  /// False at the end of the stream or on an error.
  bool read_all(void* data, std::size_t size) const {
    auto* bytes = static_cast<char*>(data);
    while (size > 0) {
      const ssize_t got = ::read(in_fd, bytes, size);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      bytes += got;
      size -= static_cast<std::size_t>(got);
    }
    return true;
  }
};

/// The partner's end: descriptors 3 (read) and 4 (write), or 3 for both.
inline Stream inherited_stream(bool one_socket) {
  Stream stream;
  stream.in = Fd(3);
  stream.in_fd = 3;
  if (one_socket) {
    stream.out_fd = 3;
  } else {
    stream.out = Fd(4);
    stream.out_fd = 4;
  }
  return stream;
}

/// Two ends of a stream, the parent's and the partner's (to be inherited as 3 and 4, or 3).
struct StreamPair {
  Stream parent;
  Fd partner_in;
  Fd partner_out;  // empty for a socket
};

/// A pipe each way.
inline bool make_pipes(StreamPair& pair, int& error) {
  int down[2];
  int up[2];
  if (::pipe2(down, O_CLOEXEC) != 0) {
    error = errno;
    return false;
  }
  if (::pipe2(up, O_CLOEXEC) != 0) {
    error = errno;
    ::close(down[0]);
    ::close(down[1]);
    return false;
  }
  pair.parent.out = Fd(down[1]);
  pair.parent.in = Fd(up[0]);
  pair.parent.out_fd = down[1];
  pair.parent.in_fd = up[0];
  pair.partner_in = high_fd(Fd(down[0]));
  pair.partner_out = high_fd(Fd(up[1]));
  if (!pair.partner_in || !pair.partner_out) {
    error = errno;
    return false;
  }
  return true;
}

/// One stream socket pair (AF_UNIX).
inline bool make_socket_pair(StreamPair& pair, int& error) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    error = errno;
    return false;
  }
  pair.parent.in = Fd(ends[0]);
  pair.parent.in_fd = ends[0];
  pair.parent.out_fd = ends[0];
  pair.partner_in = high_fd(Fd(ends[1]));
  if (!pair.partner_in) {
    error = errno;
    return false;
  }
  return true;
}

/// Two futex words in a region, ping and pong, 128 bytes apart.
class FutexWords {
 public:
  static constexpr std::uint32_t stop_value = ~std::uint32_t{0};

  static FutexWords create(const std::string& name, std::error_code& ec) {
    return FutexWords(namedshm::SharedRegion::create(name, 4096, ec));
  }
  static FutexWords open(const std::string& name, std::error_code& ec) {
    return FutexWords(namedshm::SharedRegion::open(name, ec));
  }

  std::atomic<std::uint32_t>& ping() const noexcept { return *ping_; }
  std::atomic<std::uint32_t>& pong() const noexcept { return *pong_; }

 private:
  explicit FutexWords(namedshm::SharedRegion region) : region_(std::move(region)) {
    if (!region_) return;
    auto words = region_.array<std::atomic<std::uint32_t>>(0, 64);
    ping_ = &words[0];
    pong_ = &words[32];
  }

  namedshm::SharedRegion region_;
  std::atomic<std::uint32_t>* ping_ = nullptr;
  std::atomic<std::uint32_t>* pong_ = nullptr;
};

static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t) &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "the kernel reads a futex word as a plain 32-bit integer");

/// FUTEX_WAIT (shared, not FUTEX_PRIVATE_FLAG): sleeps while `word` is `expected`, at most
/// `timeout` (null: no bound). 0, or the errno (ETIMEDOUT; EAGAIN and EINTR count as 0).
inline int futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, const timespec* timeout) noexcept {
  if (::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT, expected, timeout, nullptr, 0) == 0) {
    return 0;
  }
  return errno == EAGAIN || errno == EINTR ? 0 : errno;
}

inline void futex_wake(std::atomic<std::uint32_t>& word) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE, 1, nullptr, nullptr, 0);
}

/// The parent's round trip: `value` to ping and a wake, then sleep until pong holds `value`
/// (a second at a time, asking `alive()` after each second without an answer).
template <class Alive>
inline bool futex_round_trip(const FutexWords& words, std::uint32_t value, Alive&& alive) {
  words.ping().store(value, std::memory_order_release);
  futex_wake(words.ping());
  const timespec bound{1, 0};
  std::uint32_t seen = 0;
  while ((seen = words.pong().load(std::memory_order_acquire)) != value) {
    const int error = futex_wait(words.pong(), seen, &bound);
    if (error == ETIMEDOUT && !alive()) return false;
    if (error != 0 && error != ETIMEDOUT) return false;
  }
  return true;
}

/// The partner: sends back every value until stop_value.
inline void futex_serve(const FutexWords& words) {
  std::uint32_t last = 0;
  for (;;) {
    std::uint32_t value = 0;
    while ((value = words.ping().load(std::memory_order_acquire)) == last) futex_wait(words.ping(), value, nullptr);
    if (value == FutexWords::stop_value) return;
    words.pong().store(value, std::memory_order_release);
    futex_wake(words.pong());
    last = value;
  }
}
#endif

}  // namespace bench::ipc

#endif  // NAMEDSHM_BENCH_IPC_BASELINES_HPP
