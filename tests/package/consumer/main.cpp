// A user's program: create a region, read it back through a second, read-only mapping.
#include <namedshm/namedshm.hpp>

#include <cstdio>   // std::printf
#include <cstring>  // std::memcpy, std::strcmp
#include <string>   // std::to_string, a name unique to this run

#if defined(_WIN32)
#  include <process.h>  // _getpid
#  define NAMEDSHM_CONSUMER_PID _getpid()
#else
#  include <unistd.h>  // getpid
#  define NAMEDSHM_CONSUMER_PID getpid()
#endif

// argv[1], if given, is the region's name (the package tests give one of their run's).
int main(int argc, char** argv) {
  const std::string name = argc > 1 ? argv[1] : "Local\\namedshm-consumer-" + std::to_string(NAMEDSHM_CONSUMER_PID);
  auto writer = namedshm::SharedRegion::create(name, 4096);
  const char greeting[] = "hello from a consumer";  // memcpy, not strcpy, which MSVC deprecates (C4996)
  std::memcpy(writer.array<char>(0, sizeof greeting).data(), greeting, sizeof greeting);
  const auto reader = namedshm::ReadOnlyRegion::open(name);
  if (std::strcmp(reader.array<char>(0, 32).data(), "hello from a consumer") != 0) return 1;
  std::printf("consumer ok: %s, namedshm %d.%d.%d\n", NAMEDSHM_CONSUME, NAMEDSHM_VERSION_MAJOR, NAMEDSHM_VERSION_MINOR,
              NAMEDSHM_VERSION_PATCH);
  return 0;
}
