// raw_writer: a test helper (not installed) that writes a message the way a plain program does,
// without namedshm: CreateFileMappingW + MapViewOfFile on Windows, shm_open + ftruncate + mmap
// on POSIX, with the Win32 sample's layout (256 bytes, NUL-terminated text at offset 0). The
// interoperability tests run it against namedshm-reader.
//
//   raw_writer NAME [--message TEXT] [--encoding utf8|utf16] [--timeout SECONDS]
//              [--mode OCTAL]   (POSIX: the object's permissions, default 0600)
//              [--sddl SDDL]    (Windows: the section's security descriptor, default none)
//
// NAME is the operating system's own: "Local\x" or "Global\x" on Windows, "/x" on POSIX.
// The text is UTF-16 on Windows and UTF-8 on POSIX unless --encoding says otherwise.
//
// It follows the layout of examples/support/message.hpp as examples/README.md describes it,
// not by including it: the text goes in with its first code unit stored last (so that a
// reader that is already waiting never sees half of it), "raw_writer: ready" goes to stdout,
// and then it waits until the 32-bit read count after the text is non-zero (exit 0) or the
// timeout passes (exit 6, default 20 s). Exit 1 on any failure, with one line on stderr.
#include <atomic>   // std::atomic, the first code unit and the read count
#include <cerrno>   // errno
#include <chrono>   // the deadline
#include <cstdint>  // std::uint16_t, std::uint32_t
#include <cstdio>   // std::printf, std::fprintf
#include <cstdlib>  // std::strtod, std::strtoul
#include <cstring>  // std::memcpy
#include <cwchar>   // std::wcstod
#include <string>   // std::string, the stored bytes
#include <thread>   // std::this_thread::sleep_for

#if defined(_WIN32)
#  ifndef WIN32_LEAN_AND_MEAN
#    define WIN32_LEAN_AND_MEAN
#  endif
#  ifndef NOMINMAX
#    define NOMINMAX
#  endif
#  include <windows.h>  // before the Windows headers below, which need its types

#  include <sddl.h>      // ConvertStringSecurityDescriptorToSecurityDescriptorW
#  include <shellapi.h>  // CommandLineToArgvW
#else
#  include <fcntl.h>     // O_* flags
#  include <sys/mman.h>  // shm_open, mmap, shm_unlink
#  include <sys/stat.h>  // fchmod
#  include <unistd.h>    // ftruncate, close
#endif

namespace {

constexpr std::size_t buffer_size = 256;  // the sample's BUF_SIZE

int fail(const char* what, long code) {
  std::fprintf(stderr, "raw_writer: %s failed (%ld)\n", what, code);
  return 1;
}

/// Stores `bytes` at the start of `view` (first code unit last), announces it and waits for a read.
int publish_and_wait(unsigned char* view, const std::string& bytes, double timeout_seconds) {
  std::memcpy(view + 2, bytes.data() + 2, bytes.size() - 2);
  std::uint16_t first_unit = 0;
  std::memcpy(&first_unit, bytes.data(), sizeof first_unit);
  reinterpret_cast<std::atomic<std::uint16_t>*>(view)->store(first_unit, std::memory_order_release);
  std::printf("raw_writer: ready\n");
  std::fflush(stdout);

  const std::size_t read_count_offset = (bytes.size() + 3) / 4 * 4;
  const auto* read_count = reinterpret_cast<const std::atomic<std::uint32_t>*>(view + read_count_offset);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
  while (read_count->load(std::memory_order_acquire) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(stderr, "raw_writer: nobody counted a read\n");
      return 6;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::printf("raw_writer: read %u time(s)\n", static_cast<unsigned>(read_count->load()));
  return 0;
}

#if defined(_WIN32)

int run(int argc, wchar_t** argv) {
  const wchar_t* name = argv[1];
  std::wstring message = L"Message from first process.";
  bool utf16 = true;
  double timeout = 20;
  const wchar_t* sddl = nullptr;
  for (int i = 2; i < argc; i += 2) {
    const std::wstring option = argv[i];
    if (i + 1 == argc) return fail("reading the arguments (an option without a value)", i);
    if (option == L"--message") {
      message = argv[i + 1];
    } else if (option == L"--encoding") {
      utf16 = std::wstring(argv[i + 1]) == L"utf16";
    } else if (option == L"--timeout") {
      timeout = std::wcstod(argv[i + 1], nullptr);
    } else if (option == L"--sddl") {
      sddl = argv[i + 1];
    } else {
      return fail("reading the arguments", i);
    }
  }

  std::string bytes;
  if (utf16) {
    bytes.assign(reinterpret_cast<const char*>(message.c_str()), (message.size() + 1) * sizeof(wchar_t));
  } else {
    const int length = WideCharToMultiByte(CP_UTF8, 0, message.c_str(), -1, nullptr, 0, nullptr, nullptr);
    bytes.resize(static_cast<std::size_t>(length));  // the terminator included
    WideCharToMultiByte(CP_UTF8, 0, message.c_str(), -1, bytes.data(), length, nullptr, nullptr);
  }
  if ((bytes.size() + 3) / 4 * 4 + 4 > buffer_size) return fail("fitting the message", static_cast<long>(bytes.size()));

  SECURITY_ATTRIBUTES attributes{sizeof attributes, nullptr, FALSE};
  if (sddl != nullptr && !ConvertStringSecurityDescriptorToSecurityDescriptorW(
                             sddl, SDDL_REVISION_1, &attributes.lpSecurityDescriptor, nullptr)) {
    return fail("ConvertStringSecurityDescriptorToSecurityDescriptorW", static_cast<long>(GetLastError()));
  }
  HANDLE mapping = CreateFileMappingW(INVALID_HANDLE_VALUE, sddl != nullptr ? &attributes : nullptr, PAGE_READWRITE, 0,
                                      buffer_size, name);
  const DWORD error = GetLastError();
  if (mapping == nullptr) return fail("CreateFileMappingW", static_cast<long>(error));
  if (error == ERROR_ALREADY_EXISTS) {
    CloseHandle(mapping);
    return fail("CreateFileMappingW (the name exists)", static_cast<long>(error));
  }
  void* view = MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, 0, buffer_size);
  if (view == nullptr) {
    const DWORD map_error = GetLastError();
    CloseHandle(mapping);
    return fail("MapViewOfFile", static_cast<long>(map_error));
  }
  const int status = publish_and_wait(static_cast<unsigned char*>(view), bytes, timeout);
  UnmapViewOfFile(view);
  CloseHandle(mapping);
  if (attributes.lpSecurityDescriptor != nullptr) LocalFree(attributes.lpSecurityDescriptor);
  return status;
}

}  // namespace

int main() {
  int argc = 0;
  wchar_t** argv = CommandLineToArgvW(GetCommandLineW(), &argc);
  if (argv == nullptr || argc < 2) return fail("reading the command line (raw_writer NAME ...)", 0);
  const int status = run(argc, argv);
  LocalFree(argv);
  return status;
}

#else

/// UTF-8 (assumed well-formed) to UTF-16LE bytes, terminator included.
std::string to_utf16le(const std::string& text) {
  std::string bytes;
  const auto put = [&](std::uint32_t unit) {
    bytes.push_back(static_cast<char>(unit & 0xFFU));
    bytes.push_back(static_cast<char>(unit >> 8U));
  };
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80U ? 1 : lead < 0xE0U ? 2 : lead < 0xF0U ? 3 : 4;
    std::uint32_t cp = length == 1 ? lead : lead & (0x7FU >> length);
    for (std::size_t k = 1; k < length && i + k < text.size(); ++k) {
      cp = (cp << 6U) | (static_cast<unsigned char>(text[i + k]) & 0x3FU);
    }
    i += length;
    if (cp < 0x10000U) {
      put(cp);
    } else {
      put(0xD800U + ((cp - 0x10000U) >> 10U));
      put(0xDC00U + ((cp - 0x10000U) & 0x3FFU));
    }
  }
  put(0);
  return bytes;
}

int run(int argc, char** argv) {
  const char* name = argv[1];
  std::string message = "Message from first process.";
  bool utf16 = false;
  double timeout = 20;
  mode_t mode = 0600;
  for (int i = 2; i < argc; i += 2) {
    const std::string option = argv[i];
    if (i + 1 == argc) return fail("reading the arguments (an option without a value)", i);
    if (option == "--message") {
      message = argv[i + 1];
    } else if (option == "--encoding") {
      utf16 = std::string(argv[i + 1]) == "utf16";
    } else if (option == "--timeout") {
      timeout = std::strtod(argv[i + 1], nullptr);
    } else if (option == "--mode") {
      mode = static_cast<mode_t>(std::strtoul(argv[i + 1], nullptr, 8));
    } else {
      return fail("reading the arguments", i);
    }
  }

  const std::string bytes = utf16 ? to_utf16le(message) : message + '\0';
  if ((bytes.size() + 3) / 4 * 4 + 4 > buffer_size) return fail("fitting the message", static_cast<long>(bytes.size()));

  const int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, mode);
  if (fd == -1) return fail("shm_open", errno);
  if (fchmod(fd, mode) != 0 || ftruncate(fd, buffer_size) != 0) {
    const int error = errno;
    shm_unlink(name);
    close(fd);
    return fail("fchmod or ftruncate", error);
  }
  void* view = mmap(nullptr, buffer_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (view == MAP_FAILED) {
    const int error = errno;
    shm_unlink(name);
    close(fd);
    return fail("mmap", error);
  }
  const int status = publish_and_wait(static_cast<unsigned char*>(view), bytes, timeout);
  munmap(view, buffer_size);
  shm_unlink(name);
  close(fd);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return fail("reading the command line (raw_writer NAME ...)", 0);
  return run(argc, argv);
}

#endif
