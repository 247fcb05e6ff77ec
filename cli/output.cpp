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

result<void> write_all(int fd, std::string_view text, const std::string& name) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(status::failed, "error writing '{}': {}", name, std::strerror(errno));
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
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

// A temporary beside `target`, removed unless release()d.
class temporary {
 public:
  explicit temporary(const fs::path& target) {
    const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    std::string name = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
    std::vector<char> buf(name.begin(), name.end());
    buf.push_back('\0');
    m_fd = ::mkostemp(buf.data(), O_CLOEXEC);
    if (m_fd >= 0) m_path = buf.data();
    else m_errno = errno;
  }
  ~temporary() {
    if (m_fd >= 0) ::close(m_fd);
    if (!m_path.empty()) ::unlink(m_path.c_str());
  }
  temporary(const temporary&) = delete;
  temporary& operator=(const temporary&) = delete;
  int fd() const { return m_fd; }
  int error() const { return m_errno; }
  const std::string& path() const { return m_path; }
  // Closes the file; the error close() reports (a delayed write error) is returned.
  int close() {
    const int rc = ::close(m_fd);
    m_fd = -1;
    return rc == 0 ? 0 : errno;
  }
  void release() { m_path.clear(); }

 private:
  int m_fd = -1;
  int m_errno = 0;
  std::string m_path;
};

mode_t new_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

std::unexpected<error> no_temporary(const std::string& path, const fs::path& file, int err) {
  return fail(status::invalid, "cannot write '{}': cannot create a file in '{}': {}; choose a writable folder", path,
              file.parent_path().empty() ? "." : file.parent_path().string(), std::strerror(err));
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
    if (open_standard_stream(*t->st) < 0 && ::access(t->path.c_str(), W_OK) != 0) return fail(status::invalid, "cannot write '{}': {}", path, std::strerror(errno));
    if (!t->regular()) return {};
  }
  temporary probe(t->path);  // the folder must take a new file: that is how the output is replaced
  if (probe.fd() < 0) return no_temporary(path, t->path, probe.error());
  return {};
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

  temporary tmp(t->path);
  if (tmp.fd() < 0) return no_temporary(path, t->path, tmp.error());
  if (::fchmod(tmp.fd(), t->st ? (t->st->st_mode & 07777) : new_file_mode()) != 0)
    return fail(status::failed, "cannot set the mode of '{}': {}", tmp.path(), std::strerror(errno));
  if (auto ok = write_all(tmp.fd(), text, path); !ok) return ok;
  if (::fsync(tmp.fd()) != 0) return fail(status::failed, "error writing '{}' (fsync): {}", path, std::strerror(errno));
  if (const int e = tmp.close(); e != 0) return fail(status::failed, "error writing '{}': {}", path, std::strerror(e));
  if (::rename(tmp.path().c_str(), t->path.c_str()) != 0)
    return fail(status::failed, "cannot move the new '{}' into place: {}", path, std::strerror(errno));
  tmp.release();
  return {};
}

bool color_allowed(std::FILE* stream) {
  if (const char* no = std::getenv("NO_COLOR"); no && *no) return false;
  if (const char* term = std::getenv("TERM"); term && std::string_view(term) == "dumb") return false;
  return isatty(fileno(stream)) == 1;
}

}  // namespace xpu
