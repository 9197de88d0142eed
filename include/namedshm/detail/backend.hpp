// namedshm: picks the backend for this platform. The one place that tells Windows from POSIX;
// both backends define the same functions in namedshm::detail::os.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_BACKEND_HPP
#define NAMEDSHM_DETAIL_BACKEND_HPP

#include "config.hpp"  // NAMEDSHM_WINDOWS

#if NAMEDSHM_WINDOWS
#  include "win32.hpp"
#else
#  include "posix.hpp"
#endif

#endif  // NAMEDSHM_DETAIL_BACKEND_HPP
