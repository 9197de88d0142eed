// The protocol of namedshm-send-file and namedshm-receive-file: how a file travels as
// messages through a namedshm channel. Every message starts with one byte that says its kind:
//
//   'H' + 8-byte size (little-endian; all ones when the sender reads a pipe and cannot know)
//   'D' + up to chunk bytes of the file, in order; as many as it takes
//   'E' + the 32-byte SHA-256 of everything sent in 'D' messages; the last message
//
// The receiver checks the size (if known) and the digest; a stream that ends without 'E' was
// cut short (the sender closed early or died). The sender writes each 'D' straight into the
// ring with prepare/commit, and the receiver writes it to the file from the ring: no copy in
// between.
#ifndef NAMEDSHM_EXAMPLES_FILE_STREAM_HPP
#define NAMEDSHM_EXAMPLES_FILE_STREAM_HPP

#include <cstddef>      // std::size_t
#include <cstdint>      // std::uint64_t
#include <cstdio>       // std::FILE, std::fopen, _wfopen_s
#include <memory>       // std::unique_ptr
#include <string>       // std::string
#include <string_view>  // std::string_view

#include "console.hpp"  // to_utf16, for paths on Windows

namespace example {

/// The channel both programs use unless --name says otherwise.
inline constexpr std::string_view default_channel_name = "Local\\namedshm-file";
/// The ring's size in bytes (receive-file --capacity).
inline constexpr std::size_t default_capacity = 1024 * 1024;
/// The most file bytes in one 'D' message: a quarter of the ring, so that the sender fills the
/// next chunk while the receiver writes the previous ones.
inline std::size_t chunk_for(std::size_t max_message_size) noexcept { return (max_message_size + 1) / 4; }

enum class Kind : char { header = 'H', data = 'D', end = 'E' };

inline constexpr std::uint64_t unknown_size = ~std::uint64_t{0};
inline constexpr std::size_t header_bytes = 1 + 8;
inline constexpr std::size_t digest_bytes = 32;

inline void put_u64(unsigned char* out, std::uint64_t value) noexcept {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>(value >> (8 * i));
}
inline std::uint64_t get_u64(const unsigned char* in) noexcept {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8U) | in[i];
  return value;
}

using File = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

/// Opens a file by its UTF-8 path, in binary mode ("rb" or "wb"); null if it cannot.
inline File open_file(const std::string& path, const char* mode) {
#if defined(_WIN32)
  // _wfopen_s, not _wfopen, which cl.exe deprecates (C4996, an error under /WX).
  std::FILE* file = nullptr;
  if (::_wfopen_s(&file, to_utf16(path).c_str(), to_utf16(mode).c_str()) != 0) file = nullptr;
  return {file, std::fclose};
#else
  return {std::fopen(path.c_str(), mode), std::fclose};
#endif
}

/// Removes a file by its UTF-8 path; false if it cannot.
inline bool remove_file(const std::string& path) {
#if defined(_WIN32)
  return ::_wremove(to_utf16(path).c_str()) == 0;
#else
  return std::remove(path.c_str()) == 0;
#endif
}

}  // namespace example

#endif  // NAMEDSHM_EXAMPLES_FILE_STREAM_HPP
