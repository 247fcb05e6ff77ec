#include "core/files.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace xpu {
namespace {

// A temporary beside `target`, removed unless release()d.
class temporary {
 public:
  explicit temporary(const std::filesystem::path& target) {
    const std::filesystem::path dir = target.parent_path().empty() ? std::filesystem::path(".") : target.parent_path();
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

std::unexpected<error> no_temporary(std::string_view path, const std::filesystem::path& file, int err) {
  return fail(status::invalid, "cannot write '{}': cannot create a file in '{}': {}; choose a writable folder", path,
              file.parent_path().empty() ? "." : file.parent_path().string(), std::strerror(err));
}

}  // namespace

result<void> write_all(int fd, std::string_view text, std::string_view name) {
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

result<void> can_create_in(const std::filesystem::path& path, std::string_view name) {
  temporary probe(path);
  if (probe.fd() < 0) return no_temporary(name, path, probe.error());
  return {};
}

result<void> replace_file(const std::filesystem::path& path, std::string_view text, std::string_view name, std::optional<mode_t> mode) {
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  temporary tmp(path);
  if (tmp.fd() < 0) return no_temporary(name, path, tmp.error());
  if (::fchmod(tmp.fd(), mode ? *mode : exists ? (st.st_mode & 07777) : new_file_mode()) != 0)
    return fail(status::failed, "cannot set the mode of '{}': {}", tmp.path(), std::strerror(errno));
  if (auto ok = write_all(tmp.fd(), text, name); !ok) return ok;
  if (::fsync(tmp.fd()) != 0) return fail(status::failed, "error writing '{}' (fsync): {}", name, std::strerror(errno));
  if (const int e = tmp.close(); e != 0) return fail(status::failed, "error writing '{}': {}", name, std::strerror(e));
  if (::rename(tmp.path().c_str(), path.c_str()) != 0)
    return fail(status::failed, "cannot move the new '{}' into place: {}", name, std::strerror(errno));
  tmp.release();
  return {};
}

result<std::filesystem::path> user_cache_dir() {
  // Under sudo, HOME (and XDG_CACHE_HOME) may still be the user's: a folder created there would
  // belong to root. Only a home this user owns is used; else the password database's.
  const auto owned = [](const char* path) {  // or not there yet (created then, by this user)
    struct stat st {};
    return ::stat(path, &st) != 0 || st.st_uid == ::geteuid();
  };
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x == '/' && owned(x)) return std::filesystem::path(x) / "xpubench";
  if (const char* h = std::getenv("HOME"); h && *h == '/' && owned(h)) return std::filesystem::path(h) / ".cache" / "xpubench";
  if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_dir && *pw->pw_dir == '/')
    return std::filesystem::path(pw->pw_dir) / ".cache" / "xpubench";
  return fail(status::unsupported, "no cache folder: neither XDG_CACHE_HOME nor HOME is set to an absolute path");
}

result<void> private_folder(const std::filesystem::path& dir, std::string_view what) {
  std::error_code ec;
  if (!std::filesystem::exists(dir.parent_path(), ec)) std::filesystem::create_directories(dir.parent_path(), ec);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return fail(status::failed, "cannot create the {} folder {}: {}", what, dir.string(), std::strerror(errno));
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return fail(status::failed, "cannot read the {} folder {}: {}", what, dir.string(), std::strerror(errno));
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid())
    return fail(status::failed, "the {} folder {} is {}: not used", what, dir.string(),
                !S_ISDIR(st.st_mode) ? "not a folder (a symlink?)" : "owned by another user");
  if ((st.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0)  // ours, but others could plant files in it
    return fail(status::failed, "the {} folder {} is open to other users and cannot be made private: {}", what, dir.string(),
                std::strerror(errno));
  return {};
}

}  // namespace xpu
