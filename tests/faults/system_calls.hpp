// The header that NAMEDSHM_SYSTEM_CALLS_HEADER names in the failure-path test program
// (tests/faults/): every system call of namedshm's backends goes through a function here,
// which counts it, makes it fail when the test's plan says so, and otherwise makes the real
// call ({fmt}'s posix-mock.h does the same for fmt::file). Only this program sees it: users'
// builds call the OS directly.
//
// The state is per thread, so that a helper thread (a waiter, a peer) neither counts nor
// fails. A failure looks as the OS would report it: -1 and errno, MAP_FAILED, an error number
// returned (posix_fallocate, the pthread calls), FALSE / NULL / WAIT_FAILED and the thread's last error, or an
// NTSTATUS. The calls that give a resource back (close, munmap, CloseHandle, UnmapViewOfFile,
// LocalFree) give it back even when they report a failure, as Linux's close() does after EIO:
// so a test can check both that the failure is reported and that nothing leaked.
#ifndef NAMEDSHM_TESTS_FAULTS_SYSTEM_CALLS_HPP
#define NAMEDSHM_TESTS_FAULTS_SYSTEM_CALLS_HPP

#if defined(_WIN32)
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  ifndef NOMINMAX
#    define NOMINMAX
#  endif
#  include <windows.h>
// after windows.h
#  include <sddl.h>
#else
#  include <fcntl.h>
#  include <pthread.h>
#  include <sys/mman.h>
#  include <sys/resource.h>
#  include <sys/stat.h>
#  include <sys/statvfs.h>
#  include <time.h>
#endif

#include <cstdint>  // std::uint32_t

namespace namedshm_test::faults {

/// Forgets the count and any plan: calls from now on are counted from 1 and all succeed.
void reset() noexcept;
/// Makes the `nth` call (1-based, counted from now) fail with `error`: an errno value on POSIX;
/// on Windows a Win32 error code (for the NT functions, the NTSTATUS that maps to it).
void fail_call(int nth, int error) noexcept;
/// The calls made since reset() or fail_call().
int calls() noexcept;
/// The name of the `nth` call since reset() or fail_call(), or "" if there was none.
const char* call_name(int nth) noexcept;
/// Where the `nth` call was made: the backend's file (as __FILE__ names it) and line of its
/// NAMEDSHM_SYSTEM use; "" and 0 if there was no such call.
const char* call_file(int nth) noexcept;
int call_line(int nth) noexcept;
/// Records the call site of the call that follows in this thread: NAMEDSHM_SYSTEM's first step.
void at_site(const char* file, int line) noexcept;
/// True once the planned failure has happened.
bool failed() noexcept;
/// True if the next call of this thread is the one planned to fail (for a hook, which runs
/// just before it).
bool next_call_fails() noexcept;
/// Runs `hook` just before the next call named `name` (in any thread), once.
void before_call(const char* name, void (*hook)()) noexcept;

#if defined(_WIN32)
BOOL CloseHandle(HANDLE handle) noexcept;
BOOL ConvertStringSecurityDescriptorToSecurityDescriptorW(LPCWSTR text, DWORD revision,
                                                          PSECURITY_DESCRIPTOR* descriptor, PULONG size) noexcept;
HANDLE CreateEventExW(LPSECURITY_ATTRIBUTES attributes, LPCWSTR name, DWORD flags, DWORD access) noexcept;
HANDLE CreateFileMappingW(HANDLE file, LPSECURITY_ATTRIBUTES attributes, DWORD protection, DWORD high, DWORD low,
                          LPCWSTR name) noexcept;
HANDLE CreateMutexExW(LPSECURITY_ATTRIBUTES attributes, LPCWSTR name, DWORD flags, DWORD access) noexcept;
BOOL GetProcessTimes(HANDLE process, LPFILETIME created, LPFILETIME exited, LPFILETIME kernel,
                     LPFILETIME user) noexcept;
HLOCAL LocalFree(HLOCAL memory) noexcept;
LPVOID MapViewOfFile(HANDLE section, DWORD access, DWORD high, DWORD low, SIZE_T size) noexcept;
int MultiByteToWideChar(UINT code_page, DWORD flags, LPCCH text, int length, LPWSTR wide, int room) noexcept;
LONG NtQueryEvent(HANDLE event, int information_class, void* information, ULONG length, ULONG* returned) noexcept;
HANDLE OpenEventW(DWORD access, BOOL inherit, LPCWSTR name) noexcept;
HANDLE OpenFileMappingW(DWORD access, BOOL inherit, LPCWSTR name) noexcept;
HANDLE OpenMutexW(DWORD access, BOOL inherit, LPCWSTR name) noexcept;
HANDLE OpenProcess(DWORD access, BOOL inherit, DWORD id) noexcept;
BOOL ReleaseMutex(HANDLE mutex) noexcept;
BOOL ResetEvent(HANDLE event) noexcept;
BOOL SetEvent(HANDLE event) noexcept;
BOOL UnmapViewOfFile(LPCVOID address) noexcept;
SIZE_T VirtualQuery(LPCVOID address, PMEMORY_BASIC_INFORMATION information, SIZE_T length) noexcept;
DWORD WaitForSingleObject(HANDLE handle, DWORD milliseconds) noexcept;
#else
int clock_gettime(clockid_t clock, timespec* time) noexcept;
int close(int fd) noexcept;
int fchmod(int fd, mode_t mode) noexcept;
int fcntl_lock(int fd, int command, struct flock* lock) noexcept;
int flock(int fd, int operation) noexcept;
int fstat(int fd, struct stat* info) noexcept;
int fstatvfs(int fd, struct statvfs* info) noexcept;
int ftruncate(int fd, off_t length) noexcept;
long futex(std::uint32_t* word, int operation, std::uint32_t value, const timespec* timeout) noexcept;
int getrlimit(decltype(RLIMIT_FSIZE) resource, struct rlimit* limit) noexcept;
void* mmap(void* address, size_t length, int protection, int flags, int fd, off_t offset) noexcept;
int munmap(void* address, size_t length) noexcept;
int posix_fallocate(int fd, off_t offset, off_t length) noexcept;
int pthread_mutex_consistent(pthread_mutex_t* mutex) noexcept;
int pthread_mutex_init(pthread_mutex_t* mutex, const pthread_mutexattr_t* attributes) noexcept;
int pthread_mutex_lock(pthread_mutex_t* mutex) noexcept;
// Both timed locks, as detail/mutex_posix.hpp picks one (the first needs glibc 2.30, the
// second is the one under ThreadSanitizer).
#  if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 30))
int pthread_mutex_clocklock(pthread_mutex_t* mutex, clockid_t clock, const timespec* at) noexcept;
#  endif
int pthread_mutex_timedlock(pthread_mutex_t* mutex, const timespec* at) noexcept;
int pthread_mutex_unlock(pthread_mutex_t* mutex) noexcept;
int pthread_mutexattr_init(pthread_mutexattr_t* attributes) noexcept;
int pthread_mutexattr_setpshared(pthread_mutexattr_t* attributes, int shared) noexcept;
int pthread_mutexattr_setrobust(pthread_mutexattr_t* attributes, int robust) noexcept;
int pthread_mutexattr_settype(pthread_mutexattr_t* attributes, int type) noexcept;
int shm_open(const char* name, int flags, mode_t mode) noexcept;
int shm_unlink(const char* name) noexcept;
int stat(const char* path, struct stat* info) noexcept;
#endif

}  // namespace namedshm_test::faults

// The call site first (a comma expression, so that the macro stays the callee of the call that
// follows it), then the function.
#define NAMEDSHM_SYSTEM(function) \
  (::namedshm_test::faults::at_site(__FILE__, __LINE__), ::namedshm_test::faults::function)

#endif  // NAMEDSHM_TESTS_FAULTS_SYSTEM_CALLS_HPP
