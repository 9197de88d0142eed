# The part of the Windows toolchain files (mingw-wine.cmake, clang-mingw-wine.cmake) that runs
# what they build: every test program starts under Wine through CMAKE_CROSSCOMPILING_EMULATOR.
# Debian ships Wine 8 as /usr/bin/wine (with /usr/lib/wine/wine64 behind it).
find_program(NAMEDSHM_WINE NAMES wine64 wine PATHS /usr/lib/wine REQUIRED)
# The prefix lives in the build folder: created on first use (about 6 s), never shared with
# the user's own. winedbg is disabled so that a crashing test fails instead of exiting 0.
# wine-run.sh starts a program a second time only if Wine failed to start it (see there).
set(CMAKE_CROSSCOMPILING_EMULATOR
    /usr/bin/env WINEDEBUG=-all WINEDLLOVERRIDES=winedbg.exe=d WINEPREFIX=${CMAKE_BINARY_DIR}/wineprefix
    /bin/bash ${CMAKE_CURRENT_LIST_DIR}/wine-run.sh ${NAMEDSHM_WINE})
