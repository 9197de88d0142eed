# Runs two programs under callgrind with the same arguments and fails unless both execute the
# same number of instructions:
#   cmake -DVALGRIND=... -DFIRST=... -DSECOND=... -DCYCLES=N -DWORK_DIR=... -P compare_callgrind.cmake
# The region's name: new for each run, with the run id of scripts/test.sh's stage.
include("${CMAKE_CURRENT_LIST_DIR}/../support/test_run_name.cmake")
namedshm_test_run_name(NAME seam-cost)
function(instructions program out_file result)
  # Only the cycles (seam_cost.cpp): the loader's start-up depends on the path of the program,
  # and reading the arguments on where the stack puts them.
  execute_process(COMMAND "${VALGRIND}" --tool=callgrind "--toggle-collect=seam_cost_cycles*"
                          "--callgrind-out-file=${out_file}"
                          "${program}" "${CYCLES}"
                          "${NAME}"
                  RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${program} failed under callgrind (${status}):\n${output}\n${errors}")
  endif()
  file(STRINGS "${out_file}" totals REGEX "^(summary|totals):")
  list(GET totals 0 total)
  string(REGEX REPLACE "^[a-z]+: *" "" total "${total}")
  set(${result} "${total}" PARENT_SCOPE)
endfunction()

file(MAKE_DIRECTORY "${WORK_DIR}")
instructions("${FIRST}" "${WORK_DIR}/first.callgrind" first)
instructions("${SECOND}" "${WORK_DIR}/second.callgrind" second)
get_filename_component(first_name "${FIRST}" NAME)
get_filename_component(second_name "${SECOND}" NAME)
message(STATUS "instructions for ${CYCLES} create/open/close cycles: ${first_name} ${first}, ${second_name} ${second}")
if(NOT first STREQUAL second)
  message(FATAL_ERROR "the two builds execute different numbers of instructions")
endif()
message(STATUS "the same number of instructions")
