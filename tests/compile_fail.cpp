// Built by CTest with NAMEDSHM_COMPILE_CASE = 0..6: case 0 must compile, the others must not.
#include <namedshm/namedshm.hpp>
#include <namedshm/seqlock.hpp>

#include <atomic>  // std::atomic of a type too large to be lock-free
#include <string>  // std::string, not trivially copyable

struct Large {
  char bytes[64];
};

int main() {
  auto region = namedshm::SharedRegion::open("compile-check");
  auto read_only = namedshm::ReadOnlyRegion::open("compile-check");
  // One return at the end: with an early one, the control case would end in unreachable code,
  // which cl.exe warns about (C4702, an error under /WX) in optimised builds.
  int result = 0;
#if NAMEDSHM_COMPILE_CASE == 0
  region.object<int>() = 1;
  region.object<std::atomic<unsigned>>().store(2U);
  region.object<namedshm::Published<Large>>().publish(Large{});
  result = read_only.object<int>() + static_cast<int>(read_only.object<namedshm::Published<int>>().load());
#elif NAMEDSHM_COMPILE_CASE == 1
  result = static_cast<int>(region.object<std::string>().size());
#elif NAMEDSHM_COMPILE_CASE == 2
  region.object<std::atomic<Large>>();
#elif NAMEDSHM_COMPILE_CASE == 3
  read_only.object<int>() = 1;
#elif NAMEDSHM_COMPILE_CASE == 4
  auto created = namedshm::ReadOnlyRegion::create("compile-check", 64);
#elif NAMEDSHM_COMPILE_CASE == 5
  region.object<namedshm::Published<std::string>>().publish("a string owns a heap block");
#elif NAMEDSHM_COMPILE_CASE == 6
  // The classic slip: the region is made and destroyed in one statement ([[nodiscard]]).
  namedshm::SharedRegion::create("compile-check-discarded", 64);
#endif
  return result;
}
