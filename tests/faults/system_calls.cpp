// The seam's functions for the failure-path tests: count, fail as planned, or call the OS.
#include "system_calls.hpp"

#include <namedshm/channel.hpp>  // every backend, and so every native:: function
#include <namedshm/mutex.hpp>    // and the mutex's

#include <atomic>   // the hook, shared by all threads
#include <cerrno>   // errno
#include <cstring>  // std::strcmp
#include <utility>  // std::exchange

namespace namedshm_test::faults {
namespace {

namespace native = namedshm::detail::os::native;

constexpr int max_logged = 256;

/// Where a call was made: a NAMEDSHM_SYSTEM use in a backend.
struct Site {
  const char* file;
  int line;
};

/// The plan and the count of the calling thread.
struct Plan {
  int count = 0;
  int fail_at = 0;  ///< 0: nothing fails
  int error = 0;
  bool failed = false;
  const char* names[max_logged] = {};
  Site sites[max_logged] = {};
};
thread_local Plan plan;
thread_local Site next_site{"", 0};

std::atomic<const char*> hook_name{nullptr};
std::atomic<void (*)()> hook{nullptr};

/// Counts a call to `name`; true if it is the one that must fail.
bool fails(const char* name) noexcept {
  const char* wanted = hook_name.load();
  if (wanted != nullptr && std::strcmp(wanted, name) == 0 && hook_name.compare_exchange_strong(wanted, nullptr)) {
    hook.load()();
  }
  ++plan.count;
  if (plan.count <= max_logged) {
    plan.names[plan.count - 1] = name;
    plan.sites[plan.count - 1] = std::exchange(next_site, Site{"", 0});
  }
  if (plan.count != plan.fail_at) return false;
  plan.failed = true;
  return true;
}

#if defined(_WIN32)
/// The NTSTATUS that RtlNtStatusToDosError turns into `error`, for the NT functions.
LONG ntstatus_for(int error) noexcept {
  switch (error) {
    case ERROR_ACCESS_DENIED:
      return static_cast<LONG>(0xC0000022UL);  // STATUS_ACCESS_DENIED
    case ERROR_NOT_ENOUGH_MEMORY:
      return static_cast<LONG>(0xC0000017UL);  // STATUS_NO_MEMORY
    case ERROR_INVALID_HANDLE:
      return static_cast<LONG>(0xC0000008UL);  // STATUS_INVALID_HANDLE
    default:
      return native::procedure_not_found;  // ERROR_PROC_NOT_FOUND: ntdll lacks the function
  }
}

/// Sets the thread's last error to the planned one and returns `result`.
template <class Result>
Result fail_with(Result result) noexcept {
  ::SetLastError(static_cast<DWORD>(plan.error));
  return result;
}
#else
/// Sets errno to the planned error and returns `result`.
template <class Result>
Result fail_with(Result result) noexcept {
  errno = plan.error;
  return result;
}
#endif

}  // namespace

void reset() noexcept { plan = Plan{}; }

void fail_call(int nth, int error) noexcept {
  plan = Plan{};
  plan.fail_at = nth;
  plan.error = error;
}

int calls() noexcept { return plan.count; }

const char* call_name(int nth) noexcept {
  return nth >= 1 && nth <= max_logged && nth <= plan.count ? plan.names[nth - 1] : "";
}

const char* call_file(int nth) noexcept {
  const char* file = nth >= 1 && nth <= max_logged && nth <= plan.count ? plan.sites[nth - 1].file : nullptr;
  return file != nullptr ? file : "";
}

int call_line(int nth) noexcept {
  return nth >= 1 && nth <= max_logged && nth <= plan.count ? plan.sites[nth - 1].line : 0;
}

void at_site(const char* file, int line) noexcept { next_site = {file, line}; }

bool failed() noexcept { return plan.failed; }

bool next_call_fails() noexcept { return plan.fail_at == plan.count + 1; }

void before_call(const char* name, void (*function)()) noexcept {
  hook.store(function);
  hook_name.store(name);
}

#if defined(_WIN32)
BOOL CloseHandle(HANDLE handle) noexcept {
  if (!fails("CloseHandle")) return native::CloseHandle(handle);
  native::CloseHandle(handle);  // given back all the same (see the header)
  return fail_with(FALSE);
}
BOOL ConvertStringSecurityDescriptorToSecurityDescriptorW(LPCWSTR text, DWORD revision,
                                                          PSECURITY_DESCRIPTOR* descriptor, PULONG size) noexcept {
  if (fails("ConvertStringSecurityDescriptorToSecurityDescriptorW")) return fail_with(FALSE);
  return native::ConvertStringSecurityDescriptorToSecurityDescriptorW(text, revision, descriptor, size);
}
HANDLE CreateEventExW(LPSECURITY_ATTRIBUTES attributes, LPCWSTR name, DWORD flags, DWORD access) noexcept {
  if (fails("CreateEventExW")) return fail_with(HANDLE{nullptr});
  return native::CreateEventExW(attributes, name, flags, access);
}
HANDLE CreateFileMappingW(HANDLE file, LPSECURITY_ATTRIBUTES attributes, DWORD protection, DWORD high, DWORD low,
                          LPCWSTR name) noexcept {
  if (fails("CreateFileMappingW")) return fail_with(HANDLE{nullptr});
  return native::CreateFileMappingW(file, attributes, protection, high, low, name);
}
BOOL GetProcessTimes(HANDLE process, LPFILETIME created, LPFILETIME exited, LPFILETIME kernel,
                     LPFILETIME user) noexcept {
  if (fails("GetProcessTimes")) return fail_with(FALSE);
  return native::GetProcessTimes(process, created, exited, kernel, user);
}
HLOCAL LocalFree(HLOCAL memory) noexcept {
  if (!fails("LocalFree")) return native::LocalFree(memory);
  native::LocalFree(memory);  // given back all the same (see the header)
  return fail_with(memory);
}
LPVOID MapViewOfFile(HANDLE section, DWORD access, DWORD high, DWORD low, SIZE_T size) noexcept {
  if (fails("MapViewOfFile")) return fail_with(LPVOID{nullptr});
  return native::MapViewOfFile(section, access, high, low, size);
}
int MultiByteToWideChar(UINT code_page, DWORD flags, LPCCH text, int length, LPWSTR wide, int room) noexcept {
  if (fails("MultiByteToWideChar")) return fail_with(0);
  return native::MultiByteToWideChar(code_page, flags, text, length, wide, room);
}
LONG NtQueryEvent(HANDLE event, int information_class, void* information, ULONG length, ULONG* returned) noexcept {
  if (fails("NtQueryEvent")) return ntstatus_for(plan.error);
  return native::NtQueryEvent(event, information_class, information, length, returned);
}
HANDLE CreateMutexExW(LPSECURITY_ATTRIBUTES attributes, LPCWSTR name, DWORD flags, DWORD access) noexcept {
  if (fails("CreateMutexExW")) return fail_with(HANDLE{nullptr});
  return native::CreateMutexExW(attributes, name, flags, access);
}
HANDLE OpenMutexW(DWORD access, BOOL inherit, LPCWSTR name) noexcept {
  if (fails("OpenMutexW")) return fail_with(HANDLE{nullptr});
  return native::OpenMutexW(access, inherit, name);
}
BOOL ReleaseMutex(HANDLE mutex) noexcept {
  if (fails("ReleaseMutex")) return fail_with(FALSE);
  return native::ReleaseMutex(mutex);
}
HANDLE OpenEventW(DWORD access, BOOL inherit, LPCWSTR name) noexcept {
  if (fails("OpenEventW")) return fail_with(HANDLE{nullptr});
  return native::OpenEventW(access, inherit, name);
}
HANDLE OpenFileMappingW(DWORD access, BOOL inherit, LPCWSTR name) noexcept {
  if (fails("OpenFileMappingW")) return fail_with(HANDLE{nullptr});
  return native::OpenFileMappingW(access, inherit, name);
}
HANDLE OpenProcess(DWORD access, BOOL inherit, DWORD id) noexcept {
  if (fails("OpenProcess")) return fail_with(HANDLE{nullptr});
  return native::OpenProcess(access, inherit, id);
}
BOOL ResetEvent(HANDLE event) noexcept {
  if (fails("ResetEvent")) return fail_with(FALSE);
  return native::ResetEvent(event);
}
BOOL SetEvent(HANDLE event) noexcept {
  if (fails("SetEvent")) return fail_with(FALSE);
  return native::SetEvent(event);
}
BOOL UnmapViewOfFile(LPCVOID address) noexcept {
  if (!fails("UnmapViewOfFile")) return native::UnmapViewOfFile(address);
  native::UnmapViewOfFile(address);  // given back all the same (see the header)
  return fail_with(FALSE);
}
SIZE_T VirtualQuery(LPCVOID address, PMEMORY_BASIC_INFORMATION information, SIZE_T length) noexcept {
  if (fails("VirtualQuery")) return fail_with(SIZE_T{0});
  return native::VirtualQuery(address, information, length);
}
DWORD WaitForSingleObject(HANDLE handle, DWORD milliseconds) noexcept {
  if (fails("WaitForSingleObject")) return fail_with(WAIT_FAILED);
  return native::WaitForSingleObject(handle, milliseconds);
}
#else
int clock_gettime(clockid_t clock, timespec* time) noexcept {
  return fails("clock_gettime") ? fail_with(-1) : native::clock_gettime(clock, time);
}
int close(int fd) noexcept {
  if (!fails("close")) return native::close(fd);
  native::close(fd);  // given back all the same, as Linux does after EIO (see the header)
  return fail_with(-1);
}
int fchmod(int fd, mode_t mode) noexcept { return fails("fchmod") ? fail_with(-1) : native::fchmod(fd, mode); }
int fcntl_lock(int fd, int command, struct flock* lock) noexcept {
  return fails("fcntl_lock") ? fail_with(-1) : native::fcntl_lock(fd, command, lock);
}
int flock(int fd, int operation) noexcept { return fails("flock") ? fail_with(-1) : native::flock(fd, operation); }
int fstat(int fd, struct stat* info) noexcept { return fails("fstat") ? fail_with(-1) : native::fstat(fd, info); }
int fstatvfs(int fd, struct statvfs* info) noexcept {
  return fails("fstatvfs") ? fail_with(-1) : native::fstatvfs(fd, info);
}
int ftruncate(int fd, off_t length) noexcept {
  return fails("ftruncate") ? fail_with(-1) : native::ftruncate(fd, length);
}
long futex(std::uint32_t* word, int operation, std::uint32_t value, const timespec* timeout) noexcept {
  return fails("futex") ? fail_with(-1L) : native::futex(word, operation, value, timeout);
}
int getrlimit(decltype(RLIMIT_FSIZE) resource, struct rlimit* limit) noexcept {
  return fails("getrlimit") ? fail_with(-1) : native::getrlimit(resource, limit);
}
void* mmap(void* address, size_t length, int protection, int flags, int fd, off_t offset) noexcept {
  return fails("mmap") ? fail_with(MAP_FAILED) : native::mmap(address, length, protection, flags, fd, offset);
}
int munmap(void* address, size_t length) noexcept {
  if (!fails("munmap")) return native::munmap(address, length);
  native::munmap(address, length);  // given back all the same (see the header)
  return fail_with(-1);
}
int posix_fallocate(int fd, off_t offset, off_t length) noexcept {
  return fails("posix_fallocate") ? plan.error : native::posix_fallocate(fd, offset, length);
}
int pthread_mutex_consistent(pthread_mutex_t* mutex) noexcept {
  return fails("pthread_mutex_consistent") ? plan.error : native::pthread_mutex_consistent(mutex);
}
int pthread_mutex_init(pthread_mutex_t* mutex, const pthread_mutexattr_t* attributes) noexcept {
  return fails("pthread_mutex_init") ? plan.error : native::pthread_mutex_init(mutex, attributes);
}
int pthread_mutex_lock(pthread_mutex_t* mutex) noexcept {
  return fails("pthread_mutex_lock") ? plan.error : native::pthread_mutex_lock(mutex);
}
#  if NAMEDSHM_DETAIL_GLIBC_CLOCKLOCK
int pthread_mutex_clocklock(pthread_mutex_t* mutex, clockid_t clock, const timespec* at) noexcept {
  return fails("pthread_mutex_clocklock") ? plan.error : native::pthread_mutex_clocklock(mutex, clock, at);
}
#  endif
int pthread_mutex_timedlock(pthread_mutex_t* mutex, const timespec* at) noexcept {
  return fails("pthread_mutex_timedlock") ? plan.error : native::pthread_mutex_timedlock(mutex, at);
}
int pthread_mutex_unlock(pthread_mutex_t* mutex) noexcept {
  return fails("pthread_mutex_unlock") ? plan.error : native::pthread_mutex_unlock(mutex);
}
int pthread_mutexattr_init(pthread_mutexattr_t* attributes) noexcept {
  return fails("pthread_mutexattr_init") ? plan.error : native::pthread_mutexattr_init(attributes);
}
int pthread_mutexattr_setpshared(pthread_mutexattr_t* attributes, int shared) noexcept {
  return fails("pthread_mutexattr_setpshared") ? plan.error : native::pthread_mutexattr_setpshared(attributes, shared);
}
int pthread_mutexattr_setrobust(pthread_mutexattr_t* attributes, int robust) noexcept {
  return fails("pthread_mutexattr_setrobust") ? plan.error : native::pthread_mutexattr_setrobust(attributes, robust);
}
int pthread_mutexattr_settype(pthread_mutexattr_t* attributes, int type) noexcept {
  return fails("pthread_mutexattr_settype") ? plan.error : native::pthread_mutexattr_settype(attributes, type);
}
int shm_open(const char* name, int flags, mode_t mode) noexcept {
  return fails("shm_open") ? fail_with(-1) : native::shm_open(name, flags, mode);
}
int shm_unlink(const char* name) noexcept { return fails("shm_unlink") ? fail_with(-1) : native::shm_unlink(name); }
int stat(const char* path, struct stat* info) noexcept {
  return fails("stat") ? fail_with(-1) : native::stat(path, info);
}
#endif

}  // namespace namedshm_test::faults
