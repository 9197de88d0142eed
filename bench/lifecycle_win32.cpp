// namedshm benchmarks, Windows: the lifecycle of a region (create, open, open-or-create; each
// with map, unmap and close; and with two handles: an open while a creator holds the name,
// create + open + close both) against the raw Win32 calls written by hand (win32_cycles.hpp), in
// the same run. Under Wine only the ratios mean something: every call is a round trip to
// wineserver. No Boost here: Boost.Interprocess is not built for MinGW in this project. No
// "before" either: issue 18 changed the POSIX backend only.
// SPDX-License-Identifier: MIT
#include <benchmark/benchmark.h>

#include <cstddef>       // std::size_t
#include <string>        // std::string, std::wstring
#include <system_error>  // std::error_code

#include "common.hpp"        // bench::unique_name, bench::fail, sizes
#include "win32_cycles.hpp"  // the cycles

namespace {

namespace win32 = bench::win32;

/// Runs `cycle(failure)` in the timed loop until it fails.
template <class Cycle>
void run(benchmark::State& state, Cycle cycle) {
  win32::Failure failure;
  for (auto _ : state) {
    if (!cycle(failure)) {
      bench::fail(state, failure.call, failure.code);
      break;
    }
  }
}

void create_raw(benchmark::State& state) {
  const std::wstring name = win32::wide_local(bench::unique_name());
  const std::size_t size = bench::size_of(state);
  run(state, [&](win32::Failure& failure) { return win32::create_raw(name.c_str(), size, failure); });
}

void create_namedshm(benchmark::State& state) {
  const std::string name = "Local\\" + bench::unique_name();
  const std::size_t size = bench::size_of(state);
  run(state, [&](win32::Failure& failure) { return win32::create_namedshm(name, size, failure); });
}

/// A section for the open benchmarks; reports a failure to make it.
bool ready(benchmark::State& state, const win32::ExistingSection& existing) {
  if (!existing.ready()) bench::fail(state, "creating the section to open", static_cast<int>(existing.error()));
  return existing.ready();
}

void open_raw(benchmark::State& state, win32::SizeFrom from) {
  const std::size_t size = bench::size_of(state);
  const win32::ExistingSection existing(bench::unique_name(), size);
  if (!ready(state, existing)) return;
  const win32::SectionQuery query;
  run(state, [&](win32::Failure& failure) { return win32::open_raw(existing.wide(), from, query, size, failure); });
}

void open_namedshm(benchmark::State& state) {
  const win32::ExistingSection existing(bench::unique_name(), bench::size_of(state));
  if (!ready(state, existing)) return;
  run(state, [&](win32::Failure& failure) { return win32::open_namedshm(existing.name(), failure); });
}

void open_or_create_raw(benchmark::State& state, win32::SizeFrom from) {
  const std::size_t size = bench::size_of(state);
  const win32::ExistingSection existing(bench::unique_name(), size);
  if (!ready(state, existing)) return;
  const win32::SectionQuery query;
  run(state,
      [&](win32::Failure& failure) { return win32::open_or_create_raw(existing.wide(), from, query, size, failure); });
}

void open_or_create_namedshm(benchmark::State& state) {
  const std::size_t size = bench::size_of(state);
  const win32::ExistingSection existing(bench::unique_name(), size);
  if (!ready(state, existing)) return;
  run(state, [&](win32::Failure& failure) { return win32::open_or_create_namedshm(existing.name(), size, failure); });
}

// Two handles. On Windows a section lives while any handle to it is open, so every open
// above is already an open while a creator (ExistingSection's raw handle) holds the name;
// held_open/namedshm has a namedshm creator hold it instead, and held_open/raw is open/raw.

void held_open_namedshm(benchmark::State& state) {
  const std::string name = "Local\\" + bench::unique_name();
  std::error_code ec;
  const auto creator = namedshm::SharedRegion::create(name, bench::size_of(state), ec);
  if (ec) {
    bench::fail(state, "namedshm create (the holder)", ec);
    return;
  }
  run(state, [&](win32::Failure& failure) { return win32::open_namedshm(name, failure); });
}

void create_open_raw(benchmark::State& state) {
  const std::wstring name = win32::wide_local(bench::unique_name());
  const std::size_t size = bench::size_of(state);
  const win32::SectionQuery query;
  run(state, [&](win32::Failure& failure) { return win32::create_open_raw(name.c_str(), size, query, failure); });
}

void create_open_namedshm(benchmark::State& state) {
  const std::string name = "Local\\" + bench::unique_name();
  const std::size_t size = bench::size_of(state);
  run(state, [&](win32::Failure& failure) { return win32::create_open_namedshm(name, size, failure); });
}

using bench::lifecycle_sizes;
using win32::SizeFrom;

// NOLINTBEGIN(cert-err58-cpp): registration objects, as Google Benchmark's macros make them
BENCHMARK(create_raw)->Name("create/raw")->Apply(lifecycle_sizes);
BENCHMARK(create_namedshm)->Name("create/namedshm")->Apply(lifecycle_sizes);

BENCHMARK_CAPTURE(open_raw, virtual_query, SizeFrom::virtual_query)->Name("open/raw")->Apply(lifecycle_sizes);
BENCHMARK_CAPTURE(open_raw, known, SizeFrom::known)->Name("open/raw-known-size")->Apply(lifecycle_sizes);
BENCHMARK_CAPTURE(open_raw, nt_query, SizeFrom::nt_query)->Name("open/raw+query")->Apply(lifecycle_sizes);
BENCHMARK(open_namedshm)->Name("open/namedshm")->Apply(lifecycle_sizes);

BENCHMARK_CAPTURE(open_or_create_raw, virtual_query, SizeFrom::virtual_query)
    ->Name("open_or_create/raw")
    ->Apply(lifecycle_sizes);
BENCHMARK_CAPTURE(open_or_create_raw, nt_query, SizeFrom::nt_query)
    ->Name("open_or_create/raw+query")
    ->Apply(lifecycle_sizes);
BENCHMARK(open_or_create_namedshm)->Name("open_or_create/namedshm")->Apply(lifecycle_sizes);

BENCHMARK_CAPTURE(open_raw, virtual_query, SizeFrom::virtual_query)->Name("held_open/raw")->Apply(lifecycle_sizes);
BENCHMARK(held_open_namedshm)->Name("held_open/namedshm")->Apply(lifecycle_sizes);
BENCHMARK(create_open_raw)->Name("create_open/raw")->Apply(lifecycle_sizes);
BENCHMARK(create_open_namedshm)->Name("create_open/namedshm")->Apply(lifecycle_sizes);
// NOLINTEND(cert-err58-cpp)

}  // namespace

BENCHMARK_MAIN();
