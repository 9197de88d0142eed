// Built by CTest with NAMEDSHM_COMPILE_CASE = 0..4: case 0 must compile, the others must not.
#include <namedshm/namedshm.hpp>

#include <atomic>  // std::atomic of a type too large to be lock-free
#include <string>  // std::string, not trivially copyable

struct Large {
  char bytes[64];
};

int main() {
  auto region = namedshm::SharedRegion::open("compile-check");
  auto read_only = namedshm::ReadOnlyRegion::open("compile-check");
#if NAMEDSHM_COMPILE_CASE == 0
  region.object<int>() = 1;
  region.object<std::atomic<unsigned>>().store(2U);
  return read_only.object<int>();
#elif NAMEDSHM_COMPILE_CASE == 1
  return static_cast<int>(region.object<std::string>().size());
#elif NAMEDSHM_COMPILE_CASE == 2
  region.object<std::atomic<Large>>();
#elif NAMEDSHM_COMPILE_CASE == 3
  read_only.object<int>() = 1;
#elif NAMEDSHM_COMPILE_CASE == 4
  auto created = namedshm::ReadOnlyRegion::create("compile-check", 64);
#endif
  return 0;
}
