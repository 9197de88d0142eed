// namedshm: picks the backend of Event for this platform; both define the same functions in
// namedshm::detail::os (event_acquire, event_notify, event_reset, event_wait, event_close,
// event_remove) and the types EventObject and EventRef.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_EVENT_BACKEND_HPP
#define NAMEDSHM_DETAIL_EVENT_BACKEND_HPP

#include "config.hpp"  // NAMEDSHM_WINDOWS

#if NAMEDSHM_WINDOWS
#  include "event_win32.hpp"
#else
#  include "event_posix.hpp"
#endif

#endif  // NAMEDSHM_DETAIL_EVENT_BACKEND_HPP
