# The version and git revision go into every report, so a number can be traced to its code. The
# revision is read at every build, not only when CMake configures (a commit since then would be
# misreported in every run file), into one generated source that is rewritten only when it changes.
set(XPUBENCH_VERSION_CPP ${PROJECT_BINARY_DIR}/generated/xpubench/version.cpp)
add_custom_target(xpubench_version
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DOUTPUT=${XPUBENCH_VERSION_CPP} -P ${PROJECT_SOURCE_DIR}/cmake/write_version.cmake
  BYPRODUCTS ${XPUBENCH_VERSION_CPP}
  VERBATIM)
set(XPUBENCH_ONNX_VERSION "")
if(XPUBENCH_WITH_ONNX)
  set(XPUBENCH_ONNX_VERSION "${ONNX_VERSION}")
  if(NOT XPUBENCH_ONNX_VERSION)
    set(XPUBENCH_ONNX_VERSION "(version unknown)")
  endif()
endif()
configure_file(${PROJECT_SOURCE_DIR}/core/version.hpp.in ${PROJECT_BINARY_DIR}/generated/xpubench/version.hpp @ONLY)
