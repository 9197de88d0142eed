# namedshm_run(<command> [args...]): runs a command for the package tests' scripts, stopping
# with its output when it fails; its output (standard output and error) is left in
# namedshm_run_output.
function(namedshm_run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGN}\n${output}")
  endif()
  set(namedshm_run_output "${output}" PARENT_SCOPE)
endfunction()
