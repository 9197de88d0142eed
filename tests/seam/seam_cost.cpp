// Built twice (tests/seam/CMakeLists.txt): as users build namedshm, and with every system call
// of the region backend written as the OS's own function (direct_calls.hpp), as the code was
// before the seam that the failure-path tests use. callgrind must count the same number of
// instructions for both: the seam costs nothing in users' builds.
//   namedshm_seam_cost CYCLES NAME
#include <namedshm/namedshm.hpp>

#include <cstdio>   // std::printf
#include <cstdlib>  // std::atoi
#include <string>   // std::string
#include <thread>   // std::thread, where the cycles run

// The cycles, and only they, are what callgrind counts (--toggle-collect=seam_cost_cycles*),
// in a thread of their own. glibc's string functions take a few instructions more or less with
// how the stack is aligned, and the main thread's stack starts below the arguments and the
// environment, which differ between the two programs (their paths differ in length) and from
// run to run (the name carries the run's id, the environment holds it); a new thread's stack
// starts at a page boundary in both.
[[gnu::noinline]] unsigned seam_cost_cycles(int cycles, const std::string& name) {
  unsigned sum = 0;
  for (int i = 0; i < cycles; ++i) {
    auto region = namedshm::SharedRegion::create(name, 4096);
    region.object<unsigned>(0) = static_cast<unsigned>(i);
    auto reader = namedshm::ReadOnlyRegion::open(name);
    sum += reader.object<unsigned>(0);
    reader.close();
    region.close();
  }
  return sum;
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const int cycles = std::atoi(argv[1]);
  const std::string name = argv[2];
  unsigned sum = 0;
  std::thread([&] { sum = seam_cost_cycles(cycles, name); }).join();
  std::printf("%d cycles, sum %u\n", cycles, sum);
  return 0;
}
