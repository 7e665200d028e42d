#include "data/sample.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace reel {

FileIdentity file_identity(const std::filesystem::path& path) {
  struct stat st {};
  // stat, not lstat: a symlinked file is identified by what it points to.
  if (::stat(path.c_str(), &st) != 0) {
    throw Error(std::string("cannot read the file's size and time: ") + std::strerror(errno))
        .file(path.string());
  }
  FileIdentity id;
  id.path = std::filesystem::absolute(path).lexically_normal().string();
  id.size = static_cast<uint64_t>(st.st_size);
  id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return id;
}

const char* to_string(SkipReason reason) {
  switch (reason) {
    case SkipReason::kUnreadable:
      return "unreadable";
    case SkipReason::kTruncated:
      return "truncated";
    case SkipReason::kTooFewFrames:
      return "too few frames";
    case SkipReason::kTooManyFrames:
      return "too many frames";
    case SkipReason::kTooSmall:
      return "too small";
    case SkipReason::kAspectOutOfRange:
      return "aspect ratio out of range";
    case SkipReason::kNoCaption:
      return "no caption";
    case SkipReason::kSmallBucket:
      return "bucket too small";
  }
  return "?";
}

}  // namespace reel
