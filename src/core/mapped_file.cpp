#include "core/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/error.h"

namespace reel {
namespace {

// Closes a file descriptor when it goes out of scope.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    throw Error(std::string("cannot open the file: ") + std::strerror(err)).file(path.string());
  }
  FdCloser closer{fd};

  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    throw Error(std::string("cannot read the file's size: ") + std::strerror(err))
        .file(path.string());
  }
  if (S_ISDIR(st.st_mode)) throw Error("is a directory, not a file").file(path.string());
  if (!S_ISREG(st.st_mode)) throw Error("is not a regular file").file(path.string());

  size_t size = static_cast<size_t>(st.st_size);
  if (size == 0) return std::shared_ptr<const MappedFile>(new MappedFile(path, nullptr, 0));

  // Copy-on-write (PROT_WRITE with MAP_PRIVATE): pages stay shared with the page cache until
  // something writes to them, and a stray in-place op on a loaded tensor then copies one page
  // instead of crashing the process. The file itself is never written (it is open read-only).
  // MAP_NORESERVE keeps a model larger than RAM + swap mappable under the kernel's default
  // overcommit heuristic; under strict overcommit (vm.overcommit_memory=2) a writable private
  // mapping is charged in full, so there we fall back to a read-only mapping.
  void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, fd, 0);
  if (p == MAP_FAILED && errno == ENOMEM) p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) {
    int err = errno;
    throw Error(std::string("cannot map the file into memory: ") + std::strerror(err))
        .file(path.string())
        .hint(err == ENOMEM ? "the address space or the memory limit (ulimit -v) is too small"
                            : "");
  }
  return std::shared_ptr<const MappedFile>(new MappedFile(path, static_cast<uint8_t*>(p), size));
}

std::shared_ptr<const MappedFile> MappedFile::from_bytes(std::filesystem::path path,
                                                         std::string bytes) {
  std::shared_ptr<MappedFile> m(new MappedFile(std::move(path), nullptr, 0));
  m->mapped_ = false;
  m->owned_ = std::move(bytes);
  m->size_ = m->owned_.size();
  if (m->size_ > 0) m->data_ = reinterpret_cast<uint8_t*>(m->owned_.data());
  return m;
}

MappedFile::MappedFile(std::filesystem::path path, uint8_t* data, size_t size)
    : path_(std::move(path)), data_(data), size_(size) {}

MappedFile::~MappedFile() {
  if (mapped_ && data_ != nullptr) ::munmap(data_, size_);
}

bool MappedFile::contains(const void* p, size_t n) const {
  auto addr = reinterpret_cast<uintptr_t>(p);
  auto begin = reinterpret_cast<uintptr_t>(data_);
  return data_ != nullptr && addr >= begin && addr <= begin + size_ && n <= begin + size_ - addr;
}

}  // namespace reel
