#include "core/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>  // renameat2, RENAME_EXCHANGE (glibc 2.28+)
#include <cstring>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/log.h"

namespace reel {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& what, const fs::path& path, int err) {
  Error e(what + ": " + std::strerror(err));
  e.file(path.string());
  switch (err) {
    case ENOSPC:
      e.hint("the disk is full: free some space or write somewhere else");
      break;
    case EDQUOT:
      e.hint("the disk quota is used up: free some space or write somewhere else");
      break;
    case EACCES:
    case EPERM:
      e.hint("check the permissions of the folder, or write somewhere else");
      break;
    case EROFS:
      e.hint("the file system is read-only; write somewhere else");
      break;
    default:
      break;
  }
  throw e;
}

// Six random letters and digits, for temporary names beside a target.
std::string random_suffix() {
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  thread_local std::mt19937_64 rng(std::random_device{}() ^
                                   (static_cast<uint64_t>(::getpid()) << 32));
  std::string s(6, 'x');
  for (char& c : s) c = kChars[rng() % (sizeof(kChars) - 1)];
  return s;
}

fs::path sibling(const fs::path& target, const char* tag) {
  fs::path p = target;
  p += tag + random_suffix();
  return p;
}

fs::path parent_dir(const fs::path& path) {
  fs::path parent = path.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// "ckpt/" and "ckpt" name the same folder; the temporary name goes beside it, not inside it.
fs::path without_trailing_slash(fs::path p) {
  if (!p.has_filename() && p.has_parent_path()) p = p.parent_path();
  return p;
}

void fsync_path(const fs::path& path, int flags, const char* what) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) fail(std::string("cannot open the ") + what + " to flush it to disk", path, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  // Some file systems cannot fsync a folder (EINVAL); their renames are as durable as they get.
  if (rc != 0 && !(flags & O_DIRECTORY && (err == EINVAL || err == ENOTSUP))) {
    fail(std::string("cannot flush the ") + what + " to disk", path, err);
  }
}

void fsync_directory(const fs::path& dir) {
  fsync_path(dir, O_RDONLY | O_DIRECTORY, "folder");
}

bool path_exists(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

// Calls visit(path, type) for everything under `dir` (type: S_IFDIR, S_IFREG, S_IFLNK, ...),
// a folder's contents before the folder, never following symlinks. Stops at the first
// failure and returns its errno, with the path in *failed; 0 when all went well.
//
// Plain POSIX rather than std::filesystem on purpose: libtorch.so exports its own copies of
// the std::filesystem functions, and where the linker puts it ahead of the system's
// libstdc++ its remove_all() calls a symbol that GCC 12's libstdc++ lacks and crashes.
int walk_tree(const fs::path& dir, const std::function<int(const fs::path&, mode_t)>& visit,
              fs::path* failed) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    *failed = dir;
    return errno;
  }
  std::vector<std::pair<fs::path, mode_t>> children;
  errno = 0;
  while (const dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    fs::path child = dir / e->d_name;
    mode_t type = DTTOIF(e->d_type);
    if (e->d_type == DT_UNKNOWN) {  // some file systems leave d_type unset
      struct stat st {};
      type = ::lstat(child.c_str(), &st) == 0 ? (st.st_mode & S_IFMT) : 0;
    }
    children.emplace_back(std::move(child), type);
  }
  int err = errno;
  ::closedir(d);
  if (err != 0) {
    *failed = dir;
    return err;
  }
  for (const auto& [child, type] : children) {
    if (type == S_IFDIR) {
      if (int rc = walk_tree(child, visit, failed)) return rc;
    }
    if (int rc = visit(child, type)) {
      *failed = child;
      return rc;
    }
  }
  return 0;
}

// Flushes every file and folder under `dir`, and `dir` itself.
void fsync_tree(const fs::path& dir) {
  fs::path failed;
  int err = walk_tree(
      dir,
      [](const fs::path& p, mode_t type) {
        if (type == S_IFREG) fsync_path(p, O_RDONLY, "file");
        if (type == S_IFDIR) fsync_directory(p);
        return 0;
      },
      &failed);
  if (err != 0) fail("cannot list the folder to flush it to disk", failed, err);
  fsync_directory(dir);
}

// Deletes `dir` and everything in it; returns 0 or the errno of the first failure.
int remove_tree(const fs::path& dir, fs::path* failed) {
  int err = walk_tree(
      dir,
      [](const fs::path& p, mode_t type) {
        return (type == S_IFDIR ? ::rmdir(p.c_str()) : ::unlink(p.c_str())) == 0 ? 0 : errno;
      },
      failed);
  if (err != 0) return err;
  if (::rmdir(dir.c_str()) != 0) {
    *failed = dir;
    return errno;
  }
  return 0;
}

void remove_replaced(const fs::path& old) {
  fs::path failed;
  if (int err = remove_tree(old, &failed)) {
    log::warn("could not delete the replaced folder ", old.string(), " (", failed.string(), ": ",
              std::strerror(err), "); delete it by hand");
  }
}

}  // namespace

void write_file_atomic(const fs::path& path, std::string_view bytes) {
  AtomicFile f(path);
  f.write(bytes);
  f.commit();
}

AtomicFile::AtomicFile(fs::path target) : target_(std::move(target)) {
  if (!target_.has_filename()) throw Error("is not a file name").file(target_.string());
  for (int attempt = 0;; ++attempt) {
    temp_ = sibling(target_, ".tmp-");
    // 0666 less the umask, the mode an ordinary new file gets (mkstemp would give 0600).
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) return;
    if (errno != EEXIST || attempt == 99) {
      fail("cannot create the temporary file " + temp_.filename().string(), target_, errno);
    }
  }
}

AtomicFile::~AtomicFile() {
  if (!committed_) discard();
}

void AtomicFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  ::unlink(temp_.c_str());
}

void AtomicFile::write(const void* data, size_t n) {
  if (fd_ < 0) throw std::logic_error("AtomicFile::write after commit: " + target_.string());
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    // Linux moves at most about 2 GiB per call; larger tensors take several.
    ssize_t w = ::write(fd_, p, std::min<size_t>(n, size_t{1} << 30));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      failed_ = true;
      fail("cannot write the temporary file " + temp_.filename().string(), target_,
           w < 0 ? errno : EIO);
    }
    p += w;
    n -= static_cast<size_t>(w);
    written_ += static_cast<uint64_t>(w);
  }
}

void AtomicFile::commit() {
  if (fd_ < 0) throw std::logic_error("AtomicFile::commit twice: " + target_.string());
  if (failed_) throw Error("not saved: an earlier write to it failed").file(target_.string());
  // A full disk may only show here (delayed allocation, network file systems).
  if (::fsync(fd_) != 0) {
    fail("cannot flush the temporary file " + temp_.filename().string() + " to disk", target_,
         errno);
  }
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) fail("cannot close the temporary file " + temp_.filename().string(), target_, errno);
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    fail("cannot rename the temporary file " + temp_.filename().string() + " over it", target_,
         errno);
  }
  committed_ = true;
  fsync_directory(parent_dir(target_));
}

AtomicDirectory::AtomicDirectory(fs::path target)
    : target_(without_trailing_slash(std::move(target))) {
  if (!target_.has_filename()) throw Error("is not a folder name").file(target_.string());
  for (int attempt = 0;; ++attempt) {
    temp_ = sibling(target_, ".tmp-");
    if (::mkdir(temp_.c_str(), 0777) == 0) return;  // 0777 less the umask, as mkdir(1) does
    if (errno != EEXIST || attempt == 99) {
      fail("cannot create the temporary folder " + temp_.filename().string(), target_, errno);
    }
  }
}

AtomicDirectory::~AtomicDirectory() {
  if (committed_) return;
  fs::path failed;
  if (int err = remove_tree(temp_, &failed)) {
    log::warn("could not delete the unfinished folder ", temp_.string(), " (", failed.string(),
              ": ", std::strerror(err), ")");
  }
}

void AtomicDirectory::commit() {
  if (committed_) throw std::logic_error("AtomicDirectory::commit twice: " + target_.string());
  fsync_tree(temp_);
  detail::replace_directory(temp_, target_);
  committed_ = true;
}

namespace detail {

void replace_directory(const fs::path& from, const fs::path& to, bool allow_exchange) {
  const fs::path parent = parent_dir(to);
  if (!path_exists(to)) {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      fail("cannot rename " + from.filename().string() + " into place", to, errno);
    }
    fsync_directory(parent);
    return;
  }

  if (allow_exchange) {
    // One step: the target holds the old folder until it holds the new one.
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_EXCHANGE) == 0) {
      fsync_directory(parent);
      remove_replaced(from);  // `from` now names the old folder
      return;
    }
    int err = errno;
    if (err != EINVAL && err != ENOSYS && err != ENOTSUP) {
      fail("cannot swap " + from.filename().string() + " into place", to, err);
    }
    log::debug("the file system of ", to.string(), " cannot swap folders; renaming instead");
  }

  // Two steps: a crash between them leaves the old folder at "<to>.old-XXXXXX".
  fs::path old;
  do {
    old = sibling(to, ".old-");
  } while (path_exists(old));
  if (::rename(to.c_str(), old.c_str()) != 0) {
    fail("cannot move the existing folder aside to " + old.filename().string(), to, errno);
  }
  if (::rename(from.c_str(), to.c_str()) != 0) {
    int err = errno;
    ::rename(old.c_str(), to.c_str());  // put the old folder back
    fail("cannot rename " + from.filename().string() + " into place", to, err);
  }
  fsync_directory(parent);
  remove_replaced(old);
}

}  // namespace detail

}  // namespace reel
