# Runs the real ports/namedshm/portfile.cmake the way vcpkg does (cmake -P, the port's variables
# set, the portfile include()d), with small stand-ins for the vcpkg helpers it calls, and leaves
# the tree the port installs in WORK_DIR/packages/<port>_<triplet>, as vcpkg's packages folder:
#   cmake -DSOURCE_DIR=... -DWORK_DIR=... [-DTOOLCHAIN=file] [-DGENERATOR=Ninja] -P run_portfile.cmake
# Triplet: x64-mingw-static with TOOLCHAIN (this project's only cross toolchain is MinGW's),
# x64-linux (static, as vcpkg's) without. Written for a Linux host (as vcpkg's Linux and MinGW
# builds are); not tried on a Windows host. vcpkg's post-build checks are not here: the package
# tests run them on the tree afterwards (install_tree_checks.cmake).
#
# The stand-ins do what vcpkg's documentation and sources say the helpers do for this port's
# layout; each says what it does not do. Where the real helper would stop (a missing helper
# port, an argument it rejects), the stand-in stops too; where it only warns (unused options),
# the stand-in fails, as a port with warnings is rejected by vcpkg's curated registry.
cmake_minimum_required(VERSION 3.25)
include("${CMAKE_CURRENT_LIST_DIR}/run_command.cmake")  # namedshm_run

foreach(var IN ITEMS SOURCE_DIR WORK_DIR)
  if(NOT ${var})
    message(FATAL_ERROR "run_portfile.cmake needs -D${var}=...")
  endif()
endforeach()
if(NOT GENERATOR)
  set(GENERATOR Ninja)
endif()

# What vcpkg sets before it includes a portfile. PORT and VERSION come from the port's manifest.
set(port_dir "${SOURCE_DIR}/ports/namedshm")
file(READ "${port_dir}/vcpkg.json" port_manifest)
string(JSON PORT GET "${port_manifest}" name)
string(JSON VERSION GET "${port_manifest}" version)
set(port_dependencies "")
string(JSON dependency_count LENGTH "${port_manifest}" dependencies)
math(EXPR last "${dependency_count} - 1")
foreach(i RANGE ${last})
  string(JSON dependency_type TYPE "${port_manifest}" dependencies ${i})
  if(dependency_type STREQUAL "OBJECT")
    string(JSON dependency GET "${port_manifest}" dependencies ${i} name)
  else()
    string(JSON dependency GET "${port_manifest}" dependencies ${i})
  endif()
  list(APPEND port_dependencies "${dependency}")
endforeach()

set(VCPKG_LIBRARY_LINKAGE static)
set(VCPKG_CRT_LINKAGE dynamic)
set(VCPKG_TARGET_ARCHITECTURE x64)
if(TOOLCHAIN)
  set(TARGET_TRIPLET x64-mingw-static)
  set(VCPKG_CMAKE_SYSTEM_NAME MinGW)
  set(VCPKG_TARGET_IS_WINDOWS ON)
  set(VCPKG_TARGET_IS_MINGW ON)
else()
  set(TARGET_TRIPLET x64-linux)
  set(VCPKG_CMAKE_SYSTEM_NAME Linux)
  set(VCPKG_TARGET_IS_LINUX ON)
endif()
set(CURRENT_PACKAGES_DIR "${WORK_DIR}/packages/${PORT}_${TARGET_TRIPLET}")
set(CURRENT_BUILDTREES_DIR "${WORK_DIR}/buildtrees/${PORT}")
set(CURRENT_INSTALLED_DIR "${WORK_DIR}/installed/${TARGET_TRIPLET}")
set(DOWNLOADS "${WORK_DIR}/downloads")
file(REMOVE_RECURSE "${WORK_DIR}/packages" "${WORK_DIR}/buildtrees")
file(MAKE_DIRECTORY "${CURRENT_PACKAGES_DIR}" "${CURRENT_BUILDTREES_DIR}")

# A helper port's functions exist only if the port depends on that helper port.
function(z_require_helper_port helper caller)
  if(NOT helper IN_LIST port_dependencies)
    message(FATAL_ERROR "${caller}: a function of ${helper}, which the port's vcpkg.json does not depend on "
                        "(dependencies: ${port_dependencies})")
  endif()
endfunction()


# The configurations the port builds: vcpkg's rule, both unless VCPKG_BUILD_TYPE names one.
# Read when the helper is called, as vcpkg does, so the port may set it after vcpkg_from_github.
function(z_configurations out)
  set(configs "")
  if(NOT DEFINED VCPKG_BUILD_TYPE OR VCPKG_BUILD_TYPE STREQUAL "release")
    list(APPEND configs RELEASE)
  endif()
  if(NOT DEFINED VCPKG_BUILD_TYPE OR VCPKG_BUILD_TYPE STREQUAL "debug")
    list(APPEND configs DEBUG)
  endif()
  set(${out} "${configs}" PARENT_SCOPE)
endfunction()
set(z_suffix_RELEASE rel)
set(z_suffix_DEBUG dbg)
set(z_build_type_RELEASE Release)
set(z_build_type_DEBUG Debug)
set(z_prefix_RELEASE "${CURRENT_PACKAGES_DIR}")
set(z_prefix_DEBUG "${CURRENT_PACKAGES_DIR}/debug")

# vcpkg_from_github: sets OUT_SOURCE_PATH to this source tree. Does not download the tag's
# tarball and so cannot check its SHA512 (scripts/release.sh writes it; its test checks that);
# checks only that REF is the tag release.sh makes, v${VERSION}, and that SHA512 is 128 hex
# digits or vcpkg's placeholder 0 (which the real helper answers with the actual hash).
function(vcpkg_from_github)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "OUT_SOURCE_PATH;REPO;REF;SHA512;HEAD_REF" "PATCHES")
  if(DEFINED arg_UNPARSED_ARGUMENTS OR NOT arg_OUT_SOURCE_PATH OR NOT arg_REPO)
    message(FATAL_ERROR "vcpkg_from_github: bad arguments: ${ARGN}")
  endif()
  if(NOT arg_REF STREQUAL "v${VERSION}")
    message(FATAL_ERROR "vcpkg_from_github: REF is ${arg_REF}, not v${VERSION} (the tag scripts/release.sh archives)")
  endif()
  string(LENGTH "${arg_SHA512}" length)
  if(NOT arg_SHA512 STREQUAL "0" AND NOT (length EQUAL 128 AND arg_SHA512 MATCHES "^[0-9a-f]+$"))
    message(FATAL_ERROR "vcpkg_from_github: SHA512 ${arg_SHA512} is neither 128 hex digits nor 0")
  endif()
  if(arg_PATCHES)
    message(FATAL_ERROR "vcpkg_from_github: this stand-in applies no PATCHES")
  endif()
  set(${arg_OUT_SOURCE_PATH} "${SOURCE_DIR}" PARENT_SCOPE)
endfunction()

# vcpkg_cmake_configure: one real configure per configuration built (Release into
# CURRENT_PACKAGES_DIR, Debug into its debug/ folder), with the port's OPTIONS and those of
# vcpkg's own that shape an install tree: LIBDIR lib, BINDIR bin, absolute install destinations
# an error, no package registry, static linkage. Does not use vcpkg's toolchain (TOOLCHAIN, or
# the host compiler, instead), its parallel configure or its compiler flags. Like the real one,
# it finds the port's options that the project did not use; it fails on them.
function(vcpkg_cmake_configure)
  z_require_helper_port(vcpkg-cmake ${CMAKE_CURRENT_FUNCTION})
  cmake_parse_arguments(PARSE_ARGV 0 arg "DISABLE_PARALLEL_CONFIGURE;WINDOWS_USE_MSBUILD;NO_CHARSET_FLAG"
                        "SOURCE_PATH;GENERATOR;LOGFILE_BASE" "OPTIONS;OPTIONS_DEBUG;OPTIONS_RELEASE;MAYBE_UNUSED_VARIABLES")
  if(DEFINED arg_UNPARSED_ARGUMENTS OR NOT arg_SOURCE_PATH)
    message(FATAL_ERROR "vcpkg_cmake_configure: bad arguments: ${ARGN}")
  endif()
  set(cross "")
  if(TOOLCHAIN)
    set(cross "-DCMAKE_TOOLCHAIN_FILE=${TOOLCHAIN}")
  endif()
  z_configurations(configs)
  set(build_dirs "")
  foreach(config IN LISTS configs)
    set(build_dir "${CURRENT_BUILDTREES_DIR}/${TARGET_TRIPLET}-${z_suffix_${config}}")
    namedshm_run("${CMAKE_COMMAND}" -S "${arg_SOURCE_PATH}" -B "${build_dir}" -G "${GENERATOR}" ${cross}
          ${arg_OPTIONS} ${arg_OPTIONS_${config}}
          "-DCMAKE_BUILD_TYPE=${z_build_type_${config}}" "-DCMAKE_INSTALL_PREFIX=${z_prefix_${config}}"
          -DCMAKE_INSTALL_LIBDIR:STRING=lib -DCMAKE_INSTALL_BINDIR:STRING=bin
          -DCMAKE_ERROR_ON_ABSOLUTE_INSTALL_DESTINATION=ON -DCMAKE_EXPORT_NO_PACKAGE_REGISTRY=ON
          -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON -DBUILD_SHARED_LIBS=OFF)
    if(namedshm_run_output MATCHES "Manually-specified variables were not used by the project:\n\n((    [^\n]*\n)*)")
      string(STRIP "${CMAKE_MATCH_1}" unused)
      string(REGEX REPLACE "\n +" ";" unused "${unused}")
      foreach(variable IN LISTS unused)
        if(NOT variable IN_LIST arg_MAYBE_UNUSED_VARIABLES AND
           "${arg_OPTIONS};${arg_OPTIONS_${config}}" MATCHES "(^|;)-D${variable}[:=]")
          message(FATAL_ERROR "vcpkg_cmake_configure: the project does not use the port's option ${variable}")
        endif()
      endforeach()
    endif()
    list(APPEND build_dirs "${build_dir}")
  endforeach()
  set_property(GLOBAL PROPERTY z_vcpkg_build_dirs "${build_dirs}")
endfunction()

# vcpkg_cmake_install: builds the install target of each configured build folder. Does not add
# the real helper's DISABLE_PARALLEL or ADD_BIN_TO_PATH behaviours.
function(vcpkg_cmake_install)
  z_require_helper_port(vcpkg-cmake ${CMAKE_CURRENT_FUNCTION})
  get_property(build_dirs GLOBAL PROPERTY z_vcpkg_build_dirs)
  if(NOT build_dirs)
    message(FATAL_ERROR "vcpkg_cmake_install: vcpkg_cmake_configure was not called")
  endif()
  foreach(build_dir IN LISTS build_dirs)
    cmake_path(GET build_dir FILENAME suffix)
    set(build_type Release)
    if(suffix MATCHES "-dbg$")
      set(build_type Debug)
    endif()
    namedshm_run("${CMAKE_COMMAND}" --build "${build_dir}" --config ${build_type} --target install)
  endforeach()
endfunction()

# vcpkg_cmake_config_fixup: for a package already in share/<PACKAGE_NAME> (the only layout this
# stand-in handles: it moves no folders and rewrites no *-release/*-debug.cmake files, which an
# INTERFACE library does not have). Drops the debug copy of the package and an emptied
# debug/share; rewrites the package's *.cmake files as the real helper does: the
# _IMPORT_PREFIX and PACKAGE_PREFIX_DIR computations set to two levels up, then the absolute
# CURRENT_INSTALLED_DIR and CURRENT_PACKAGES_DIR replaced by ${_IMPORT_PREFIX}. (That hides a
# leaked build path in a .cmake file here; the find_package test finds it in a plain install.)
function(vcpkg_cmake_config_fixup)
  z_require_helper_port(vcpkg-cmake-config ${CMAKE_CURRENT_FUNCTION})
  cmake_parse_arguments(PARSE_ARGV 0 arg "DO_NOT_DELETE_PARENT_CONFIG_PATH;NO_PREFIX_CORRECTION"
                        "PACKAGE_NAME;CONFIG_PATH" "")
  if(DEFINED arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "vcpkg_cmake_config_fixup: bad arguments: ${ARGN}")
  endif()
  if(NOT arg_PACKAGE_NAME)
    set(arg_PACKAGE_NAME "${PORT}")
  endif()
  if(NOT arg_CONFIG_PATH)
    set(arg_CONFIG_PATH "share/${arg_PACKAGE_NAME}")
  endif()
  if(NOT arg_CONFIG_PATH STREQUAL "share/${arg_PACKAGE_NAME}")
    message(FATAL_ERROR "vcpkg_cmake_config_fixup: this stand-in does not move ${arg_CONFIG_PATH} to share/${arg_PACKAGE_NAME}")
  endif()
  set(release_share "${CURRENT_PACKAGES_DIR}/share/${arg_PACKAGE_NAME}")
  set(debug_share "${CURRENT_PACKAGES_DIR}/debug/share/${arg_PACKAGE_NAME}")
  if(NOT EXISTS "${release_share}")
    message(FATAL_ERROR "vcpkg_cmake_config_fixup: '${release_share}' does not exist")
  endif()
  z_configurations(configs)
  if("DEBUG" IN_LIST configs)
    file(GLOB debug_package "${debug_share}/*[Cc]onfig*.cmake" "${debug_share}/*[Tt]argets.cmake")
    if(debug_package)
      file(REMOVE ${debug_package})
    endif()
    foreach(dir IN ITEMS "${debug_share}" "${CURRENT_PACKAGES_DIR}/debug/share")
      file(GLOB_RECURSE left "${dir}/*")
      if(NOT left)
        file(REMOVE_RECURSE "${dir}")
      endif()
    endforeach()
  endif()
  file(GLOB_RECURSE package_files "${release_share}/*.cmake")
  foreach(file IN LISTS package_files)
    file(READ "${file}" contents)
    if(NOT arg_NO_PREFIX_CORRECTION)
      set(up [[get_filename_component(_IMPORT_PREFIX "${_IMPORT_PREFIX}" PATH)]])
      string(REGEX REPLACE [[get_filename_component\(_IMPORT_PREFIX "\${CMAKE_CURRENT_LIST_FILE}" PATH\)(
get_filename_component\(_IMPORT_PREFIX "\${_IMPORT_PREFIX}" PATH\))*]]
             "get_filename_component(_IMPORT_PREFIX \"\${CMAKE_CURRENT_LIST_FILE}\" PATH)\n${up}\n${up}"
             contents "${contents}")
      string(REGEX REPLACE [[get_filename_component\(PACKAGE_PREFIX_DIR "\${CMAKE_CURRENT_LIST_DIR}/\.\./(\.\./)*" ABSOLUTE\)]]
             [[get_filename_component(PACKAGE_PREFIX_DIR "${CMAKE_CURRENT_LIST_DIR}/../../" ABSOLUTE)]]
             contents "${contents}")
    endif()
    string(REPLACE "${CURRENT_INSTALLED_DIR}" [[${_IMPORT_PREFIX}]] contents "${contents}")
    string(REPLACE "${CURRENT_PACKAGES_DIR}" [[${_IMPORT_PREFIX}]] contents "${contents}")
    file(WRITE "${file}" "${contents}")
  endforeach()
endfunction()

# vcpkg_fixup_pkgconfig: for each configuration built, each *.pc file (debug/ ones for Debug,
# the others for Release) gets vcpkg's rewrite: absolute package and installed paths become
# ${prefix}, every prefix= line is dropped and prefix=${pcfiledir}/<relative path to the
# configuration's root> put first, -I/-L/-l paths starting with ${...} quoted; for a static
# triplet Libs, Requires and Cflags absorb their .private twins. Then, as the real helper does,
# pkg-config must find each package (--exists). Does not handle Windows drive-letter paths or
# the deprecated arguments.
function(vcpkg_fixup_pkgconfig)
  cmake_parse_arguments(PARSE_ARGV 0 arg "SKIP_CHECK" "" "RELEASE_FILES;DEBUG_FILES")
  if(DEFINED arg_UNPARSED_ARGUMENTS OR DEFINED arg_RELEASE_FILES OR DEFINED arg_DEBUG_FILES)
    message(FATAL_ERROR "vcpkg_fixup_pkgconfig: this stand-in takes only SKIP_CHECK: ${ARGN}")
  endif()
  file(GLOB_RECURSE pc_RELEASE "${CURRENT_PACKAGES_DIR}/*.pc")
  file(GLOB_RECURSE pc_DEBUG "${CURRENT_PACKAGES_DIR}/debug/*.pc")
  if(pc_DEBUG)
    list(REMOVE_ITEM pc_RELEASE ${pc_DEBUG})
  endif()
  find_program(PKGCONFIG NAMES pkgconf pkg-config)
  if(NOT PKGCONFIG AND NOT arg_SKIP_CHECK)
    message(FATAL_ERROR "vcpkg_fixup_pkgconfig: no pkg-config program (Debian package pkgconf)")
  endif()
  z_configurations(configs)
  foreach(config IN LISTS configs)
    foreach(file IN LISTS pc_${config})
      cmake_path(GET file PARENT_PATH pc_dir)
      set(root "${z_prefix_${config}}")
      cmake_path(RELATIVE_PATH root BASE_DIRECTORY "${pc_dir}")
      file(READ "${file}" contents)
      string(REPLACE "\r\n" "\n" contents "${contents}")
      if(NOT contents MATCHES "\n$")
        string(APPEND contents "\n")
      endif()
      string(REPLACE "${CURRENT_PACKAGES_DIR}" [[${prefix}]] contents "${contents}")
      string(REPLACE "${CURRENT_INSTALLED_DIR}" [[${prefix}]] contents "${contents}")
      string(REGEX REPLACE "(^|\n) *prefix[\t ]*=[^\n]*" "" contents "${contents}")
      if(config STREQUAL "DEBUG")
        string(REPLACE [[${prefix}/debug]] [[${prefix}]] contents "${contents}")
        string(REPLACE [[${prefix}/include]] [[${prefix}/../include]] contents "${contents}")
        string(REPLACE [[${prefix}/share]] [[${prefix}/../share]] contents "${contents}")
      endif()
      string(REGEX REPLACE " -([LIl])(\\\${[^}]*}[^ \n\t]*)" [[ -\1"\2"]] contents "${contents}")
      if(VCPKG_LIBRARY_LINKAGE STREQUAL "static")
        foreach(field IN ITEMS Libs Requires Cflags)
          set(values "")
          foreach(name IN ITEMS "${field}" "${field}\\.private")
            if(contents MATCHES "(^|\n)${name}: *([^\n]*)")
              string(APPEND values " ${CMAKE_MATCH_2}")
            endif()
          endforeach()
          string(REGEX REPLACE "(^|\n)${field}(\\.private)?:[^\n]*\n" "\\1" contents "${contents}")
          if(NOT values STREQUAL "")
            string(APPEND contents "${field}:${values}\n")
          endif()
        endforeach()
      endif()
      file(WRITE "${file}" "prefix=\${pcfiledir}/${root}\n${contents}")
    endforeach()
    if(NOT arg_SKIP_CHECK)
      set(debug_part "")
      if(config STREQUAL "DEBUG")
        set(debug_part "/debug")
      endif()
      cmake_path(CONVERT "${CURRENT_PACKAGES_DIR}${debug_part}/lib/pkgconfig;${CURRENT_PACKAGES_DIR}/share/pkgconfig"
                 TO_NATIVE_PATH_LIST search_path)
      set(ENV{PKG_CONFIG_PATH} "${search_path}")
      foreach(file IN LISTS pc_${config})
        cmake_path(GET file STEM package)
        namedshm_run("${PKGCONFIG}" --print-errors --exists "${package}")
      endforeach()
      unset(ENV{PKG_CONFIG_PATH})
    endif()
  endforeach()
endfunction()

# vcpkg_install_copyright: installs the one license file as share/<port>/copyright. Does not
# concatenate several files or add a COMMENT (the real helper does); it stops if asked to.
function(vcpkg_install_copyright)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "COMMENT" "FILE_LIST")
  list(LENGTH arg_FILE_LIST count)
  if(DEFINED arg_UNPARSED_ARGUMENTS OR NOT count EQUAL 1 OR DEFINED arg_COMMENT)
    message(FATAL_ERROR "vcpkg_install_copyright: this stand-in installs exactly one file, no COMMENT: ${ARGN}")
  endif()
  if(NOT EXISTS "${arg_FILE_LIST}")
    message(FATAL_ERROR "vcpkg_install_copyright: ${arg_FILE_LIST} does not exist")
  endif()
  file(INSTALL "${arg_FILE_LIST}" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}" RENAME copyright)
endfunction()

include("${port_dir}/portfile.cmake")
message(STATUS "port ${PORT} ${VERSION} (${TARGET_TRIPLET}) installed into ${CURRENT_PACKAGES_DIR}")
