// namedshm: the CPU's hint for a thread that busy-waits, for every compiler and CPU we build for.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_SPIN_HPP
#define NAMEDSHM_DETAIL_SPIN_HPP

// The order of the tests follows the Microsoft STL's _YIELD_PROCESSOR: ARM64EC defines _M_X64
// too, but is ARM64 code, so it is asked about first.
#if defined(_MSC_VER) && (defined(_M_ARM64) || defined(_M_ARM64EC) || defined(_M_ARM))
#  include <intrin.h>  // __yield
#  define NAMEDSHM_SPIN_HINT() __yield()
#elif defined(__x86_64__) || defined(__i386__) || defined(_M_X64) || defined(_M_IX86)
#  include <immintrin.h>  // _mm_pause
#  define NAMEDSHM_SPIN_HINT() _mm_pause()
#elif defined(__aarch64__) || defined(__arm__)
#  define NAMEDSHM_SPIN_HINT() __asm__ __volatile__("yield")
#else
#  define NAMEDSHM_SPIN_HINT() static_cast<void>(0)  // the caller re-reads an atomic anyway
#endif

namespace namedshm::detail {

/// Tells the CPU that this thread busy-waits: `pause` on x86 and `yield` on ARM save power and
/// leave the core to its sibling hardware thread. Does not throw.
inline void cpu_relax() noexcept { NAMEDSHM_SPIN_HINT(); }

}  // namespace namedshm::detail

#undef NAMEDSHM_SPIN_HINT

#endif  // NAMEDSHM_DETAIL_SPIN_HPP
