# Installs the headers, the exported target namedshm::namedshm, a CMake package
# (namedshmConfig.cmake + version file) and a pkg-config file namedshm.pc.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(NAMEDSHM_INSTALL_CMAKEDIR "${CMAKE_INSTALL_DATADIR}/namedshm"
    CACHE STRING "Where namedshmConfig.cmake goes, relative to the prefix (share/namedshm, as vcpkg wants)")

install(DIRECTORY include/namedshm DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" FILES_MATCHING PATTERN "*.hpp")
install(TARGETS namedshm EXPORT namedshmTargets)
install(EXPORT namedshmTargets NAMESPACE namedshm:: DESTINATION "${NAMEDSHM_INSTALL_CMAKEDIR}")

configure_package_config_file(cmake/namedshmConfig.cmake.in "${PROJECT_BINARY_DIR}/namedshmConfig.cmake"
  INSTALL_DESTINATION "${NAMEDSHM_INSTALL_CMAKEDIR}")
# A header-only library fits any architecture; a new major version may break the API.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/namedshmConfigVersion.cmake"
  COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/namedshmConfig.cmake" "${PROJECT_BINARY_DIR}/namedshmConfigVersion.cmake"
  DESTINATION "${NAMEDSHM_INSTALL_CMAKEDIR}")

# pkg-config has no generator expressions: the libraries are those of the platform built for.
set(NAMEDSHM_PC_LIBS "")
if(WIN32)
  set(NAMEDSHM_PC_LIBS "-ladvapi32")
elseif(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  set(NAMEDSHM_PC_LIBS "-lrt")
endif()
configure_file(cmake/namedshm.pc.in "${PROJECT_BINARY_DIR}/namedshm.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/namedshm.pc" DESTINATION "${CMAKE_INSTALL_DATADIR}/pkgconfig")
install(FILES LICENSE DESTINATION "${CMAKE_INSTALL_DATADIR}/doc/namedshm")
