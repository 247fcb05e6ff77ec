#include "cli/output.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

#include "core/files.hpp"

namespace xpu {
namespace {

namespace fs = std::filesystem;

std::optional<struct stat> stat_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return std::nullopt;
  return st;
}

// Where a write lands: an existing object is found by stat (which follows every symlink, the
// kernel's /proc/self/fd links too) and a regular file by its real path, so that its temporary
// goes beside it; a path that does not exist is followed link by link to the file to create (a
// dangling symlink names it).
struct target {
  fs::path path;
  std::optional<struct stat> st;
  bool regular() const { return !st || S_ISREG(st->st_mode); }
};

result<target> resolve(const std::string& path) {
  if (auto st = stat_of(path)) {
    if (!S_ISREG(st->st_mode)) return target{path, st};
    char* real = ::realpath(path.c_str(), nullptr);
    if (!real) return fail(status::invalid, "cannot write '{}': {}", path, std::strerror(errno));
    target t{real, st};
    std::free(real);
    return t;
  }
  fs::path p = path;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return target{p, std::nullopt};
    std::error_code ec;
    const fs::path next = fs::read_symlink(p, ec);
    if (ec) return fail(status::invalid, "cannot write '{}': cannot read the symlink '{}': {}", path, p.string(), ec.message());
    p = next.is_absolute() ? next : p.parent_path() / next;
  }
  return fail(status::invalid, "cannot write '{}': too many levels of symbolic links", path);
}

// Standard output or error when `st` is the very object they hold open (/dev/stdout, /dev/fd/2,
// /proc/self/fd/1): written through that descriptor, because reopening a pipe another user
// created is refused; -1 otherwise.
int open_standard_stream(const struct stat& st) {
  for (int fd : {STDOUT_FILENO, STDERR_FILENO}) {
    struct stat s {};
    if (::fstat(fd, &s) == 0 && s.st_dev == st.st_dev && s.st_ino == st.st_ino) return fd;
  }
  return -1;
}

// A stream or a device: written where it is (no temporary, no rename).
result<void> write_in_place(const fs::path& target, const struct stat& st, std::string_view text, const std::string& name) {
  if (const int fd = open_standard_stream(st); fd >= 0) {
    std::fflush(fd == STDOUT_FILENO ? stdout : stderr);
    return write_all(fd, text, name);
  }
  const int fd = ::open(target.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return fail(status::invalid, "cannot write '{}': {}", name, std::strerror(errno));
  auto ok = write_all(fd, text, name);
  if (::close(fd) != 0 && ok) return fail(status::failed, "error writing '{}': {}", name, std::strerror(errno));
  return ok;
}

}  // namespace

bool output_rewritable(const std::string& path) {
  if (path == "-") return false;
  auto t = resolve(path);
  return t && t->regular();
}

result<void> output_check(const std::string& path) {
  if (path == "-") return {};
  auto t = resolve(path);
  if (!t) return std::unexpected(t.error());
  if (t->st) {
    if (S_ISDIR(t->st->st_mode)) return fail(status::invalid, "cannot write '{}': it is a directory; name a file", path);
    if (open_standard_stream(*t->st) < 0 && ::access(t->path.c_str(), W_OK) != 0)
      return fail(status::invalid, "cannot write '{}': {}", path, std::strerror(errno));
    if (!t->regular()) return {};
  }
  return can_create_in(t->path, path);  // the folder must take a new file: that is how the output is replaced
}

result<void> write_output(const std::string& path, std::string_view text) {
  if (path == "-") {
    std::fflush(stdout);  // after what fmt::print buffered
    return write_all(STDOUT_FILENO, text, "standard output");
  }
  auto t = resolve(path);
  if (!t) return std::unexpected(t.error());
  if (t->st && S_ISDIR(t->st->st_mode)) return fail(status::invalid, "cannot write '{}': it is a directory; name a file", path);
  if (!t->regular()) return write_in_place(t->path, *t->st, text, path);
  return replace_file(t->path, text, path);
}

bool color_allowed(std::FILE* stream) {
  if (const char* no = std::getenv("NO_COLOR"); no && *no) return false;
  if (const char* term = std::getenv("TERM"); term && std::string_view(term) == "dumb") return false;
  return isatty(fileno(stream)) == 1;
}

}  // namespace xpu
