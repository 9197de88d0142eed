# Builds and runs tests/package/consumer one way (MODE), as CTest's `package:` tests do:
#   cmake -DMODE=find_package|add_subdirectory|fetchcontent|vcpkg_usage -DSOURCE_DIR=... -DWORK_DIR=...
#         [-DTOOLCHAIN=file] [-DEMULATOR=a|b|c] [-DGENERATOR=Ninja] -P run_consumer.cmake
# find_package first installs namedshm from SOURCE_DIR into a fresh prefix, and checks that the
# installed package, the pkg-config file and the vcpkg port all carry the header's version.
# vcpkg_usage installs the same way (the layout vcpkg_cmake_config_fixup leaves: the package in
# share/namedshm) and builds a project whose CMake lines are those of ports/namedshm/usage.
cmake_minimum_required(VERSION 3.25)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result}): ${ARGN}\n${output}")
  endif()
  set(run_output "${output}" PARENT_SCOPE)
endfunction()

function(read_version file regex out)
  file(STRINGS "${file}" lines REGEX "${regex}")
  if(NOT lines MATCHES "${regex}")
    message(FATAL_ERROR "no version matching '${regex}' in ${file}")
  endif()
  set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
set(cross "")
if(TOOLCHAIN)
  set(cross "-DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN}")
endif()
if(NOT GENERATOR)
  set(GENERATOR Ninja)
endif()

set(consumer_args "-DNAMEDSHM_CONSUME=${MODE}" "-DNAMEDSHM_SOURCE_DIR=${SOURCE_DIR}")
set(consumer_dir "${CMAKE_CURRENT_LIST_DIR}/consumer")
if(MODE STREQUAL "find_package" OR MODE STREQUAL "vcpkg_usage")
  set(prefix "${WORK_DIR}/prefix")
  run("${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${WORK_DIR}/namedshm-build" -G "${GENERATOR}" ${cross}
      -DBUILD_TESTING=OFF -DNAMEDSHM_BUILD_EXAMPLES=OFF "-DCMAKE_INSTALL_PREFIX=${prefix}")
  run("${CMAKE_COMMAND}" --install "${WORK_DIR}/namedshm-build")
  list(APPEND consumer_args "-DCMAKE_PREFIX_PATH=${prefix}")

  # One version everywhere: the header is the source, the rest must agree with it.
  file(STRINGS "${SOURCE_DIR}/include/namedshm/detail/config.hpp" parts REGEX "^#define NAMEDSHM_VERSION_(MAJOR|MINOR|PATCH) ")
  string(REGEX REPLACE "[^;]*_(MAJOR|MINOR|PATCH) ([0-9]+)" "\\2" parts "${parts}")
  string(REPLACE ";" "." header_version "${parts}")
  read_version("${prefix}/share/namedshm/namedshmConfigVersion.cmake" "set\\(PACKAGE_VERSION \"([0-9.]+)\"\\)" package_version)
  read_version("${prefix}/share/pkgconfig/namedshm.pc" "^Version: ([0-9.]+)" pc_version)
  read_version("${SOURCE_DIR}/ports/namedshm/vcpkg.json" "\"version\": \"([0-9.]+)\"" port_version)
  read_version("${SOURCE_DIR}/vcpkg.json" "\"version\": \"([0-9.]+)\"" manifest_version)
  foreach(version IN ITEMS package_version pc_version port_version manifest_version)
    if(NOT ${version} STREQUAL header_version)
      message(FATAL_ERROR "${version} is ${${version}}, but the header says ${header_version}")
    endif()
  endforeach()
  message(STATUS "versions agree: ${header_version}")
  foreach(file IN ITEMS namedshmConfig.cmake namedshmConfigVersion.cmake namedshmTargets.cmake)
    if(NOT EXISTS "${prefix}/share/namedshm/${file}")
      message(FATAL_ERROR "share/namedshm/${file} is missing from the install tree")
    endif()
  endforeach()
endif()
if(MODE STREQUAL "vcpkg_usage")
  # The usage text, as written: its indented lines are the CMake a user pastes.
  file(STRINGS "${SOURCE_DIR}/ports/namedshm/usage" usage REGEX "^  ")
  list(TRANSFORM usage STRIP)
  string(JOIN "\n" usage ${usage})
  set(consumer_dir "${WORK_DIR}/usage-project")
  file(MAKE_DIRECTORY "${consumer_dir}")
  configure_file("${CMAKE_CURRENT_LIST_DIR}/consumer/main.cpp" "${consumer_dir}/main.cpp" COPYONLY)
  file(WRITE "${consumer_dir}/CMakeLists.txt"
       "cmake_minimum_required(VERSION 3.25)\nproject(usage_check LANGUAGES CXX)\nadd_executable(main main.cpp)\n"
       "${usage}\ntarget_compile_definitions(main PRIVATE NAMEDSHM_CONSUME=\"vcpkg_usage\")\n")
endif()

run("${CMAKE_COMMAND}" -S "${consumer_dir}" -B "${WORK_DIR}/consumer-build" -G "${GENERATOR}"
    ${cross} ${consumer_args})
run("${CMAKE_COMMAND}" --build "${WORK_DIR}/consumer-build")
file(GLOB program "${WORK_DIR}/consumer-build/consumer" "${WORK_DIR}/consumer-build/consumer.exe"
     "${WORK_DIR}/consumer-build/main" "${WORK_DIR}/consumer-build/main.exe")
string(REPLACE "|" ";" emulator "${EMULATOR}")
run(${emulator} "${program}")
message(STATUS "${run_output}")
