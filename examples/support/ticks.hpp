// What namedshm-broadcast-sender sends and namedshm-broadcast-receiver checks: price ticks of
// varying sizes, each numbered, each made from its number alone, so that a receiver can tell a
// missing, repeated, reordered or damaged tick.
#ifndef NAMEDSHM_EXAMPLES_TICKS_HPP
#define NAMEDSHM_EXAMPLES_TICKS_HPP

#include <cstddef>  // std::byte, std::size_t
#include <cstdint>  // std::uint64_t
#include <cstring>  // std::memcpy
#include <string>   // std::string, the symbol

namespace example {

/// The broadcast's name when none is given.
inline constexpr const char* default_ticks_name = "Local\\namedshm-ticks";
/// The broadcast's ring: 64 KiB, about a thousand ticks.
inline constexpr std::size_t ticks_capacity = 64 * 1024;

/// One tick: its number, its price in hundredths, and a symbol of 3 to 40 letters.
struct Tick {
  std::uint64_t number = 0;
  std::uint64_t price = 0;
  std::string symbol;

  std::size_t size() const { return 2 * sizeof(std::uint64_t) + symbol.size(); }
  void write(std::byte* out) const {
    std::memcpy(out, &number, sizeof number);
    std::memcpy(out + sizeof number, &price, sizeof price);
    std::memcpy(out + 2 * sizeof number, symbol.data(), symbol.size());
  }
};

/// Tick `number`, the same in every process.
inline Tick tick_at(std::uint64_t number) {
  std::uint64_t x = number * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
  x ^= x >> 29U;
  Tick tick;
  tick.number = number;
  tick.price = 10000 + x % 90000;
  const std::size_t letters = 3 + static_cast<std::size_t>((x >> 20U) % 38);
  for (std::size_t i = 0; i < letters; ++i) tick.symbol += static_cast<char>('A' + (x >> (i % 48)) % 26);
  return tick;
}

/// True if `size` bytes at `data` are tick `number`, whole.
inline bool is_tick(const std::byte* data, std::size_t size, std::uint64_t number) {
  const Tick tick = tick_at(number);
  if (size != tick.size()) return false;
  std::byte expected[2 * sizeof(std::uint64_t) + 64];
  tick.write(expected);
  return std::memcmp(data, expected, size) == 0;
}

/// The number a tick carries in its first 8 bytes.
inline std::uint64_t number_of(const std::byte* data) {
  std::uint64_t number = 0;
  std::memcpy(&number, data, sizeof number);
  return number;
}

}  // namespace example

#endif  // NAMEDSHM_EXAMPLES_TICKS_HPP
