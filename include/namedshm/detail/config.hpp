// namedshm: version, language level and the one platform switch.
// SPDX-License-Identifier: MIT
#ifndef NAMEDSHM_DETAIL_CONFIG_HPP
#define NAMEDSHM_DETAIL_CONFIG_HPP

#include <cassert>  // assert, for programming errors that cannot be input problems

// The single source of the version: CMake, pkg-config and the vcpkg port read it from here.
#define NAMEDSHM_VERSION_MAJOR 0
#define NAMEDSHM_VERSION_MINOR 3
#define NAMEDSHM_VERSION_PATCH 0
#define NAMEDSHM_VERSION (NAMEDSHM_VERSION_MAJOR * 10000 + NAMEDSHM_VERSION_MINOR * 100 + NAMEDSHM_VERSION_PATCH)

// MSVC reports 199711L in __cplusplus unless /Zc:__cplusplus is given; _MSVC_LANG is always right.
#if defined(_MSVC_LANG) && _MSVC_LANG > __cplusplus
#  define NAMEDSHM_CPLUSPLUS _MSVC_LANG
#else
#  define NAMEDSHM_CPLUSPLUS __cplusplus
#endif

#if NAMEDSHM_CPLUSPLUS < 201703L
#  error "namedshm needs C++17 or later"
#endif

#if NAMEDSHM_CPLUSPLUS >= 202002L && defined(__has_include)
#  if __has_include(<span>)
#    define NAMEDSHM_HAS_STD_SPAN 1
#  endif
#endif
#ifndef NAMEDSHM_HAS_STD_SPAN
#  define NAMEDSHM_HAS_STD_SPAN 0
#endif

#if defined(_WIN32)
#  define NAMEDSHM_WINDOWS 1
#else
#  define NAMEDSHM_WINDOWS 0
#endif

// Whether this build has exceptions: 0 with -fno-exceptions (GCC, Clang), without /EHsc
// (MSVC: _CPPUNWIND), or with the Microsoft STL's _HAS_EXCEPTIONS=0 (<cassert> above brings in
// its configuration). Define it as 0 to get an exceptions-off build's behaviour in any build:
// see NAMEDSHM_THROW_HANDLER in error.hpp.
#ifndef NAMEDSHM_EXCEPTIONS
#  if (defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)) && \
      !(defined(_HAS_EXCEPTIONS) && _HAS_EXCEPTIONS == 0)
#    define NAMEDSHM_EXCEPTIONS 1
#  else
#    define NAMEDSHM_EXCEPTIONS 0
#  endif
#endif

/// Checks a precondition whose violation is a bug in the caller, not bad input.
#ifndef NAMEDSHM_ASSERT
#  define NAMEDSHM_ASSERT(condition, message) assert((condition) && (message))
#endif

#endif  // NAMEDSHM_DETAIL_CONFIG_HPP
