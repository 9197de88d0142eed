// Built twice (tests/seam/CMakeLists.txt): as users build namedshm, and with every system call
// of the POSIX backends written as the OS's own call at its call site (direct_calls.hpp), as the
// code would be without the seam that the failure-path tests use. callgrind must count the same
// number of instructions for both: the seam costs nothing in users' builds. Each cycle makes the
// calls of every backend: a region's create, open and close (the file calls), a mutex's create,
// lock and unlock (the pthread calls), a channel's two ends (fcntl_lock) and an event's notify to
// an announced waiter (futex). Nothing here waits, so the count is the same in every run. Each
// part is a function of its own, as in a program: one main() with all of them inlined would
// weigh GCC's inlining budget differently for the two builds (seen here: 28 instructions a cycle
// apart, while each part alone counts the same).
//   namedshm_seam_cost CYCLES NAME
#include <namedshm/channel.hpp>
#include <namedshm/detail/event_posix.hpp>  // EventState: a waiter announced by hand
#include <namedshm/event.hpp>
#include <namedshm/mutex.hpp>
#include <namedshm/namedshm.hpp>

#include <atomic>   // the waiter count
#include <cstddef>  // offsetof
#include <cstdint>  // std::uint32_t
#include <cstdio>   // std::printf
#include <cstdlib>  // std::atoi
#include <string>   // std::string

namespace {

[[gnu::noinline]] unsigned region_cycle(const std::string& name, unsigned value) {
  auto region = namedshm::SharedRegion::create(name, 4096);
  region.object<unsigned>(0) = value;
  auto reader = namedshm::ReadOnlyRegion::open(name);
  const unsigned read = reader.object<unsigned>(0);
  reader.close();
  region.close();
  return read;
}

[[gnu::noinline]] void mutex_cycle(const std::string& name) {
  auto mutex = namedshm::Mutex::create(name);
  mutex.lock();
  mutex.unlock();
  mutex.close();
}

[[gnu::noinline]] unsigned channel_cycle(const std::string& name, unsigned value) {
  auto sender = namedshm::ChannelSender::create(name, 4096);
  auto receiver = namedshm::ChannelReceiver::open(name);
  const bool passed = sender.send(&value, sizeof value) && receiver.try_receive();
  receiver.close();
  sender.close();
  return passed ? 1U : 0U;
}

[[gnu::noinline]] void event_cycle(const std::string& name) {
  auto event = namedshm::Event::create(name);
  auto state = namedshm::SharedRegion::open(name);
  state.object<std::atomic<std::uint32_t>>(offsetof(namedshm::detail::os::EventState, waiters)) = 1;
  event.notify();  // FUTEX_WAKE: a waiter is announced, and none is woken
  state.close();
  event.close();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const int cycles = std::atoi(argv[1]);
  const std::string name = argv[2];
  unsigned sum = 0;
  for (int i = 0; i < cycles; ++i) {
    sum += region_cycle(name, static_cast<unsigned>(i));
    mutex_cycle(name + ".mutex");
    sum += channel_cycle(name + ".channel", static_cast<unsigned>(i));
    event_cycle(name + ".event");
  }
  std::printf("%d cycles, sum %u\n", cycles, sum);
  return 0;
}
