# vcpkg port for namedshm, a header-only library: configure with tests, examples and
# benchmarks off, install, and move the CMake package to where vcpkg expects it.
vcpkg_from_github(
    OUT_SOURCE_PATH SOURCE_PATH
    REPO namedshm/namedshm
    REF "v${VERSION}"
    SHA512 0
    HEAD_REF main
)

# Header-only: one configuration is enough, so nothing is installed into debug/.
set(VCPKG_BUILD_TYPE release)

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DNAMEDSHM_BUILD_TESTS=OFF
        -DNAMEDSHM_BUILD_EXAMPLES=OFF
        -DNAMEDSHM_BUILD_BENCHMARKS=OFF
        -DNAMEDSHM_INSTALL=ON
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(PACKAGE_NAME namedshm CONFIG_PATH share/namedshm)
vcpkg_fixup_pkgconfig()

# The project installs its license as share/doc/namedshm/LICENSE; vcpkg wants it as copyright.
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/share/doc")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
