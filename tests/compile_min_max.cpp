// Built by CTest ("compile check min/max macros"): namedshm's headers must survive function-like
// min and max macros, which <windows.h> defines unless NOMINMAX (MSVC users get them; MinGW's
// libstdc++ hides them, so the Windows tests alone could not tell). The standard headers come
// first, as in a user's precompiled header; then the macros; then every namedshm header.
#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#if __cplusplus >= 202002L
#  include <ranges>
#  include <span>
#endif

#define min(a, b) (((a) < (b)) ? (a) : (b))
#define max(a, b) (((a) > (b)) ? (a) : (b))

#include <namedshm/channel.hpp>
#include <namedshm/event.hpp>
#include <namedshm/namedshm.hpp>
#include <namedshm/seqlock.hpp>

int main() { return 0; }
