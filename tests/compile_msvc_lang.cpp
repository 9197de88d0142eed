// Built by CTest ("compile check: __cplusplus as cl.exe reports it", as C++17 and C++20): cl.exe
// leaves __cplusplus at 199711L unless /Zc:__cplusplus is given, and reports the language
// level in _MSVC_LANG. namedshm must then take its level from _MSVC_LANG: neither refuse to
// compile ("needs C++17") nor silently drop its C++20 parts. This translation unit makes GCC
// and Clang look like that: the standard headers first (they need the true value), then
// __cplusplus as cl.exe shows it, then every namedshm header.
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
#if __cplusplus >= 202002L
#  include <ranges>
#  include <span>
#  define NAMEDSHM_TEST_LANGUAGE 202002L
#else
#  define NAMEDSHM_TEST_LANGUAGE 201703L
#endif

#ifndef _MSC_VER  // cl.exe and clang-cl already are what this file imitates
#  undef __cplusplus
#  define __cplusplus 199711L
#  define _MSVC_LANG NAMEDSHM_TEST_LANGUAGE
#endif

#include <namedshm/broadcast.hpp>
#include <namedshm/channel.hpp>
#include <namedshm/event.hpp>
#include <namedshm/mailbox.hpp>
#include <namedshm/mutex.hpp>
#include <namedshm/namedshm.hpp>
#include <namedshm/seqlock.hpp>

static_assert(NAMEDSHM_CPLUSPLUS == NAMEDSHM_TEST_LANGUAGE, "namedshm must read the language level from _MSVC_LANG");

#if NAMEDSHM_TEST_LANGUAGE >= 202002L
static_assert(NAMEDSHM_HAS_STD_SPAN == 1, "a C++20 build must keep the std::span conversions");
// A view converts to std::span, as the README promises for C++20.
[[maybe_unused]] static std::span<const int> as_std_span(namedshm::Span<const int> view) { return view; }
#endif

int main() { return 0; }
