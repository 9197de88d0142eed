# Cross-compiles for 64-bit Windows with MinGW-w64 (posix threads) and runs the results under
# Wine, so that CTest exercises the Win32 backend for real on a Linux machine.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)

set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# A static runtime, so that Wine needs no MinGW DLLs next to the executables.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")

# Debian ships Wine 8 as /usr/bin/wine (with /usr/lib/wine/wine64 behind it).
find_program(NAMEDSHM_WINE NAMES wine64 wine PATHS /usr/lib/wine REQUIRED)
# The prefix lives in the build folder: created on first use (about 6 s), never shared with
# the user's own. winedbg is disabled so that a crashing test fails instead of exiting 0.
# wine-run.sh starts a program a second time only if Wine failed to start it (see there).
set(CMAKE_CROSSCOMPILING_EMULATOR
    /usr/bin/env WINEDEBUG=-all WINEDLLOVERRIDES=winedbg.exe=d WINEPREFIX=${CMAKE_BINARY_DIR}/wineprefix
    /bin/bash ${CMAKE_CURRENT_LIST_DIR}/wine-run.sh ${NAMEDSHM_WINE})
