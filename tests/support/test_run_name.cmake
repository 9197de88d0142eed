# namedshm_test_run_name(<variable> <tag>): a region name for a test that a CMake script runs,
# new to each call and carrying the run id of scripts/test.sh's stage (NAMEDSHM_TEST_RUN, see
# support/test_run.hpp), as the names of the C++ tests do: nshm-test-<run>-<tag>-<8 hex digits>.
function(namedshm_test_run_name variable tag)
  string(RANDOM LENGTH 8 ALPHABET 0123456789abcdef unique)
  if(DEFINED ENV{NAMEDSHM_TEST_RUN})
    set(${variable} "nshm-test-$ENV{NAMEDSHM_TEST_RUN}-${tag}-${unique}" PARENT_SCOPE)
  else()
    set(${variable} "nshm-test-${tag}-${unique}" PARENT_SCOPE)
  endif()
endfunction()
