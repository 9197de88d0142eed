// Built twice (tests/seam/CMakeLists.txt): as users build namedshm, and with every system call
// of the region backend written as the OS's own function (direct_calls.hpp), as the code was
// before the seam that the failure-path tests use. callgrind must count the same number of
// instructions for both: the seam costs nothing in users' builds.
//   namedshm_seam_cost CYCLES NAME
#include <namedshm/namedshm.hpp>

#include <cstdio>   // std::printf
#include <cstdlib>  // std::atoi
#include <string>   // std::string

// The cycles, and only they, are what callgrind counts (--toggle-collect=seam_cost_cycles*):
// reading the arguments costs a few instructions more or less with where the stack puts them,
// which differs between the two programs (their paths differ in length) and from run to run
// (the name has the run's id), while the name's copy on the heap starts alike in both.
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
  const unsigned sum = seam_cost_cycles(cycles, name);
  std::printf("%d cycles, sum %u\n", cycles, sum);
  return 0;
}
