// Built by CTest ("compile check min/max macros"): namedshm's headers must survive function-like
// min and max macros, which <windows.h> defines unless NOMINMAX (MSVC users get them; MinGW's
// libstdc++ hides them, so the Windows tests alone could not tell). The standard headers come
// first, as in a user's precompiled header; then the macros; then every namedshm header. The
// language level comes from namedshm's own macro: cl.exe reports 199711L in __cplusplus unless
// /Zc:__cplusplus, which would silently skip the C++20 headers.
#include <namedshm/detail/config.hpp>  // NAMEDSHM_CPLUSPLUS; includes only <cassert>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <ratio>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>  // broadcast.hpp, mailbox.hpp
#if NAMEDSHM_CPLUSPLUS >= 202002L
#  include <ranges>
#  include <span>
#endif

#define min(a, b) (((a) < (b)) ? (a) : (b))
#define max(a, b) (((a) > (b)) ? (a) : (b))

#include <namedshm/broadcast.hpp>
#include <namedshm/channel.hpp>
#include <namedshm/event.hpp>
#include <namedshm/mailbox.hpp>
#include <namedshm/mutex.hpp>
#include <namedshm/namedshm.hpp>
#include <namedshm/seqlock.hpp>

int main() { return 0; }
