// namedshm benchmarks, Windows under Wine: the number of wineserver requests of one cycle, a
// count that noise cannot blur (Wine's counterpart of the callgrind count of the typed loops).
//   win32_server_calls.exe CYCLE COUNT
// sets up, then runs COUNT cycles of CYCLE (create-raw, create-namedshm, open-raw,
// open-raw-known-size, open-raw+query, open-namedshm, open_or_create-raw,
// open_or_create-raw+query, open_or_create-namedshm, create_open-raw, create_open-namedshm) on
// 4 KiB between two marker requests (events named "namedshm-bench-trace-begin CYCLE" and "...
// end CYCLE"). scripts/bench.sh --windows runs it against a wineserver started with -d1
// (request tracing), and bench/report.py counts the requests of this thread between the markers.
// SPDX-License-Identifier: MIT
#include <cstddef>  // std::size_t
#include <cstdio>   // std::fprintf
#include <cstdlib>  // std::atoi
#include <cstring>  // std::strcmp
#include <string>   // std::string, std::wstring

#include "common.hpp"        // bench::unique_name, sizes
#include "win32_cycles.hpp"  // the cycles

int main(int argc, char** argv) {
  namespace win32 = bench::win32;
  if (argc != 3) {
    std::fprintf(stderr, "usage: win32_server_calls CYCLE COUNT\n");
    return 2;
  }
  const std::string cycle = argv[1];
  const int count = std::atoi(argv[2]);
  constexpr std::size_t size = 4 * bench::kib;
  const std::string object = bench::unique_name();
  const std::wstring fresh = win32::wide_local(object + "-new");
  const win32::ExistingSection existing(object, size);
  const win32::SectionQuery query;
  if (!existing.ready()) {
    std::fprintf(stderr, "cannot create the section to open: error %lu\n", existing.error());
    return 1;
  }
  const std::string fresh_utf8 = "Local\\" + object + "-new";
  win32::Failure failure;
  const auto marker = [&](const char* what) {
    const std::wstring name = win32::wide_local(std::string("namedshm-bench-trace-") + what + " " + cycle);
    ::CloseHandle(::CreateEventW(nullptr, TRUE, FALSE, name.c_str()));
  };
  marker("begin");
  for (int i = 0; i < count; ++i) {
    bool ok = false;
    if (cycle == "create-raw") {
      ok = win32::create_raw(fresh.c_str(), size, failure);
    } else if (cycle == "create-namedshm") {
      ok = win32::create_namedshm(fresh_utf8, size, failure);
    } else if (cycle == "open-raw") {
      ok = win32::open_raw(existing.wide(), win32::SizeFrom::virtual_query, query, size, failure);
    } else if (cycle == "open-raw-known-size") {
      ok = win32::open_raw(existing.wide(), win32::SizeFrom::known, query, size, failure);
    } else if (cycle == "open-raw+query") {
      ok = win32::open_raw(existing.wide(), win32::SizeFrom::nt_query, query, size, failure);
    } else if (cycle == "open-namedshm") {
      ok = win32::open_namedshm(existing.name(), failure);
    } else if (cycle == "open_or_create-raw") {
      ok = win32::open_or_create_raw(existing.wide(), win32::SizeFrom::virtual_query, query, size, failure);
    } else if (cycle == "open_or_create-raw+query") {
      ok = win32::open_or_create_raw(existing.wide(), win32::SizeFrom::nt_query, query, size, failure);
    } else if (cycle == "open_or_create-namedshm") {
      ok = win32::open_or_create_namedshm(existing.name(), size, failure);
    } else if (cycle == "create_open-raw") {
      ok = win32::create_open_raw(fresh.c_str(), size, query, failure);
    } else if (cycle == "create_open-namedshm") {
      ok = win32::create_open_namedshm(fresh_utf8, size, failure);
    } else {
      std::fprintf(stderr, "unknown cycle %s\n", cycle.c_str());
      return 2;
    }
    if (!ok) {
      std::fprintf(stderr, "%s: %s failed: %s\n", cycle.c_str(), failure.call, failure.code.message().c_str());
      return 1;
    }
  }
  marker("end");
  return 0;
}
