#pragma once
// Where a command's output goes: a file written atomically (so a crash never leaves half a
// file), or standard output; and whether colour is allowed.
#include <cstdio>
#include <filesystem>
#include <string_view>

#include "core/error.hpp"

namespace xpu {

result<void> write_file_atomic(const std::filesystem::path& path, std::string_view text);
// Colour only on a terminal, never with NO_COLOR set (https://no-color.org), never for TERM=dumb.
bool color_allowed(std::FILE* stream);

}  // namespace xpu
