// The seam as it would be without it: every system call of the POSIX region backend is the OS's
// own function, called directly (see seam_cost.cpp). Regions only: the channel's and the event's
// few wrappers (fcntl_lock, futex) have no function of that name in the OS.
#ifndef NAMEDSHM_TESTS_SEAM_DIRECT_CALLS_HPP
#define NAMEDSHM_TESTS_SEAM_DIRECT_CALLS_HPP

#define NAMEDSHM_SYSTEM(function) ::function

#endif  // NAMEDSHM_TESTS_SEAM_DIRECT_CALLS_HPP
