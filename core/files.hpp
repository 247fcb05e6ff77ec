#pragma once
// Writing a regular file so that a crash leaves the old file or the new one, never half of one:
// the text goes to a mkstemp temporary in the same folder, is fsync'd and renamed over the path.
// No temporary survives an error.
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string_view>

#include "core/error.hpp"

namespace xpu {

// `name` is how errors call the file (the path the user gave). `mode`: the new file's permission
// bits (default: the old file's, else 0666 less the umask).
result<void> replace_file(const std::filesystem::path& path, std::string_view text, std::string_view name,
                          std::optional<mode_t> mode = std::nullopt);

// Whether a new file can be created beside `path` (the check before anything is measured).
result<void> can_create_in(const std::filesystem::path& path, std::string_view name);

// Writes all of text to fd (EINTR and short writes handled); the error names `name`.
result<void> write_all(int fd, std::string_view text, std::string_view name);

}  // namespace xpu
