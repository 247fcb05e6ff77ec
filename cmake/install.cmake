# cmake --install: the binary, the built-in suites (compiled in; installed as examples to copy), the
# documentation and JSON schemas, a man page made from --help by help2man (when found), bash and zsh
# completions. CPack builds a .deb from the same tree (cpack -G DEB in the build folder;
# scripts/package.sh builds, installs and tries it), its library dependencies found by
# dpkg-shlibdeps; the ICD loaders and drivers, opened at run time, are recommendations.
install(TARGETS xpubench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
file(GLOB _xpubench_suites ${PROJECT_SOURCE_DIR}/suites/builtin/*.toml)
install(FILES ${_xpubench_suites} DESTINATION ${CMAKE_INSTALL_DATADIR}/xpubench/suites)
file(GLOB _xpubench_docs ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${_xpubench_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/schema DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/contrib/completion/xpubench.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME xpubench)
install(FILES ${PROJECT_SOURCE_DIR}/contrib/completion/_xpubench DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)

# The probe as a CMake package for other projects: find_package(xpubench) gives xpubench::probe
# (probe_machine: the machine's inventory as plain C++ structs; probe/machine.hpp), with
# xpubench::inventory, xpubench::core and xpubench::loaders beneath it. Static libraries, the headers
# of those layers under include/xpubench, and a config that finds their dependencies again.
foreach(_lib core inventory loaders probe)
  set_target_properties(xpubench_${_lib} PROPERTIES EXPORT_NAME ${_lib})
endforeach()
install(TARGETS xpubench_core xpubench_inventory xpubench_loaders xpubench_probe EXPORT xpubench-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
foreach(_dir core inventory probe loaders)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/${_dir} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/xpubench FILES_MATCHING PATTERN "*.hpp")
endforeach()
install(EXPORT xpubench-targets NAMESPACE xpubench:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/xpubench)
include(CMakePackageConfigHelpers)
if(TARGET CpuFeatures::cpu_features)
  set(XPUBENCH_PACKAGE_CPU_FEATURES ON)
else()
  set(XPUBENCH_PACKAGE_CPU_FEATURES OFF)
endif()
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/xpubench-config.cmake.in ${PROJECT_BINARY_DIR}/xpubench-config.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/xpubench)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/xpubench-config-version.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/xpubench-config.cmake ${PROJECT_BINARY_DIR}/xpubench-config-version.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/xpubench)

find_program(XPUBENCH_HELP2MAN help2man)
if(XPUBENCH_HELP2MAN AND NOT XPUBENCH_SANITIZE)
  set(_man ${PROJECT_BINARY_DIR}/xpubench.1)
  add_custom_command(OUTPUT ${_man}
    COMMAND ${XPUBENCH_HELP2MAN} --no-info --no-discard-stderr --version-string=${PROJECT_VERSION}
            "--name=${PROJECT_DESCRIPTION}" --output=${_man} $<TARGET_FILE:xpubench>
    DEPENDS xpubench COMMENT "Writing the man page from xpubench --help" VERBATIM)
  add_custom_target(xpubench_man ALL DEPENDS ${_man})
  install(FILES ${_man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found (or a sanitizer build): no man page")
endif()

set(CPACK_PACKAGE_NAME xpubench)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}: probe CPUs, GPUs and accelerators; verified GEMM, convolution, attention and bandwidth benchmarks")
set(CPACK_PACKAGE_CONTACT "xpubench developers <xpubench@invalid>")
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ocl-icd-libopencl1, libvulkan1, pocl-opencl-icd | opencl-icd, mesa-vulkan-drivers | vulkan-icd")
# The CMake package's consumers compile against hwloc's, fmt's and cpu_features' headers too.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libclblast1, libze1, libpq5, hwloc, clinfo, vulkan-tools, openmpi-bin, libhwloc-dev, libfmt-dev, libcpu-features-dev")
include(CPack)
