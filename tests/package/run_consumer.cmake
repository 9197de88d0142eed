# Builds and runs tests/package/consumer one way (MODE), as CTest's `package:` tests do:
#   cmake -DMODE=find_package|add_subdirectory|fetchcontent|pkg_config|vcpkg_usage|
#                add_subdirectory_then_ctest -DSOURCE_DIR=... -DWORK_DIR=... [-DTOOLCHAIN=file]
#         [-DEMULATOR=a|b|c] [-DGENERATOR=Ninja] [-DCONSUMER_CMAKE=cmake] -P run_consumer.cmake
# CONSUMER_CMAKE is the CMake that configures, builds and installs (default: this one; the
# tests of older consumers pass Debian 11's).
# find_package installs namedshm from SOURCE_DIR into a fresh prefix (GNUInstallDirs' default
# layout), checks the tree (install_tree_checks.cmake), that the header, the installed package,
# the pkg-config file and both vcpkg.json files carry one version, and that pkg-config finds the
# headers; the consumer then uses find_package.
# pkg_config installs with Debian's multiarch LIBDIR, lib/x86_64-linux-gnu, checks the tree and
# pkg-config's --cflags, and builds the consumer through CMake's FindPkgConfig with only
# PKG_CONFIG_PATH pointing at the install. It also installs with an absolute LIBDIR and with an
# absolute INCLUDEDIR and checks that pkg-config finds the headers each time.
# vcpkg_usage runs the real ports/namedshm/portfile.cmake (run_portfile.cmake), checks its tree
# as vcpkg's post-build checks do, and builds a project whose CMake lines are those of
# ports/namedshm/usage against that tree.
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/install_tree_checks.cmake")
include("${CMAKE_CURRENT_LIST_DIR}/run_command.cmake")  # namedshm_run


function(read_version file regex out)
  file(STRINGS "${file}" lines REGEX "${regex}")
  if(NOT lines MATCHES "${regex}")
    message(FATAL_ERROR "no version matching '${regex}' in ${file}")
  endif()
  set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()

# install_namedshm(<name> <prefix> [cache arguments...]): configures WORK_DIR/<name>-build with
# the library only, and installs it into <prefix>.
function(install_namedshm name prefix)
  file(REMOVE_RECURSE "${prefix}")
  namedshm_run("${CONSUMER_CMAKE}" -S "${SOURCE_DIR}" -B "${WORK_DIR}/${name}-build" -G "${GENERATOR}" ${cross}
      -DNAMEDSHM_BUILD_TESTS=OFF -DNAMEDSHM_BUILD_EXAMPLES=OFF "-DCMAKE_INSTALL_PREFIX=${prefix}" ${ARGN})
  namedshm_run("${CONSUMER_CMAKE}" --install "${WORK_DIR}/${name}-build")
endfunction()

# build_and_run_consumer(<build folder> [cache arguments...]): configures, builds and runs the
# consumer project in consumer_dir.
function(build_and_run_consumer build_dir)
  namedshm_run("${CONSUMER_CMAKE}" -S "${consumer_dir}" -B "${build_dir}" -G "${GENERATOR}" ${cross} ${ARGN})
  namedshm_run("${CONSUMER_CMAKE}" --build "${build_dir}")
  file(GLOB program "${build_dir}/consumer" "${build_dir}/consumer.exe" "${build_dir}/main" "${build_dir}/main.exe")
  string(REPLACE "|" ";" emulator "${EMULATOR}")
  namedshm_run(${emulator} "${program}" "${consumer_region_name}")
  set(namedshm_run_output "${namedshm_run_output}" PARENT_SCOPE)
endfunction()

# The CMake a consumer runs: this one, or CONSUMER_CMAKE (an older one, for those tests).
if(NOT CONSUMER_CMAKE)
  set(CONSUMER_CMAKE "${CMAKE_COMMAND}")
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
set(cross "")
if(TOOLCHAIN)
  set(cross "-DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN}")
endif()
if(NOT GENERATOR)
  set(GENERATOR Ninja)
endif()

# The consumer's region: a name new to each run, with the run id of scripts/test.sh's stage.
include("${CMAKE_CURRENT_LIST_DIR}/../support/test_run_name.cmake")
namedshm_test_run_name(consumer_region_name consumer)

set(consumer_args "-DNAMEDSHM_CONSUME=${MODE}" "-DNAMEDSHM_SOURCE_DIR=${SOURCE_DIR}")
set(consumer_dir "${CMAKE_CURRENT_LIST_DIR}/consumer")
if(MODE STREQUAL "find_package")
  set(prefix "${WORK_DIR}/prefix")
  install_namedshm(namedshm "${prefix}")
  namedshm_check_install_tree("${prefix}" FORBIDDEN "${SOURCE_DIR}" "${WORK_DIR}/namedshm-build" "${prefix}")
  file(GLOB_RECURSE pc_file "${prefix}/*/pkgconfig/namedshm.pc")
  cmake_path(GET pc_file PARENT_PATH pc_dir)
  namedshm_check_pkg_config_cflags("${pc_dir}" "${prefix}/include")
  list(APPEND consumer_args "-DCMAKE_PREFIX_PATH=${prefix}")

  # One version everywhere: the header is the source, the rest must agree with it.
  file(STRINGS "${SOURCE_DIR}/include/namedshm/detail/config.hpp" parts REGEX "^#define NAMEDSHM_VERSION_(MAJOR|MINOR|PATCH) ")
  string(REGEX REPLACE "[^;]*_(MAJOR|MINOR|PATCH) ([0-9]+)" "\\2" parts "${parts}")
  string(REPLACE ";" "." header_version "${parts}")
  read_version("${prefix}/share/namedshm/namedshmConfigVersion.cmake" "set\\(PACKAGE_VERSION \"([0-9.]+)\"\\)" package_version)
  read_version("${pc_file}" "^Version: ([0-9.]+)" pc_version)
  read_version("${SOURCE_DIR}/ports/namedshm/vcpkg.json" "\"version\": \"([0-9.]+)\"" port_version)
  read_version("${SOURCE_DIR}/vcpkg.json" "\"version\": \"([0-9.]+)\"" manifest_version)
  foreach(version IN ITEMS package_version pc_version port_version manifest_version)
    if(NOT ${version} STREQUAL header_version)
      message(FATAL_ERROR "${version} is ${${version}}, but the header says ${header_version}")
    endif()
  endforeach()
  message(STATUS "versions agree: ${header_version}")
elseif(MODE STREQUAL "pkg_config")
  # A relative LIBDIR three folders deep: the .pc must reach the prefix with ../../../. Not on
  # a Windows host, whose pkg-config overrides prefix by default (--define-prefix) with the
  # folder two above the .pc, which assumes LIBDIR/pkgconfig is lib/pkgconfig.
  set(prefix "${WORK_DIR}/prefix")
  set(multiarch_libdir lib/x86_64-linux-gnu)
  if(CMAKE_HOST_WIN32)
    set(multiarch_libdir lib)
  endif()
  install_namedshm(namedshm "${prefix}" "-DCMAKE_INSTALL_LIBDIR=${multiarch_libdir}")
  namedshm_check_install_tree("${prefix}" FORBIDDEN "${SOURCE_DIR}" "${WORK_DIR}/namedshm-build" "${prefix}")
  if(NOT EXISTS "${prefix}/${multiarch_libdir}/pkgconfig/namedshm.pc")
    message(FATAL_ERROR "namedshm.pc is not in ${multiarch_libdir}/pkgconfig")
  endif()
  namedshm_check_pkg_config_cflags("${prefix}/${multiarch_libdir}/pkgconfig" "${prefix}/include")
  set(ENV{PKG_CONFIG_PATH} "${prefix}/${multiarch_libdir}/pkgconfig")

  # Absolute folders are not relocatable: the .pc names them, and the prefix, as configured.
  install_namedshm(absolute-libdir "${WORK_DIR}/prefix-absolute-libdir"
                   "-DCMAKE_INSTALL_LIBDIR=${WORK_DIR}/elsewhere/lib")
  namedshm_check_pkg_config_cflags("${WORK_DIR}/elsewhere/lib/pkgconfig" "${WORK_DIR}/prefix-absolute-libdir/include")
  # The exported CMake target must name an absolute include folder too. CMake refuses one in
  # the source or build tree (it would leak a build path into the package), so this one lies
  # in the temporary folder, under a name derived from WORK_DIR, and goes again at once.
  set(temporary "$ENV{TMPDIR}")
  if(CMAKE_HOST_WIN32)
    set(temporary "$ENV{TEMP}")
  elseif(NOT temporary)
    set(temporary /tmp)
  endif()
  string(SHA1 work_dir_hash "${WORK_DIR}")
  set(outside "${temporary}/namedshm-package-test-${work_dir_hash}")
  file(REMOVE_RECURSE "${outside}")
  install_namedshm(absolute-includedir "${WORK_DIR}/prefix-absolute-includedir"
                   "-DCMAKE_INSTALL_INCLUDEDIR=${outside}/include")
  namedshm_check_pkg_config_cflags("${WORK_DIR}/prefix-absolute-includedir/lib/pkgconfig" "${outside}/include")
  build_and_run_consumer("${WORK_DIR}/consumer-absolute-includedir-build" "-DNAMEDSHM_CONSUME=find_package"
                         "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix-absolute-includedir")
  file(REMOVE_RECURSE "${outside}")
elseif(MODE STREQUAL "vcpkg_usage")
  set(vcpkg_dir "${WORK_DIR}/vcpkg")
  namedshm_run("${CMAKE_COMMAND}" "-DSOURCE_DIR=${SOURCE_DIR}" "-DWORK_DIR=${vcpkg_dir}" "-DTOOLCHAIN=${TOOLCHAIN}"
      "-DGENERATOR=${GENERATOR}" -P "${CMAKE_CURRENT_LIST_DIR}/run_portfile.cmake")
  file(GLOB package_dir "${vcpkg_dir}/packages/namedshm_*")
  namedshm_check_install_tree("${package_dir}" VCPKG_PORT "${SOURCE_DIR}/ports/namedshm"
                              FORBIDDEN "${SOURCE_DIR}" "${vcpkg_dir}/packages" "${vcpkg_dir}/buildtrees"
                                        "${vcpkg_dir}/installed" "${vcpkg_dir}/downloads")
  namedshm_check_pkg_config_cflags("${package_dir}/lib/pkgconfig" "${package_dir}/include")
  list(APPEND consumer_args "-DCMAKE_PREFIX_PATH=${package_dir}")

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


if(MODE STREQUAL "find_package")
  # The exported target must find the headers where CMAKE_INSTALL_INCLUDEDIR put them.
  install_namedshm(includedir "${WORK_DIR}/prefix-includedir" "-DCMAKE_INSTALL_INCLUDEDIR=inc")
  build_and_run_consumer("${WORK_DIR}/consumer-includedir-build" "-DNAMEDSHM_CONSUME=${MODE}"
                         "-DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix-includedir")
endif()
build_and_run_consumer("${WORK_DIR}/consumer-build" ${consumer_args})
message(STATUS "${namedshm_run_output}")
