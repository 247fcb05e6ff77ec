#include "cli/output.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <ctime>
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

// Where a write lands: an existing object is found by stat (which follows every symlink, the
// kernel's /proc/self/fd links too) and a regular file by its real path, so that its temporary
// goes beside it; a path that does not exist is followed link by link to the file to create (a
// dangling symlink names it).
struct target {
  fs::path path;
  std::optional<struct stat> st;
  int stream_fd = -1;  // the path is this process's stdout or stderr (even a regular file: `>> log`)
  bool regular() const { return stream_fd < 0 && (!st || S_ISREG(st->st_mode)); }
};

result<target> resolve(const std::string& path) {
  if (auto st = stat_of(path)) {
    if (const int fd = open_standard_stream(*st); fd >= 0) return target{path, st, fd};
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

// A stream or a device: written where it is (no temporary, no rename).
result<void> write_in_place(const target& t, std::string_view text, const std::string& name) {
  if (t.stream_fd >= 0) {
    std::fflush(t.stream_fd == STDOUT_FILENO ? stdout : stderr);
    return write_all(t.stream_fd, text, name);
  }
  // Non-blocking open: a FIFO nobody reads is an error now, not a hang after the run.
  const int fd = ::open(t.path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0 && errno == ENXIO) return fail(status::invalid, "cannot write '{}': no process is reading this FIFO", name);
  if (fd < 0) return fail(status::invalid, "cannot write '{}': {}", name, std::strerror(errno));
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  auto ok = write_all(fd, text, name);
  if (::close(fd) != 0 && ok) return fail(status::failed, "error writing '{}': {}", name, std::strerror(errno));
  return ok;
}

}  // namespace

bool output_is_stdout(const std::string& path) {
  if (path == "-") return true;
  auto t = resolve(path);
  if (!t || t->stream_fd != STDOUT_FILENO) return false;
  const auto null = stat_of("/dev/null");  // stdout discarded: nothing to keep apart
  return !(null && null->st_rdev == t->st->st_rdev && S_ISCHR(t->st->st_mode));
}

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
    if (t->stream_fd < 0 && ::access(t->path.c_str(), W_OK) != 0)
      return fail(status::invalid, "cannot write '{}': {}", path, std::strerror(errno));
    if (!t->regular()) return {};
  }
  return can_create_in(t->path, path);  // the folder must take a new file: that is how the output is replaced
}

result<void> outputs_apart(const std::vector<std::pair<std::string, std::string>>& outputs,
                           const std::vector<std::pair<std::string, std::string>>& inputs) {
  // What a path names: an existing regular file by device and inode, a file to be made by its
  // absolute, normalised path; nullopt for streams ('-', devices, FIFOs), which are never replaced.
  struct identity {
    bool exists = false;
    dev_t dev = 0;
    ino_t ino = 0;
    std::string path;
    bool operator==(const identity& o) const { return exists == o.exists && (exists ? dev == o.dev && ino == o.ino : path == o.path); }
  };
  // An input that does not exist cannot be replaced (and may be a name: `--suite quick`).
  auto identify = [](const std::string& p, bool input) -> std::optional<identity> {
    if (p.empty() || p == "-") return std::nullopt;
    struct stat st{};
    if (::stat(p.c_str(), &st) == 0) {
      if (!S_ISREG(st.st_mode)) return std::nullopt;
      return identity{true, st.st_dev, st.st_ino, ""};
    }
    if (input) return std::nullopt;
    std::error_code ec;
    return identity{false, 0, 0, std::filesystem::weakly_canonical(std::filesystem::absolute(p, ec), ec).string()};
  };
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const auto out = identify(outputs[i].second, false);
    if (!out) continue;
    for (const auto& [option, path] : inputs)
      if (const auto in = identify(path, true); in && *in == *out)
        return fail(status::invalid, "{} '{}' would replace the input {} '{}': write the output to another file", outputs[i].first, outputs[i].second,
                    option, path);
    for (std::size_t j = 0; j < i; ++j)
      if (const auto other = identify(outputs[j].second, false); other && *other == *out)
        return fail(status::invalid, "{} and {} name the same file '{}': each output needs its own", outputs[j].first, outputs[i].first,
                    outputs[i].second);
  }
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
  if (!t->regular()) return write_in_place(*t, text, path);
  return replace_file(t->path, text, path);
}

bool color_allowed(std::FILE* stream) {
  if (const char* no = std::getenv("NO_COLOR"); no && *no) return false;
  if (const char* term = std::getenv("TERM"); term && std::string_view(term) == "dumb") return false;
  return isatty(fileno(stream)) == 1;
}

}  // namespace xpu

namespace xpu {

bool progress_line_allowed(std::FILE* stream) {
  if (const char* term = std::getenv("TERM"); term && std::string_view(term) == "dumb") return false;
  return isatty(fileno(stream)) == 1;
}

std::size_t terminal_columns(std::FILE* stream) {
  struct winsize ws {};
  if (::ioctl(fileno(stream), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    char* end = nullptr;
    const unsigned long v = std::strtoul(columns, &end, 10);
    if (end != columns && *end == '\0' && v >= 20 && v <= 10000) return v;
  }
  return 0;
}

std::filesystem::path results_base() {
  const char* base_env = std::getenv("XPUBENCH_RESULTS");
  return base_env && *base_env ? fs::path(base_env) : fs::path("xpubench-results");
}

result<std::string> results_folder(const std::string& hostname, std::time_t when) {
  const fs::path base = results_base();
  std::string host;
  for (char c : hostname) host += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ? c : '_';
  if (host.empty() || host.front() == '.') host = "host" + host;
  std::tm utc{};
  ::gmtime_r(&when, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &utc);
  std::error_code ec;
  fs::create_directories(base, ec);
  if (ec) return fail(status::invalid, "cannot create the results folder {}: {} (set XPUBENCH_RESULTS to a writable folder)", base.string(), ec.message());
  for (int i = 1; i < 100; ++i) {
    const fs::path p = base / (host + "-" + stamp + (i > 1 ? "-" + std::to_string(i) : ""));
    if (fs::create_directory(p, ec)) return p.string();
    if (ec) return fail(status::invalid, "cannot create {}: {} (set XPUBENCH_RESULTS to a writable folder)", p.string(), ec.message());
  }
  return fail(status::invalid, "99 results folders for {} in the same second under {}", host, base.string());
}

}  // namespace xpu
