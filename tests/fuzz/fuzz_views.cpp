// libFuzzer target for the view bounds arithmetic: check_view against a reference that does
// the same sums in 128 bits, where nothing can overflow. unsigned __int128 is a GCC/clang
// extension; this target builds with clang only (-fsanitize=fuzzer), so that is fine here.
//
// Input layout (shorter inputs are padded with zero bytes, longer ones ignored):
//   byte 0      flags: 1 = make region_size fit the view up to a small delta, 2 = align base
//               so that base + offset suits the alignment, 4 = base 0 (an empty region);
//               these steer the fuzzer to the edges that random 64-bit values almost never hit
//   byte 1      log2 of the alignment (taken mod 64)
//   byte 2      the delta for flag 1, as a signed byte
//   bytes 3..   base, region_size, offset, count, element_size: 8 bytes each, little-endian
#include <namedshm/detail/bounds.hpp>

#include <cstddef>       // std::size_t
#include <cstdint>       // std::uint8_t, std::uint64_t, std::uintptr_t, UINTPTR_MAX
#include <cstdio>        // std::fprintf, to say which invariant broke
#include <cstdlib>       // std::abort, which libFuzzer reports as a finding
#include <system_error>  // std::errc

namespace {

namespace detail = namedshm::detail;

// A broken invariant: print it, then abort so that libFuzzer saves the input as a crash.
#define FUZZ_REQUIRE(condition)                                                                    \
  do {                                                                                             \
    if (!(condition)) {                                                                            \
      (void)std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                                \
    }                                                                                              \
  } while (false)

static_assert(sizeof(std::size_t) == 8 && sizeof(std::uintptr_t) == 8, "the layout reads 64-bit values");

// __extension__ tells -Wpedantic that we know these are extensions.
__extension__ using wide_uint = unsigned __int128;
__extension__ using wide_int = __int128;

constexpr std::size_t header_bytes = 3;
constexpr std::size_t value_count = 5;
constexpr std::size_t input_bytes = header_bytes + 8 * value_count;

std::uint64_t read_u64(const std::uint8_t* bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 8; i-- > 0;) value = (value << 8U) | bytes[i];
  return value;
}

detail::ViewRequest decode(const std::uint8_t* data, std::size_t size) {
  std::uint8_t input[input_bytes] = {};
  for (std::size_t i = 0; i < size && i < input_bytes; ++i) input[i] = data[i];
  const unsigned flags = input[0];
  const auto delta = static_cast<std::int8_t>(input[2]);

  detail::ViewRequest view;
  view.base = read_u64(input + header_bytes);
  view.region_size = read_u64(input + header_bytes + 8);
  view.offset = read_u64(input + header_bytes + 16);
  view.count = read_u64(input + header_bytes + 24);
  const std::uint64_t element_size = read_u64(input + header_bytes + 32);
  view.element_size = element_size == 0 ? 1 : element_size;  // sizeof(T) is never 0
  view.alignment = std::size_t{1} << (input[1] % 64U);

  if ((flags & 1U) != 0) {
    // The region the view needs, plus or minus a few bytes: the exact-fit edge.
    const wide_uint needed = wide_uint{view.offset} + wide_uint{view.count} * view.element_size;
    const wide_uint size_wanted = needed + static_cast<wide_uint>(wide_int{delta});
    if (size_wanted <= UINT64_MAX) view.region_size = static_cast<std::size_t>(size_wanted);
  }
  // The region models a real mapping: [base, base + region_size) does not wrap around.
  const std::uintptr_t highest_base = UINTPTR_MAX - view.region_size;
  if (view.base > highest_base) view.base %= highest_base + 1;  // highest_base < UINTPTR_MAX here
  if ((flags & 2U) != 0) {
    // Moving base down keeps the region in range; 2^64 is a multiple of the alignment, so the
    // wrapped sum has the true sum's remainder.
    const std::uintptr_t misalignment = (view.base + view.offset) % view.alignment;
    if (view.base >= misalignment) view.base -= misalignment;
  }
  if ((flags & 4U) != 0) view.base = 0;
  return view;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const detail::ViewRequest view = decode(data, size);

  const bool empty = view.base == 0;
  const bool fits = wide_uint{view.offset} + wide_uint{view.count} * view.element_size <= view.region_size;
  const bool aligned = (wide_uint{view.base} + view.offset) % view.alignment == 0;

  const detail::ViewCheck check = detail::check_view(view);
  FUZZ_REQUIRE(check.ok() == (!empty && fits && aligned));
  FUZZ_REQUIRE(check.rule != nullptr);
  if (check.ok()) {
    FUZZ_REQUIRE(*check.rule == '\0');
  } else {
    // The reported rule is one that the request really breaks, and says so in words.
    FUZZ_REQUIRE(*check.rule != '\0');
    if (check.error == std::errc::bad_file_descriptor) {
      FUZZ_REQUIRE(empty);
    } else if (check.error == std::errc::result_out_of_range) {
      FUZZ_REQUIRE(!fits);
    } else {
      FUZZ_REQUIRE(check.error == std::errc::invalid_argument);
      FUZZ_REQUIRE(!aligned);
    }
  }
  return 0;
}
