# Project-wide compile options, applied through one interface target every layer links.
add_library(xpubench_options INTERFACE)
target_compile_options(xpubench_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
if(XPUBENCH_SANITIZE)
  target_compile_options(xpubench_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(xpubench_options INTERFACE -fsanitize=address,undefined)
endif()
