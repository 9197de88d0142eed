// What namedshm-service and namedshm-client say to each other. A client sends requests through
// the service's namedshm::Mailbox; each request names the client's own reply channel (a
// namedshm::ChannelReceiver that the client made), and the service answers there through a
// ChannelSender. Pure functions: no namedshm, no system calls.
//
//   request: [kind: 'Q' query or 'B' bye][n: 1 byte][n bytes: the reply channel's name]
//            [8 bytes: the request's number][the payload: 0 to 999 bytes]
//   reply:   [8 bytes: the request's number][32 bytes: the SHA-256 of the payload]
//
// The payload of request k of a client is made from k alone, so that the client can check the
// reply without keeping what it sent.
#ifndef NAMEDSHM_EXAMPLES_SERVICE_HPP
#define NAMEDSHM_EXAMPLES_SERVICE_HPP

#include <cstddef>      // std::byte, std::size_t
#include <cstdint>      // std::uint64_t
#include <cstring>      // std::memcpy
#include <optional>     // std::optional, a request that does not parse
#include <string>       // std::string, names
#include <string_view>  // std::string_view
#include <vector>       // std::vector, a payload

#include "sha256.hpp"  // example::Sha256

namespace example {

/// The service's mailbox when no name is given.
inline constexpr const char* default_service_name = "Local\\namedshm-service";
/// The service's mailbox ring: room for a few hundred requests.
inline constexpr std::size_t service_capacity = 256 * 1024;
/// Each client's reply channel: a reply is 40 bytes, and a client waits for each.
inline constexpr std::size_t reply_capacity = 4096;

enum class RequestKind : char { query = 'Q', bye = 'B' };

/// A request as the service reads it: views into the mailbox's ring.
struct Request {
  RequestKind kind = RequestKind::query;
  std::string_view reply_name;
  std::uint64_t number = 0;
  const std::byte* payload = nullptr;
  std::size_t payload_size = 0;
};

/// The reply channel of the client with process id `pid`: the service's name with a suffix.
inline std::string reply_name_for(const std::string& service, unsigned long pid) {
  return service + ".reply." + std::to_string(pid);
}

/// The payload of request `number`: 0 to 999 bytes made from the number.
inline std::vector<std::byte> payload_of(std::uint64_t number) {
  std::vector<std::byte> payload(static_cast<std::size_t>((number * 37U) % 1000));
  std::uint64_t x = number * 0x9E3779B97F4A7C15ULL + 1;
  for (std::byte& byte : payload) {
    x ^= x << 13U;
    x ^= x >> 7U;
    x ^= x << 17U;
    byte = static_cast<std::byte>(x & 0xFFU);
  }
  return payload;
}

/// The bytes of a request with `payload_size` bytes of payload to the reply channel `reply_name`.
inline std::size_t request_size(const std::string& reply_name, std::size_t payload_size) {
  return 2 + reply_name.size() + sizeof(std::uint64_t) + payload_size;
}

/// Writes a request (request_size() bytes) at `out`. `reply_name` has at most 255 bytes.
inline void write_request(std::byte* out, RequestKind kind, const std::string& reply_name, std::uint64_t number,
                          const std::vector<std::byte>& payload) {
  out[0] = static_cast<std::byte>(kind);
  out[1] = static_cast<std::byte>(reply_name.size());
  std::memcpy(out + 2, reply_name.data(), reply_name.size());
  std::memcpy(out + 2 + reply_name.size(), &number, sizeof number);
  if (!payload.empty()) std::memcpy(out + request_size(reply_name, 0), payload.data(), payload.size());
}

/// Reads a request; nothing if the bytes are not one.
inline std::optional<Request> read_request(const std::byte* data, std::size_t size) {
  if (size < 2) return std::nullopt;
  const auto kind = static_cast<RequestKind>(data[0]);
  const auto name_size = static_cast<std::size_t>(data[1]);
  if ((kind != RequestKind::query && kind != RequestKind::bye) || name_size == 0 ||
      size < 2 + name_size + sizeof(std::uint64_t)) {
    return std::nullopt;
  }
  Request request;
  request.kind = kind;
  request.reply_name = std::string_view(reinterpret_cast<const char*>(data + 2), name_size);
  std::memcpy(&request.number, data + 2 + name_size, sizeof request.number);
  request.payload = data + 2 + name_size + sizeof(std::uint64_t);
  request.payload_size = size - (2 + name_size + sizeof(std::uint64_t));
  return request;
}

/// The reply's size: the number and the SHA-256.
inline constexpr std::size_t reply_size = sizeof(std::uint64_t) + 32;

/// Writes the reply to `request` (reply_size bytes) at `out`.
inline void write_reply(std::byte* out, const Request& request) {
  Sha256 digest;
  digest.update(request.payload, request.payload_size);
  const Sha256::Digest sum = digest.finish();
  std::memcpy(out, &request.number, sizeof request.number);
  std::memcpy(out + sizeof request.number, sum.data(), sum.size());
}

/// True if `size` bytes at `data` are the right reply to request `number`.
inline bool is_reply_to(const std::byte* data, std::size_t size, std::uint64_t number) {
  if (size != reply_size) return false;
  const std::vector<std::byte> payload = payload_of(number);
  Sha256 digest;
  digest.update(payload.data(), payload.size());
  const Sha256::Digest sum = digest.finish();
  std::uint64_t echoed = 0;
  std::memcpy(&echoed, data, sizeof echoed);
  return echoed == number && std::memcmp(data + sizeof echoed, sum.data(), sum.size()) == 0;
}

}  // namespace example

#endif  // NAMEDSHM_EXAMPLES_SERVICE_HPP
