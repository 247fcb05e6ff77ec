#include "probe/sysfs.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

namespace xpu {

result<std::string> sysfs_read_line(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    const int err = errno;
    if (err == EACCES || err == EPERM)
      return fail(status::unsupported, "{}: permission denied", path.string());
    return fail(status::unsupported, "{}: {}", path.string(), err ? std::strerror(err) : "cannot open");
  }
  std::string line;
  std::getline(in, line);
  if (in.bad()) return fail(status::failed, "{}: read error", path.string());
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

result<std::uint64_t> sysfs_parse_u64(const std::filesystem::path& path) {
  auto line = sysfs_read_line(path);
  if (!line) return std::unexpected(line.error());
  std::uint64_t value = 0;
  const char* first = line->data();
  const char* last = first + line->size();
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc{} || ptr != last)
    return fail(status::failed, "{}: expected an unsigned integer, found '{}'", path.string(), *line);
  return value;
}

std::optional<std::uint64_t> sysfs_read_u64(const std::filesystem::path& path) {
  auto v = sysfs_parse_u64(path);
  return v ? std::optional(*v) : std::nullopt;
}

}  // namespace xpu
