# Checks of an installed namedshm tree, include()d by run_consumer.cmake. Each function stops
# with every problem it found listed.
#
# namedshm_check_install_tree(<root> FORBIDDEN <absolute path>... [VCPKG_PORT <port folder>])
#   Any install: the headers in include/namedshm; the CMake package in share/namedshm; exactly
#   one namedshm.pc outside debug/, in a pkgconfig folder, and no .pc with a Libs line under
#   share/ (vcpkg calls that misplaced: Libs are the platform's); no empty folder; no installed
#   file that contains one of the FORBIDDEN paths (the build machine's source, build and
#   install folders: an installed tree must not depend on where it was made). That last check
#   reads every file whole, comments included, where vcpkg reads some file types and skips
#   their comments.
#   With VCPKG_PORT, also what vcpkg's post-build checks check (vcpkg-tool's
#   src/vcpkg/postbuildlint.cpp, and learn.microsoft.com/vcpkg/reference/policies) that can
#   apply to a header-only port: a .pc file only in lib/pkgconfig, or in share/pkgconfig if it
#   has no Libs/Libs.private value; share/<port>/copyright, the license; share/<port>/usage,
#   the port's usage file; no *.cmake under cmake/ or lib/cmake/; no regular file at the root;
#   and, for a header-only port, nothing at all under debug/.
#
# namedshm_check_pkg_config_cflags(<pc folder> <expected include folder>)
#   pkg-config, given only <pc folder>, resolves `--cflags namedshm` to exactly one -I that is
#   <expected include folder> (compared after resolving ../ and symbolic links).

function(namedshm_find_pkg_config out)
  find_program(NAMEDSHM_PKG_CONFIG NAMES pkgconf pkg-config)
  if(NOT NAMEDSHM_PKG_CONFIG)
    message(FATAL_ERROR "the package tests need pkg-config: install Debian's pkgconf package")
  endif()
  set(${out} "${NAMEDSHM_PKG_CONFIG}" PARENT_SCOPE)
endfunction()

function(namedshm_check_install_tree root)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "VCPKG_PORT" "FORBIDDEN")
  set(problems "")
  file(GLOB_RECURSE files LIST_DIRECTORIES false RELATIVE "${root}" "${root}/*")
  file(GLOB_RECURSE dirs LIST_DIRECTORIES true RELATIVE "${root}" "${root}/*")
  if(files)
    list(REMOVE_ITEM dirs ${files})
  endif()
  list(SORT files)

  foreach(file IN ITEMS include/namedshm/namedshm.hpp share/namedshm/namedshmConfig.cmake
                        share/namedshm/namedshmConfigVersion.cmake share/namedshm/namedshmTargets.cmake)
    if(NOT EXISTS "${root}/${file}")
      list(APPEND problems "${file} is missing")
    endif()
  endforeach()

  foreach(dir IN LISTS dirs)
    file(GLOB entries "${root}/${dir}/*")
    if(NOT entries)
      list(APPEND problems "${dir}/ is an empty folder")
    endif()
  endforeach()

  foreach(file IN LISTS files)
    file(READ "${root}/${file}" contents)
    foreach(path IN LISTS arg_FORBIDDEN)
      string(FIND "${contents}" "${path}" at)
      if(at GREATER_EQUAL 0)
        list(APPEND problems "${file} contains the build machine's path ${path}")
      endif()
    endforeach()
  endforeach()

  set(pc_files "${files}")
  list(FILTER pc_files INCLUDE REGEX "\\.pc$")
  set(release_pc_files "${pc_files}")
  list(FILTER release_pc_files EXCLUDE REGEX "^debug/")
  if(NOT release_pc_files MATCHES "^([^;]*/)?pkgconfig/namedshm\\.pc$")
    list(APPEND problems "not exactly one namedshm.pc, in a pkgconfig folder (.pc files: ${pc_files})")
  endif()
  foreach(pc IN LISTS pc_files)
    file(STRINGS "${root}/${pc}" libs REGEX "^Libs(\\.private)?:[ \t]*[^ \t]")
    cmake_path(GET pc PARENT_PATH pc_dir)
    if(libs AND pc MATCHES "^share/")
      list(APPEND problems "${pc} has a Libs line (${libs}) but is under share/: vcpkg calls it misplaced")
    elseif(arg_VCPKG_PORT AND NOT pc_dir MATCHES "^(debug/)?lib/pkgconfig$" AND
           NOT (pc_dir STREQUAL "share/pkgconfig" AND NOT libs))
      list(APPEND problems "${pc}: vcpkg accepts .pc files only in lib/pkgconfig, debug/lib/pkgconfig, "
                           "or share/pkgconfig without Libs")
    endif()
  endforeach()

  if(arg_VCPKG_PORT)
    cmake_path(GET arg_VCPKG_PORT FILENAME port)
    set(copyright "${root}/share/${port}/copyright")
    if(NOT EXISTS "${copyright}" OR IS_DIRECTORY "${copyright}")
      list(APPEND problems "share/${port}/copyright (the license) is missing")
    endif()
    if(EXISTS "${arg_VCPKG_PORT}/usage")
      file(READ "${arg_VCPKG_PORT}/usage" port_usage)
      set(installed_usage "")
      if(EXISTS "${root}/share/${port}/usage")
        file(READ "${root}/share/${port}/usage" installed_usage)
      endif()
      if(NOT installed_usage STREQUAL port_usage)
        list(APPEND problems "share/${port}/usage is not the port's usage file")
      endif()
    endif()
    foreach(file IN LISTS files)
      if(file MATCHES "^(lib/)?cmake/.*\\.cmake$")
        list(APPEND problems "${file}: vcpkg wants CMake files in share/<package>, not ${CMAKE_MATCH_1}cmake/")
      elseif(NOT file MATCHES "/")
        list(APPEND problems "${file}: vcpkg allows no regular file at the root of a package")
      endif()
    endforeach()
    if(EXISTS "${root}/debug")
      set(debug_files "${files}")
      list(FILTER debug_files INCLUDE REGEX "^debug/")
      list(LENGTH debug_files count)
      list(SUBLIST debug_files 0 3 some)
      list(JOIN some ", " some)
      list(APPEND problems "debug/ exists (${count} files: ${some}...): a header-only port installs nothing there")
    endif()
  endif()

  if(problems)
    list(JOIN problems "\n  " problems)
    message(FATAL_ERROR "install tree ${root}:\n  ${problems}")
  endif()
  list(LENGTH files count)
  message(STATUS "install tree ${root}: ${count} files, checks passed")
endfunction()

function(namedshm_check_pkg_config_cflags pc_dir expected_include)
  namedshm_find_pkg_config(pkg_config)
  # PKG_CONFIG_LIBDIR too, so that no system folder can supply another namedshm.pc.
  execute_process(COMMAND "${CMAKE_COMMAND}" -E env "PKG_CONFIG_PATH=${pc_dir}" "PKG_CONFIG_LIBDIR=${pc_dir}"
                          "${pkg_config}" --cflags namedshm
                  RESULT_VARIABLE result OUTPUT_VARIABLE cflags ERROR_VARIABLE cflags OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "pkg-config --cflags namedshm with ${pc_dir} failed (${result}): ${cflags}")
  endif()
  separate_arguments(flags UNIX_COMMAND "${cflags}")
  if(NOT flags MATCHES "^-I[^;]+$")
    message(FATAL_ERROR "pkg-config --cflags namedshm gave '${cflags}', not one -I flag")
  endif()
  string(REGEX REPLACE "^-I" "" include "${flags}")
  file(REAL_PATH "${include}" resolved)
  file(REAL_PATH "${expected_include}" expected)
  if(NOT resolved STREQUAL expected OR NOT EXISTS "${resolved}/namedshm/namedshm.hpp")
    message(FATAL_ERROR "pkg-config --cflags namedshm gave ${cflags}, which is ${resolved}, not ${expected}")
  endif()
  message(STATUS "pkg-config --cflags namedshm (${pc_dir}): ${cflags}")
endfunction()
