// boost_peer: a test helper (not installed) that plays either side of the Win32 sample's layout
// with Boost.Interprocess (shared_memory_object, mapped_region), as a Boost program would,
// without namedshm. The interoperability tests (examples/test/pair_test.cpp) run it against
// namedshm-writer and namedshm-reader. Built where CMake finds Boost (POSIX here: Debian has no
// Boost for MinGW).
//
//   boost_peer write NAME [--message TEXT] [--timeout SECONDS]
//   boost_peer read NAME
//
// NAME is the object's name as Boost takes it: namedshm's "Global\x" is Boost's "x" (Boost adds
// the "/" for shm_open). write: creates 256 bytes, stores the message as NUL-terminated UTF-8
// (its first two bytes last, as examples/README.md describes), prints "boost_peer: ready", and
// waits until the 32-bit read count after the text is non-zero (exit 0) or the timeout passes
// (exit 6, default 20 s); then it removes the object, as a Boost program cleans up. read:
// prints the message on a line of its own and acknowledges nothing. Exit 1 on any failure, with
// one line on stderr.
#include <boost/interprocess/mapped_region.hpp>         // mapped_region
#include <boost/interprocess/shared_memory_object.hpp>  // shared_memory_object

#include <atomic>   // std::atomic, the first two bytes and the read count
#include <chrono>   // the deadline
#include <cstdint>  // std::uint16_t, std::uint32_t
#include <cstdio>   // std::printf, std::fprintf
#include <cstdlib>  // std::strtod
#include <cstring>  // std::memcpy, strnlen
#include <string>   // std::string
#include <thread>   // std::this_thread::sleep_for

namespace {

namespace ipc = boost::interprocess;

constexpr std::size_t buffer_size = 256;  // the sample's BUF_SIZE

int write(const char* name, const std::string& message, double timeout_seconds) {
  const std::string bytes = message + '\0';
  const std::size_t read_count_offset = (bytes.size() + 3) / 4 * 4;
  if (bytes.size() < 2 || read_count_offset + 4 > buffer_size) {
    std::fprintf(stderr, "boost_peer: the message does not fit\n");
    return 1;
  }
  ipc::shared_memory_object object(ipc::create_only, name, ipc::read_write);
  object.truncate(buffer_size);
  ipc::mapped_region region(object, ipc::read_write);
  auto* view = static_cast<unsigned char*>(region.get_address());
  std::memcpy(view + 2, bytes.data() + 2, bytes.size() - 2);
  std::uint16_t first_unit = 0;
  std::memcpy(&first_unit, bytes.data(), sizeof first_unit);
  reinterpret_cast<std::atomic<std::uint16_t>*>(view)->store(first_unit, std::memory_order_release);
  std::printf("boost_peer: ready\n");
  std::fflush(stdout);

  const auto* read_count = reinterpret_cast<const std::atomic<std::uint32_t>*>(view + read_count_offset);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  int result = 0;
  while (read_count->load(std::memory_order_acquire) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(stderr, "boost_peer: nobody counted a read\n");
      result = 6;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (result == 0) std::printf("boost_peer: read %u time(s)\n", static_cast<unsigned>(read_count->load()));
  if (!ipc::shared_memory_object::remove(name)) {
    std::fprintf(stderr, "boost_peer: the object was gone before its writer removed it\n");
    return 7;
  }
  return result;
}

int read(const char* name) {
  const ipc::shared_memory_object object(ipc::open_only, name, ipc::read_only);
  const ipc::mapped_region region(object, ipc::read_only);
  const auto* text = static_cast<const char*>(region.get_address());
  const std::size_t length = strnlen(text, region.get_size() < buffer_size ? region.get_size() : buffer_size);
  if (length == 0) {
    std::fprintf(stderr, "boost_peer: the object holds no message\n");
    return 1;
  }
  std::fwrite(text, 1, length, stdout);
  std::fputc('\n', stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || (std::string(argv[1]) != "write" && std::string(argv[1]) != "read")) {
    std::fprintf(stderr, "boost_peer: usage: boost_peer write|read NAME [--message TEXT] [--timeout SECONDS]\n");
    return 1;
  }
  std::string message = "Message from first process.";
  double timeout = 20;
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string option = argv[i];
    if (option == "--message") message = argv[i + 1];
    if (option == "--timeout") timeout = std::strtod(argv[i + 1], nullptr);
  }
  try {
    return std::string(argv[1]) == "write" ? write(argv[2], message, timeout) : read(argv[2]);
  } catch (const ipc::interprocess_exception& error) {
    std::fprintf(stderr, "boost_peer: %s failed: %s\n", argv[1], error.what());
    return 1;
  }
}
