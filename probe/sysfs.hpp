#pragma once
// Small readers for one-value files in sysfs/procfs. They never throw: a file that is missing,
// unreadable or malformed gives an error naming the path and the cause.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace xpu {

// The file's first line without trailing white space.
result<std::string> sysfs_read_line(const std::filesystem::path& path);
std::optional<std::uint64_t> sysfs_read_u64(const std::filesystem::path& path);
result<std::uint64_t> sysfs_parse_u64(const std::filesystem::path& path);

}  // namespace xpu
