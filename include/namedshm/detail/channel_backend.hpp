// namedshm: picks the channel's presence backend for this platform, as backend.hpp picks the
// region backend. Both define namedshm::detail::channel::Presence and PeerStatus.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_CHANNEL_BACKEND_HPP
#define NAMEDSHM_DETAIL_CHANNEL_BACKEND_HPP

#include "config.hpp"  // NAMEDSHM_WINDOWS

#if NAMEDSHM_WINDOWS
#  include "channel_win32.hpp"
#else
#  include "channel_posix.hpp"
#endif

#endif  // NAMEDSHM_DETAIL_CHANNEL_BACKEND_HPP
