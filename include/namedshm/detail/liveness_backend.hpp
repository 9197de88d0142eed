// namedshm: picks the slot liveness backend for this platform, as backend.hpp picks the region
// backend. Both define namedshm::detail::Liveness.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_LIVENESS_BACKEND_HPP
#define NAMEDSHM_DETAIL_LIVENESS_BACKEND_HPP

#include "config.hpp"  // NAMEDSHM_WINDOWS

#if NAMEDSHM_WINDOWS
#  include "liveness_win32.hpp"
#else
#  include "liveness_posix.hpp"
#endif

#endif  // NAMEDSHM_DETAIL_LIVENESS_BACKEND_HPP
