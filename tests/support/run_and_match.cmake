# A test that must both exit with 0 and print a line matching PATTERN: CTest's
# PASS_REGULAR_EXPRESSION alone passes a program that printed the line and then failed or crashed,
# since it ignores the exit code; the exit code alone passes a program that never got to the end
# of its checks but exited 0. The program's output is passed through.
#   cmake -DPATTERN=<regex> -P run_and_match.cmake -- [emulator...] program [args...]
# (the emulator: CMAKE_CROSSCOMPILING_EMULATOR, which CTest adds only to a COMMAND that names a
# target, not to this one).
cmake_minimum_required(VERSION 3.25)
set(command "")
set(after_separator FALSE)
math(EXPR last "${CMAKE_ARGC} - 1")
foreach(index RANGE ${last})
  if(after_separator)
    string(REPLACE ";" "\\;" argument "${CMAKE_ARGV${index}}")  # one argument, not a list
    list(APPEND command "${argument}")
  elseif(CMAKE_ARGV${index} STREQUAL "--")
    set(after_separator TRUE)
  endif()
endforeach()
if(NOT command OR NOT DEFINED PATTERN)
  message(FATAL_ERROR "usage: cmake -DPATTERN=<regex> -P run_and_match.cmake -- program [args...]")
endif()
execute_process(COMMAND ${command} RESULT_VARIABLE status OUTPUT_VARIABLE output ECHO_OUTPUT_VARIABLE)
if(NOT status STREQUAL "0")
  message(FATAL_ERROR "run_and_match: the program exited with ${status}")
endif()
if(NOT output MATCHES "${PATTERN}")
  message(FATAL_ERROR "run_and_match: exit code 0, but the output has no match for: ${PATTERN}")
endif()
