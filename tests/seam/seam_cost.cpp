// Built twice (tests/seam/CMakeLists.txt): as users build namedshm, and with every system call
// of the region backend written as the OS's own function (direct_calls.hpp), as the code was
// before the seam that the failure-path tests use. callgrind must count the same number of
// instructions for both: the seam costs nothing in users' builds.
//   namedshm_seam_cost CYCLES NAME
#include <namedshm/namedshm.hpp>

#include <cstdio>   // std::printf
#include <cstdlib>  // std::atoi
#include <string>   // std::string

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  const int cycles = std::atoi(argv[1]);
  const std::string name = argv[2];
  unsigned sum = 0;
  for (int i = 0; i < cycles; ++i) {
    auto region = namedshm::SharedRegion::create(name, 4096);
    region.object<unsigned>(0) = static_cast<unsigned>(i);
    auto reader = namedshm::ReadOnlyRegion::open(name);
    sum += reader.object<unsigned>(0);
    reader.close();
    region.close();
  }
  std::printf("%d cycles, sum %u\n", cycles, sum);
  return 0;
}
