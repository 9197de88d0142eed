// namedshm benchmarks, POSIX: namedshm's side of the lifecycle suite, written once and compiled
// twice into namedshm_bench_lifecycle: against this tree's headers (lifecycle_posix.cpp,
// benchmarks named ".../namedshm") and against an earlier commit's (lifecycle_before.cpp, which
// renames that namedshm's namespace to namedshm_before: ".../namedshm-before"). So one run times
// both versions, randomly interleaved, on the same machine.
//
// Everything here has internal linkage (an unnamed namespace, in a header on purpose): each of
// the two translation units gets its own copy, bound to its own namedshm, and no function of
// one can be taken for the other's at link time.
//
// The cycles (each with map, unmap and close of every handle):
//   create/L          create + close: the creator is the last handle and removes the name
//   open/L            open of an object that raw calls made (no namedshm handle holds it)
//   open_or_create/L  open-or-create of such an object
//   held_open/L       open + close of a second handle while a creator made by the same
//                     namedshm holds the name (made before the timed loop)
//   create_open/L     create + open + close the opener + close the creator (the last, which
//                     removes the name)
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_BENCH_LIFECYCLE_NAMEDSHM_HPP
#define NAMEDSHM_BENCH_LIFECYCLE_NAMEDSHM_HPP

#include <benchmark/benchmark.h>

#include <cstddef>       // std::size_t
#include <string>        // std::string
#include <system_error>  // std::error_code

#include <namedshm/namedshm.hpp>

#include "common.hpp"       // bench::unique_name, bench::fail, bench::lifecycle_sizes
#include "shm_objects.hpp"  // bench::ExistingObject

namespace {  // NOLINT(cert-dcl59-cpp,google-build-namespaces): one copy per translation unit (above)

void create_namedshm(benchmark::State& state, namedshm::Backing backing) {
  const std::string name = bench::unique_name();
  const std::size_t size = bench::size_of(state);
  namedshm::CreateOptions options;
  options.backing = backing;
  std::error_code ec;
  for (auto _ : state) {
    const auto region = namedshm::SharedRegion::create(name, size, options, ec);
    if (ec) {
      bench::fail(state, "namedshm create", ec);
      break;
    }
    benchmark::DoNotOptimize(region.data());
  }
}

void open_namedshm(benchmark::State& state) {
  const bench::ExistingObject object(state, bench::size_of(state));
  std::error_code ec;
  if (object.ready()) {
    for (auto _ : state) {
      const auto region = namedshm::SharedRegion::open(object.object(), ec);
      if (ec) {
        bench::fail(state, "namedshm open", ec);
        break;
      }
      benchmark::DoNotOptimize(region.data());
    }
  }
}

void open_or_create_namedshm(benchmark::State& state) {
  const std::size_t size = bench::size_of(state);
  const bench::ExistingObject object(state, size);
  std::error_code ec;
  if (object.ready()) {
    for (auto _ : state) {
      const auto region = namedshm::SharedRegion::open_or_create(object.object(), size, ec);
      if (ec || region.created()) {
        bench::fail(state, "namedshm open_or_create", ec ? ec : std::make_error_code(std::errc::file_exists));
        break;
      }
      benchmark::DoNotOptimize(region.data());
    }
  }
}

void held_open_namedshm(benchmark::State& state) {
  const std::string name = bench::unique_name();
  std::error_code ec;
  const auto creator = namedshm::SharedRegion::create(name, bench::size_of(state), ec);
  if (ec) {
    bench::fail(state, "namedshm create (the holder)", ec);
    return;
  }
  for (auto _ : state) {
    const auto opener = namedshm::SharedRegion::open(name, ec);
    if (ec) {
      bench::fail(state, "namedshm open", ec);
      break;
    }
    benchmark::DoNotOptimize(opener.data());
  }
}

void create_open_namedshm(benchmark::State& state) {
  const std::string name = bench::unique_name();
  const std::size_t size = bench::size_of(state);
  std::error_code ec;
  for (auto _ : state) {
    const auto creator = namedshm::SharedRegion::create(name, size, ec);
    if (ec) {
      bench::fail(state, "namedshm create", ec);
      break;
    }
    {
      const auto opener = namedshm::SharedRegion::open(name, ec);
      if (ec) {
        bench::fail(state, "namedshm open", ec);
        break;
      }
      benchmark::DoNotOptimize(opener.data());
    }
    benchmark::DoNotOptimize(creator.data());
  }
}

/// Registers the cycles above as ".../`library`" (see the top of this file).
void register_namedshm_lifecycle(const std::string& library) {
  const auto named = [&](const char* cycle) { return std::string(cycle) + "/" + library; };
  benchmark::RegisterBenchmark(named("create").c_str(), create_namedshm, namedshm::Backing::checked)
      ->Apply(bench::lifecycle_sizes);
  benchmark::RegisterBenchmark(named("open").c_str(), open_namedshm)->Apply(bench::lifecycle_sizes);
  benchmark::RegisterBenchmark(named("open_or_create").c_str(), open_or_create_namedshm)->Apply(bench::lifecycle_sizes);
  benchmark::RegisterBenchmark(named("held_open").c_str(), held_open_namedshm)->Apply(bench::lifecycle_sizes);
  benchmark::RegisterBenchmark(named("create_open").c_str(), create_open_namedshm)->Apply(bench::lifecycle_sizes);
}

}  // namespace

#endif  // NAMEDSHM_BENCH_LIFECYCLE_NAMEDSHM_HPP
