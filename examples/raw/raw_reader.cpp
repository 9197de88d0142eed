// raw_reader: a test helper (not installed) that reads the message the way the Win32 sample's
// second process does, without namedshm: OpenFileMappingW(FILE_MAP_ALL_ACCESS) + MapViewOfFile
// of 256 bytes on Windows, reading wchar_t text; shm_open + mmap on POSIX, reading UTF-8. It
// prints the text as one line of UTF-8 on stdout and sends no acknowledgement: it is the plain
// reader that namedshm-writer must serve while it waits.
//
//   raw_reader NAME      NAME as the OS takes it: "Local\x" / "Global\x" on Windows, "/x" on POSIX
//
// Exit 0 after printing, 1 on any failure (one line on stderr). Like the sample, it does not
// wait: the region must exist when it starts.
#include <cstdio>   // std::fwrite, std::fprintf
#include <cstring>  // strnlen
#include <string>   // std::string

#if defined(_WIN32)
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  ifndef NOMINMAX
#    define NOMINMAX
#  endif
#  include <windows.h>  // before the Windows headers below, which need its types

#  include <fcntl.h>     // _O_BINARY
#  include <io.h>        // _setmode
#  include <shellapi.h>  // CommandLineToArgvW
#  include <cwchar>      // wcsnlen
#else
#  include <fcntl.h>     // O_RDONLY
#  include <sys/mman.h>  // shm_open, mmap
#  include <sys/stat.h>  // fstat
#  include <unistd.h>    // close
#  include <cerrno>      // errno
#endif

namespace {

constexpr std::size_t buffer_size = 256;  // the sample's BUF_SIZE

int fail(const char* what, long code) {
  std::fprintf(stderr, "raw_reader: %s failed (%ld)\n", what, code);
  return 1;
}

void print_line(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace

#if defined(_WIN32)

int main() {
  _setmode(_fileno(stdout), _O_BINARY);
  int argc = 0;
  wchar_t** argv = CommandLineToArgvW(GetCommandLineW(), &argc);
  if (argv == nullptr || argc != 2) return fail("reading the command line (raw_reader NAME)", 0);
  HANDLE mapping = OpenFileMappingW(FILE_MAP_ALL_ACCESS, FALSE, argv[1]);
  LocalFree(argv);
  if (mapping == nullptr) return fail("OpenFileMappingW", static_cast<long>(GetLastError()));
  const void* view = MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, 0, buffer_size);
  if (view == nullptr) {
    const DWORD error = GetLastError();
    CloseHandle(mapping);
    return fail("MapViewOfFile", static_cast<long>(error));
  }
  const auto* text = static_cast<const wchar_t*>(view);
  const int units = static_cast<int>(wcsnlen(text, buffer_size / sizeof(wchar_t)));
  std::string utf8(static_cast<std::size_t>(units) * 3, '\0');
  const int length =
      WideCharToMultiByte(CP_UTF8, 0, text, units, utf8.data(), static_cast<int>(utf8.size()), nullptr, nullptr);
  utf8.resize(static_cast<std::size_t>(length));
  print_line(utf8);
  UnmapViewOfFile(view);
  CloseHandle(mapping);
  return 0;
}

#else

int main(int argc, char** argv) {
  if (argc != 2) return fail("reading the command line (raw_reader NAME)", 0);
  const int fd = shm_open(argv[1], O_RDONLY, 0);
  if (fd == -1) return fail("shm_open", errno);
  struct stat info {};
  if (fstat(fd, &info) != 0) {
    const int error = errno;
    close(fd);
    return fail("fstat", error);
  }
  const std::size_t size =
      static_cast<std::size_t>(info.st_size) < buffer_size ? static_cast<std::size_t>(info.st_size) : buffer_size;
  void* view = size == 0 ? MAP_FAILED : mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (view == MAP_FAILED) {
    const int error = errno;
    close(fd);
    return fail("mmap", error);
  }
  const auto* text = static_cast<const char*>(view);
  print_line(std::string(text, strnlen(text, size)));
  munmap(view, size);
  close(fd);
  return 0;
}

#endif
