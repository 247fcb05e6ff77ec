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

// $XDG_CACHE_HOME/xpubench (an absolute XDG_CACHE_HOME only, as the XDG spec says), else
// $HOME/.cache/xpubench, else the password database's home; an error when no home is known
// (then nothing is cached: never a shared folder another user could plant files in: GEMM tiles, the
// record of the kernels built before timing).
result<std::filesystem::path> user_cache_dir();

// Creates dir (mode 0700 for what it creates) and checks that it is a real folder of this user,
// private to it; errors call it "the <what> folder".
result<void> private_folder(const std::filesystem::path& dir, std::string_view what);

}  // namespace xpu
