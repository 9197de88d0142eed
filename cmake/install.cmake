# Installs the headers, the exported target namedshm::namedshm, a CMake package
# (namedshmConfig.cmake + version file) and a pkg-config file namedshm.pc (in LIBDIR/pkgconfig).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(NAMEDSHM_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/namedshm"
    CACHE STRING "Where namedshmConfig.cmake goes, relative to the prefix (share/namedshm, as vcpkg wants)")

install(DIRECTORY include/namedshm DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" FILES_MATCHING PATTERN "*.hpp")
install(TARGETS namedshm EXPORT namedshmTargets)
install(EXPORT namedshmTargets NAMESPACE namedshm:: DESTINATION "${NAMEDSHM_INSTALL_CMAKEDIR}")

configure_package_config_file(cmake/namedshmConfig.cmake.in "${PROJECT_BINARY_DIR}/namedshmConfig.cmake"
  INSTALL_DESTINATION "${NAMEDSHM_INSTALL_CMAKEDIR}")
# A header-only library fits any architecture. A new major version may break the API, and so
# may a new minor version before 1.0 (0.2 changed the options structs, 0.3 the POSIX lifetime).
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(namedshm_compatibility SameMinorVersion)
else()
  set(namedshm_compatibility SameMajorVersion)
endif()
write_basic_package_version_file("${PROJECT_BINARY_DIR}/namedshmConfigVersion.cmake"
  COMPATIBILITY ${namedshm_compatibility} ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/namedshmConfig.cmake" "${PROJECT_BINARY_DIR}/namedshmConfigVersion.cmake"
  DESTINATION "${NAMEDSHM_INSTALL_CMAKEDIR}")

# pkg-config has no generator expressions: the libraries are those of the platform built for.
set(NAMEDSHM_PC_LIBS "")
if(WIN32)
  set(NAMEDSHM_PC_LIBS "-ladvapi32")
elseif(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  set(NAMEDSHM_PC_LIBS "-lrt")
endif()
# namedshm.pc goes where pkg-config looks for architecture-specific files, LIBDIR/pkgconfig: its
# Libs line is the platform's (vcpkg accepts share/pkgconfig only for a .pc without Libs).
# A relative LIBDIR keeps the file relocatable: prefix is ${pcfiledir} and one ../ per folder of
# LIBDIR/pkgconfig, counted after normalising (lib/pkgconfig: ../..; Debian's multiarch
# lib/x86_64-linux-gnu/pkgconfig: ../../..). An absolute LIBDIR puts the file in a place that
# does not move with the prefix, so prefix is then the configured CMAKE_INSTALL_PREFIX, written
# out (the file is not relocatable, like the absolute destination it lives in). An absolute
# INCLUDEDIR is written as it is; a relative one is ${prefix}/INCLUDEDIR.
set(NAMEDSHM_PC_INSTALLDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(NAMEDSHM_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  # Normalised as a path under the prefix (CMake 3.14 has no cmake_path).
  get_filename_component(namedshm_pc_dir "${NAMEDSHM_PC_INSTALLDIR}" ABSOLUTE BASE_DIR "${CMAKE_INSTALL_PREFIX}")
  file(RELATIVE_PATH namedshm_pc_dir "${CMAKE_INSTALL_PREFIX}" "${namedshm_pc_dir}")
  if(namedshm_pc_dir MATCHES "^\\.\\.(/|$)")
    message(FATAL_ERROR "CMAKE_INSTALL_LIBDIR (${CMAKE_INSTALL_LIBDIR}) leaves the install prefix")
  endif()
  string(REGEX REPLACE "[^/]+" ".." namedshm_pc_up "${namedshm_pc_dir}")
  string(REGEX REPLACE "/$" "" namedshm_pc_up "${namedshm_pc_up}")
  set(NAMEDSHM_PC_PREFIX "\${pcfiledir}/${namedshm_pc_up}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(NAMEDSHM_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(NAMEDSHM_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(cmake/namedshm.pc.in "${PROJECT_BINARY_DIR}/namedshm.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/namedshm.pc" DESTINATION "${NAMEDSHM_PC_INSTALLDIR}")
install(FILES LICENSE DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/namedshm")
