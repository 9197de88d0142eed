# Under Wine (the mingw-wine preset) every test is a client of one wineserver per prefix. Left
# to itself that server exits 3 s after its last client, and a test that starts while it is
# exiting fails at once with "wine client error:0: recvmsg: Connection reset by peer" (seen
# here; both CTest slots can run builds for longer than 3 s). So a CTest fixture starts one
# persistent server before the tests that need it and stops it after them.
#
# The fixture also runs one Wine program itself, so that Wine's system processes (services,
# winedevice, plugplay, ...) start now: they inherit the standard streams of the program that
# starts them and live as long as the server, and CTest would wait for the output of whichever
# test started them until its timeout. Here they, and the server, write to wineserver.log in
# the build folder (emptied at each start), which is also where Wine reports a crash of its
# own; scripts/test.sh shows it then.
#
# Sets namedshm_wine_test_properties: properties to add to every test that runs under Wine
# (empty when this build does not use Wine).
set(namedshm_wine_test_properties "")
if(CMAKE_CROSSCOMPILING AND NAMEDSHM_WINE)
  get_filename_component(namedshm_wine_dir "${NAMEDSHM_WINE}" DIRECTORY)
  find_program(NAMEDSHM_WINESERVER NAMES wineserver64 wineserver HINTS "${namedshm_wine_dir}" PATHS /usr/lib/wine
               REQUIRED)
  set(namedshm_wineserver_environment WINEDEBUG=-all WINEDLLOVERRIDES=winedbg.exe=d
                                      "WINEPREFIX=${CMAKE_BINARY_DIR}/wineprefix")
  # -k first: a server left from an earlier run would still exit when idle. The server needs
  # the prefix folder; the first Wine program fills it.
  add_test(NAME "wine: start one wineserver for the run"
           COMMAND /bin/sh -c ": >\"$1\"; \"$0\" -k 2>/dev/null; mkdir -p \"$WINEPREFIX\" &&
                               \"$0\" -p </dev/null >/dev/null 2>>\"$1\" &&
                               \"$2\" cmd /c exit </dev/null >>\"$1\" 2>&1"
                   "${NAMEDSHM_WINESERVER}" "${CMAKE_BINARY_DIR}/wineserver.log" "${NAMEDSHM_WINE}")
  # The last test: no test program may outlive its test (see wine-stop.sh); then stops the server.
  add_test(NAME "wine: stop the wineserver" COMMAND /bin/bash "${CMAKE_CURRENT_LIST_DIR}/wine-stop.sh"
                                                    "${NAMEDSHM_WINESERVER}")
  # Its first run in a fresh build folder also creates the Wine prefix (6-30 s here).
  set_tests_properties("wine: start one wineserver for the run" PROPERTIES
    FIXTURES_SETUP namedshm_wineserver ENVIRONMENT "${namedshm_wineserver_environment}" TIMEOUT 300)
  set_tests_properties("wine: stop the wineserver" PROPERTIES
    FIXTURES_CLEANUP namedshm_wineserver ENVIRONMENT "${namedshm_wineserver_environment}" TIMEOUT 60)
  set(namedshm_wine_test_properties FIXTURES_REQUIRED namedshm_wineserver)
endif()
