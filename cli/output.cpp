#include "cli/output.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace xpu {

result<void> write_file_atomic(const std::filesystem::path& path, std::string_view text) {
  const auto tmp = std::filesystem::path(path.string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      return fail(status::invalid, "cannot write '{}': {}; choose a writable path for --output", tmp.string(), std::strerror(errno));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) return fail(status::failed, "error writing '{}' (disk full?)", tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return fail(status::invalid, "cannot move '{}' to '{}': {}", tmp.string(), path.string(), ec.message());
  return {};
}

bool color_allowed(std::FILE* stream) {
  if (const char* no = std::getenv("NO_COLOR"); no && *no) return false;
  if (const char* term = std::getenv("TERM"); term && std::string_view(term) == "dumb") return false;
  return isatty(fileno(stream)) == 1;
}

}  // namespace xpu
