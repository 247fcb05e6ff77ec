# The version and git revision go into every report, so a number can be traced to its code.
execute_process(COMMAND git rev-parse --short=12 HEAD
                WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                OUTPUT_VARIABLE XPUBENCH_GIT_SHA OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT XPUBENCH_GIT_SHA)
  set(XPUBENCH_GIT_SHA "unknown")
endif()
configure_file(${PROJECT_SOURCE_DIR}/core/version.hpp.in ${PROJECT_BINARY_DIR}/generated/xpubench/version.hpp @ONLY)
