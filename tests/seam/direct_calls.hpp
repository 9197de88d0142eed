// The seam as it would be without it: every system call of the POSIX backends written as the
// OS's own call at its call site (see seam_cost.cpp). The functions that are the OS's own under
// NAMEDSHM_SYSTEM too (using-declarations in namedshm::detail::os::native: the file calls and
// every pthread call) map to themselves; the two that namedshm wraps, because the OS has no
// function of that form, become the call that their wrapper makes: futex is
// syscall(SYS_futex, ...) and fcntl_lock is fcntl(...). A name missing here does not compile.
#ifndef NAMEDSHM_TESTS_SEAM_DIRECT_CALLS_HPP
#define NAMEDSHM_TESTS_SEAM_DIRECT_CALLS_HPP

#include <fcntl.h>        // fcntl
#include <sys/syscall.h>  // SYS_futex
#include <unistd.h>       // syscall

#define NAMEDSHM_SYSTEM(function) NAMEDSHM_DIRECT_##function

#define NAMEDSHM_DIRECT_close ::close
#define NAMEDSHM_DIRECT_fchmod ::fchmod
#define NAMEDSHM_DIRECT_flock ::flock
#define NAMEDSHM_DIRECT_fstat ::fstat
#define NAMEDSHM_DIRECT_fstatvfs ::fstatvfs
#define NAMEDSHM_DIRECT_ftruncate ::ftruncate
#define NAMEDSHM_DIRECT_getrlimit ::getrlimit
#define NAMEDSHM_DIRECT_mmap ::mmap
#define NAMEDSHM_DIRECT_munmap ::munmap
#define NAMEDSHM_DIRECT_posix_fallocate ::posix_fallocate
#define NAMEDSHM_DIRECT_shm_open ::shm_open
#define NAMEDSHM_DIRECT_shm_unlink ::shm_unlink
#define NAMEDSHM_DIRECT_stat ::stat
#define NAMEDSHM_DIRECT_clock_gettime ::clock_gettime
#define NAMEDSHM_DIRECT_pthread_mutex_clocklock ::pthread_mutex_clocklock
#define NAMEDSHM_DIRECT_pthread_mutex_consistent ::pthread_mutex_consistent
#define NAMEDSHM_DIRECT_pthread_mutex_init ::pthread_mutex_init
#define NAMEDSHM_DIRECT_pthread_mutex_lock ::pthread_mutex_lock
#define NAMEDSHM_DIRECT_pthread_mutex_timedlock ::pthread_mutex_timedlock
#define NAMEDSHM_DIRECT_pthread_mutex_unlock ::pthread_mutex_unlock
#define NAMEDSHM_DIRECT_pthread_mutexattr_init ::pthread_mutexattr_init
#define NAMEDSHM_DIRECT_pthread_mutexattr_setpshared ::pthread_mutexattr_setpshared
#define NAMEDSHM_DIRECT_pthread_mutexattr_setrobust ::pthread_mutexattr_setrobust
#define NAMEDSHM_DIRECT_pthread_mutexattr_settype ::pthread_mutexattr_settype
// The wrappers' own calls, at the call site: the macro after the seam's takes their arguments.
#define NAMEDSHM_DIRECT_futex(word, operation, value, timeout) \
  ::syscall(SYS_futex, word, operation, value, timeout, nullptr, 0)
#define NAMEDSHM_DIRECT_fcntl_lock(fd, command, lock) ::fcntl(fd, command, lock)

#endif  // NAMEDSHM_TESTS_SEAM_DIRECT_CALLS_HPP
