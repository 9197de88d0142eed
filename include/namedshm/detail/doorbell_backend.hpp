// namedshm: picks the doorbells of slot tables for this platform; both define
// namedshm::detail::Doorbells (create, open, ring, wait, close).
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_DOORBELL_BACKEND_HPP
#define NAMEDSHM_DETAIL_DOORBELL_BACKEND_HPP

#include "config.hpp"  // NAMEDSHM_WINDOWS

#if NAMEDSHM_WINDOWS
#  include "doorbell_win32.hpp"
#else
#  include "doorbell_posix.hpp"
#endif

#endif  // NAMEDSHM_DETAIL_DOORBELL_BACKEND_HPP
