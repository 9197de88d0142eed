# Runs two programs under callgrind with the same arguments and fails unless both execute the
# same number of instructions in their own code (the program's object, where namedshm's inline
# code is): the shared libraries' count is shown too, but it also depends on where strings lie
# (glibc's vectorised strlen and memchr take more or fewer steps with the alignment of their
# argument, which the two builds' stack layouts place differently), which no seam changes.
#   cmake -DVALGRIND=... -DFIRST=... -DSECOND=... -DCYCLES=N -DWORK_DIR=... -P compare_callgrind.cmake
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
  # The instructions of each object, read from callgrind's own file rather than from
  # callgrind_annotate's table: the table names the object only on some lines (not on code
  # inlined from another file), so summing its lines misses some of the program's own.
  # A cost line after "calls=" is the callee's inclusive cost, not the caller's own: skipped.
  file(STRINGS "${out_file}" records)
  set(own 0)
  set(all 0)
  set(in_program FALSE)
  set(after_call FALSE)
  foreach(record IN LISTS records)
    # An object's name comes once, where it is first named (as a caller's "ob=" or as a
    # callee's "cob="), and later by its number alone.
    if(record MATCHES "^c?ob=\\(([0-9]+)\\) (.*)$")
      set(object_${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
    endif()
    if(record MATCHES "^ob=\\(([0-9]+)\\)")
      if(object_${CMAKE_MATCH_1} STREQUAL program)
        set(in_program TRUE)
      else()
        set(in_program FALSE)
      endif()
    elseif(record MATCHES "^calls=")
      set(after_call TRUE)
    elseif(record MATCHES "^[-+*0-9][0-9]* ([0-9]+)$")
      if(after_call)
        set(after_call FALSE)
      else()
        math(EXPR all "${all} + ${CMAKE_MATCH_1}")
        if(in_program)
          math(EXPR own "${own} + ${CMAKE_MATCH_1}")
        endif()
      endif()
    endif()
  endforeach()
  if(NOT all EQUAL total)
    message(FATAL_ERROR "reading ${out_file}: the functions' own counts add up to ${all}, not to its total ${total}")
  endif()
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
