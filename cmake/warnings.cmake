# Project-wide compile options, applied through one interface target every layer links.
add_library(xpubench_options INTERFACE)
target_compile_options(xpubench_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
if(XPUBENCH_SANITIZE)
  target_compile_options(xpubench_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(xpubench_options INTERFACE -fsanitize=address,undefined)
endif()
if(XPUBENCH_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "XPUBENCH_FUZZ needs clang for libFuzzer: cmake --preset fuzz (clang-15 and libfuzzer-15-dev from Debian)")
  endif()
  # libstdc++ 12 gates <expected> on __cpp_concepts >= 202002L; clang 15 compiles it but announces
  # 201907L, so the macro is set to what the header asks for (clang 16 and later announce it).
  target_compile_options(xpubench_options INTERFACE -U__cpp_concepts -D__cpp_concepts=202002L -Wno-builtin-macro-redefined
                                                    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                                                    -fno-omit-frame-pointer)
  target_link_options(xpubench_options INTERFACE -fsanitize=address,undefined)
endif()
