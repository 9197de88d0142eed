// namedshm benchmarks, POSIX: namedshm's lifecycle cycles (lifecycle_namedshm.hpp) as an earlier
// commit made them, registered as ".../namedshm-before", so that one run of
// namedshm_bench_lifecycle times a change against its own starting point, randomly interleaved.
//
// CMake builds this file only when NAMEDSHM_BENCH_BEFORE_INCLUDE names that commit's include
// folder (scripts/bench.sh extracts it with `git archive`), as an OBJECT library whose include
// path holds those headers and not this tree's, and passes the commit as
// NAMEDSHM_BENCH_BEFORE_COMMIT. The macro below moves every name of that namedshm into
// namespace namedshm_before; its include guards and macros are upper case (NAMEDSHM_...), so
// nothing else separates the two versions, and NAMEDSHM_SYSTEM(f), which expands to
// ::namedshm::detail::os::native::f, lands in the renamed namespace too (the macro is expanded
// again where it is used). bench/README.md says how the separation was checked (nm).
// SPDX-License-Identifier: MIT
#include <benchmark/benchmark.h>

#include <string>  // std::string

#include "common.hpp"       // included before the renaming: nothing of it is namedshm's
#include "shm_objects.hpp"  // the same

#ifndef NAMEDSHM_BENCH_BEFORE_COMMIT
#  error "NAMEDSHM_BENCH_BEFORE_COMMIT: the commit whose headers this file is built against"
#endif

#define namedshm namedshm_before  // NOLINT(cppcoreguidelines-macro-usage): the renaming (above)
#include <namedshm/namedshm.hpp>

#include "lifecycle_namedshm.hpp"  // namedshm's cycles, here bound to namedshm_before

namespace {

// NOLINTNEXTLINE(cert-err58-cpp): registration, as Google Benchmark's macros do it
[[maybe_unused]] const bool registered = [] {
  register_namedshm_lifecycle("namedshm-before");
  benchmark::AddCustomContext("namedshm_before_commit", NAMEDSHM_BENCH_BEFORE_COMMIT);
  return true;
}();

}  // namespace
