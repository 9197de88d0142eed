// Read-only versus read-write: the type says which views are const, and the OS enforces it.
#include <namedshm/namedshm.hpp>

#include <cstdint>  // std::uintptr_t, for the fault address check

#include "support/catch.hpp"
#include "support/process.hpp"

#if defined(_WIN32)
#  include <windows.h>  // AddVectoredExceptionHandler, TerminateProcess
#else
#  include <signal.h>  // sigaction, SIGSEGV
#  include <unistd.h>  // _exit
#endif

using namedshm::ReadOnlyRegion;
using namedshm::SharedRegion;
using namedshm_test::unique_name;

namespace {

// Exit codes of the writing child: which way the write went.
constexpr int fault_in_region = 42;
constexpr int fault_elsewhere = 43;
constexpr int write_succeeded = 44;

std::uintptr_t region_begin = 0;
std::uintptr_t region_end = 0;

bool in_region(const void* address) {
  const auto value = reinterpret_cast<std::uintptr_t>(address);
  return value >= region_begin && value < region_end;
}

#if defined(_WIN32)
LONG CALLBACK on_fault(EXCEPTION_POINTERS* info) {
  const EXCEPTION_RECORD& record = *info->ExceptionRecord;
  if (record.ExceptionCode != EXCEPTION_ACCESS_VIOLATION) return EXCEPTION_CONTINUE_SEARCH;
  const bool write = record.ExceptionInformation[0] == 1;
  const auto* address = reinterpret_cast<const void*>(record.ExceptionInformation[1]);
  TerminateProcess(GetCurrentProcess(), write && in_region(address) ? fault_in_region : fault_elsewhere);
  return EXCEPTION_CONTINUE_SEARCH;
}
void install_fault_handler() { AddVectoredExceptionHandler(1, on_fault); }
#else
void on_fault(int, siginfo_t* info, void*) { _exit(in_region(info->si_addr) ? fault_in_region : fault_elsewhere); }
void install_fault_handler() {
  struct sigaction action {};
  action.sa_sigaction = on_fault;
  action.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &action, nullptr);
  sigaction(SIGBUS, &action, nullptr);
}
#endif

// Writes one byte through a pointer the type system says is const: only the OS can stop it.
template <class Region>
int write_through(const Region& region) {
  region_begin = reinterpret_cast<std::uintptr_t>(region.data());
  region_end = region_begin + region.size();
  install_fault_handler();
  auto* byte = const_cast<volatile std::byte*>(reinterpret_cast<const volatile std::byte*>(region.data()) + 10);
  *byte = std::byte{0x5A};
  return write_succeeded;
}

}  // namespace

NAMEDSHM_CHILD_SCENARIO(write_read_only) { return write_through(ReadOnlyRegion::open(args.at(0))); }
NAMEDSHM_CHILD_SCENARIO(write_read_write) { return write_through(SharedRegion::open(args.at(0))); }

TEST_CASE("the OS maps a ReadOnlyRegion read-only: a write faults inside the region", "[access][process]") {
  const auto name = unique_name("ro-fault");
  auto region = SharedRegion::create(name, 4096);
  CHECK(namedshm_test::run_child("write_read_only", {name}) == fault_in_region);
  CHECK(region.object<std::byte>(10) == std::byte{0});
}

TEST_CASE("the same write through a SharedRegion succeeds (control for the fault test)", "[access][process]") {
  const auto name = unique_name("rw-write");
  auto region = SharedRegion::create(name, 4096);
  CHECK(namedshm_test::run_child("write_read_write", {name}) == write_succeeded);
  CHECK(region.object<std::byte>(10) == std::byte{0x5A});
}

TEST_CASE("views of a ReadOnlyRegion are const, those of a SharedRegion are not", "[access]") {
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<ReadOnlyRegion&>().object<int>()), const int&>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<ReadOnlyRegion&>().array<int>(0, 1)), namedshm::Span<const int>>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<ReadOnlyRegion&>().data()), const std::byte*>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<SharedRegion&>().object<int>()), int&>);
  STATIC_REQUIRE(std::is_same_v<decltype(std::declval<SharedRegion&>().data()), std::byte*>);
  STATIC_REQUIRE(ReadOnlyRegion::access() == namedshm::Access::read_only);
}

TEST_CASE("a read-only opener sees the writer's later writes", "[access]") {
  const auto name = unique_name("ro-live");
  auto writer = SharedRegion::create(name, 4096);
  auto reader = ReadOnlyRegion::open(name);
  auto& counter = writer.object<std::atomic<std::uint32_t>>(128);
  const auto& seen = reader.object<std::atomic<std::uint32_t>>(128);
  for (std::uint32_t i = 1; i <= 100; ++i) {
    counter.store(i);
    REQUIRE(seen.load() == i);
  }
}
