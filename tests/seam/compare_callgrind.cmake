# Runs two programs under callgrind with the same arguments and fails unless both execute the
# same number of instructions in their own code (the program's object, where namedshm's inline
# code is): the shared libraries' count is shown too, but it also depends on where strings lie
# (glibc's vectorised strlen and memchr take more or fewer steps with the alignment of their
# argument, which the two builds' stack layouts place differently), which no seam changes.
#   cmake -DVALGRIND=... -DANNOTATE=... -DFIRST=... -DSECOND=... -DCYCLES=N -DWORK_DIR=... -P compare_callgrind.cmake
# The names: new for each run, with the run id of scripts/test.sh's stage.
include("${CMAKE_CURRENT_LIST_DIR}/../support/test_run_name.cmake")
namedshm_test_run_name(NAME seam-cost)
function(instructions program out_file own_result total_result)
  # Only main and what it calls: the loader's start-up depends on the path of the program.
  execute_process(COMMAND "${VALGRIND}" --tool=callgrind --toggle-collect=main "--callgrind-out-file=${out_file}"
                          "${program}" "${CYCLES}" "${NAME}"
                  RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${program} failed under callgrind (${status}):\n${output}\n${errors}")
  endif()
  file(STRINGS "${out_file}" totals REGEX "^(summary|totals):")
  list(GET totals 0 total)
  string(REGEX REPLACE "^[a-z]+: *" "" total "${total}")
  # Every function's own count, with the object it belongs to: "1,234 (...)  file:function [object]".
  execute_process(COMMAND "${ANNOTATE}" --threshold=100 "${out_file}" RESULT_VARIABLE status
                  OUTPUT_VARIABLE annotated ERROR_VARIABLE errors)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "callgrind_annotate failed (${status}): ${errors}")
  endif()
  string(REPLACE ";" "," annotated "${annotated}")
  string(REPLACE "\n" ";" lines "${annotated}")
  set(own 0)
  foreach(line IN LISTS lines)
    if(line MATCHES "^ *([0-9,]+) \\(.*\\[${program}\\]$")
      string(REPLACE "," "" count "${CMAKE_MATCH_1}")
      math(EXPR own "${own} + ${count}")
    endif()
  endforeach()
  set(${own_result} "${own}" PARENT_SCOPE)
  set(${total_result} "${total}" PARENT_SCOPE)
endfunction()

file(MAKE_DIRECTORY "${WORK_DIR}")
instructions("${FIRST}" "${WORK_DIR}/first.callgrind" first first_total)
instructions("${SECOND}" "${WORK_DIR}/second.callgrind" second second_total)
get_filename_component(first_name "${FIRST}" NAME)
get_filename_component(second_name "${SECOND}" NAME)
message(STATUS "instructions for ${CYCLES} cycles in the program's own code: ${first_name} ${first}, "
               "${second_name} ${second} (with the shared libraries: ${first_total}, ${second_total})")
if(first EQUAL 0 OR NOT first EQUAL second)
  message(FATAL_ERROR "the two builds execute different numbers of instructions")
endif()
message(STATUS "the same number of instructions")
