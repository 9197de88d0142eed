// namedshm: the seam through which the backends make every system call.
// SPDX-License-Identifier: MIT
//
// A backend writes NAMEDSHM_SYSTEM(shm_open)(...) where it means ::shm_open(...). In users'
// builds that is namedshm::detail::os::native::shm_open: the OS's own function (a
// using-declaration) or a one-line inline wrapper, so the seam costs nothing. namedshm's
// fault-injection tests ({fmt}'s FMT_SYSTEM and posix-mock.h taught us this) build every
// translation unit of their program with NAMEDSHM_SYSTEM_CALLS_HEADER naming a header that
// defines NAMEDSHM_SYSTEM as their own functions, which make a chosen call fail.
#ifndef NAMEDSHM_DETAIL_SYSTEM_HPP
#define NAMEDSHM_DETAIL_SYSTEM_HPP

#if defined(NAMEDSHM_SYSTEM_CALLS_HEADER)
#  include NAMEDSHM_SYSTEM_CALLS_HEADER
#endif

#ifndef NAMEDSHM_SYSTEM
#  define NAMEDSHM_SYSTEM(function) ::namedshm::detail::os::native::function
#endif

#endif  // NAMEDSHM_DETAIL_SYSTEM_HPP
