// namedshm: picks the backend of Mutex for this platform; both define the same functions in
// namedshm::detail::os (mutex_acquire, mutex_lock, mutex_unlock, mutex_consistent,
// mutex_close, mutex_remove), the type MutexObject and mutex_suffix_bytes.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_MUTEX_BACKEND_HPP
#define NAMEDSHM_DETAIL_MUTEX_BACKEND_HPP

#include "config.hpp"  // NAMEDSHM_WINDOWS

#if NAMEDSHM_WINDOWS
#  include "mutex_win32.hpp"
#else
#  include "mutex_posix.hpp"
#endif

#endif  // NAMEDSHM_DETAIL_MUTEX_BACKEND_HPP
