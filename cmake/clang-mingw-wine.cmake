# A second Windows compiler: clang++ targeting MinGW-w64 (--target=x86_64-w64-mingw32), linked
# by lld against Debian's MinGW-w64 runtime and libstdc++, and run under Wine like mingw-wine.
# It is the closest to clang-cl's front end that runs here: another compiler's view of the
# Win32 code, its warnings and its Windows headers.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(namedshm_triple x86_64-w64-mingw32)
set(CMAKE_C_COMPILER clang)
set(CMAKE_C_COMPILER_TARGET ${namedshm_triple})
set(CMAKE_CXX_COMPILER clang++)
set(CMAKE_CXX_COMPILER_TARGET ${namedshm_triple})
set(CMAKE_RC_COMPILER ${namedshm_triple}-windres)

set(CMAKE_FIND_ROOT_PATH /usr/${namedshm_triple})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# libstdc++ comes from Debian's MinGW-w64 GCC (posix threads), whose folder is named
# "12-posix": clang 14 does not take that for a GCC version and finds neither its headers nor
# its libraries, so both are given here. The GCC driver says where they are.
execute_process(COMMAND ${namedshm_triple}-g++-posix -print-libgcc-file-name
                OUTPUT_VARIABLE namedshm_libgcc OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE namedshm_found_gcc)
if(NOT namedshm_found_gcc EQUAL 0 OR NOT EXISTS "${namedshm_libgcc}")
  message(FATAL_ERROR "clang-mingw-wine needs ${namedshm_triple}-g++-posix (Debian: g++-mingw-w64-x86-64-posix)")
endif()
get_filename_component(namedshm_gcc_dir "${namedshm_libgcc}" DIRECTORY)
set(namedshm_libstdcxx "${namedshm_gcc_dir}/include/c++")
# MinGW's GCC also predefines __GXX_TYPEINFO_EQUALITY_INLINE as 0 (libstdc++.a then holds the
# one type_info::operator==); clang does not, and its inline copy clashes with that one at link.
set(CMAKE_CXX_FLAGS_INIT
    "-isystem ${namedshm_libstdcxx} -isystem ${namedshm_libstdcxx}/${namedshm_triple} -isystem ${namedshm_libstdcxx}/backward -D__GXX_TYPEINFO_EQUALITY_INLINE=0")
# A static runtime, as with GCC, so that Wine needs no DLLs next to the executables. libstdc++
# of the posix thread model needs winpthread, which clang does not add by itself (lld finds
# archive members whatever their place on the command line).
set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld -static -L${namedshm_gcc_dir} -lpthread")

include("${CMAKE_CURRENT_LIST_DIR}/wine-emulator.cmake")
