// namedshm: whether seqlock-style readers and writers use fences, or ordered word accesses
// where fences are not available (Published<T>, a broadcast's overwrite mode).
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_FENCES_HPP
#define NAMEDSHM_DETAIL_FENCES_HPP

#include <atomic>  // std::memory_order

namespace namedshm::detail {

// The classic seqlock uses relaxed word accesses between fences (Boehm, "Can seqlocks get along
// with programming language memory models?", 2012). GCC's ThreadSanitizer rejects
// std::atomic_thread_fence (-Wtsan, an error with -Werror) and TSan does not model fences, so
// there each word is stored with release and loaded with acquire instead: as correct, and the
// same instructions on x86, only slower on ARM. Clang does not define __SANITIZE_THREAD__ and
// keeps the fences, which its TSan accepts.
#if defined(__SANITIZE_THREAD__)
inline constexpr bool seqlock_fences = false;
#else
inline constexpr bool seqlock_fences = true;
#endif

/// How a seqlock writer stores each word of the value, and how a reader loads it.
inline constexpr std::memory_order seqlock_word_store =
    seqlock_fences ? std::memory_order_relaxed : std::memory_order_release;
inline constexpr std::memory_order seqlock_word_load =
    seqlock_fences ? std::memory_order_relaxed : std::memory_order_acquire;

}  // namespace namedshm::detail

#endif  // NAMEDSHM_DETAIL_FENCES_HPP
