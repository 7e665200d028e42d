// A whole file mapped into memory, read-only from the file's point of view. Safetensors
// tensors point straight into it (zero-copy); each such tensor holds a shared_ptr to the
// mapping, so the mapping lives until the last tensor over it is gone.
//
//   std::shared_ptr<const MappedFile> m = MappedFile::open("model.safetensors");
//   const uint8_t* bytes = m->data();
//
// A file's bytes already in memory (a decompressed cache entry) take the same shape through
// from_bytes(), so everything that reads a mapping reads them too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace reel {

class MappedFile {
 public:
  // Maps all of `path`. Throws reel::Error naming the file and the system's reason when it
  // cannot be opened or mapped. An empty file gives size() 0 and data() nullptr.
  static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);
  // Takes over `bytes` (no file is touched); `path` names them in messages.
  static std::shared_ptr<const MappedFile> from_bytes(std::filesystem::path path,
                                                      std::string bytes);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // The mapping is private and copy-on-write: a write through a tensor over it changes the
  // process's copy of that page only, never the file. data() is writable for that reason
  // (at::from_blob takes a void*), but Reel treats the bytes as read-only.
  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::filesystem::path& path() const { return path_; }

  // Whether [p, p + n) lies inside the mapping.
  bool contains(const void* p, size_t n) const;

 private:
  MappedFile(std::filesystem::path path, uint8_t* data, size_t size);

  std::filesystem::path path_;
  uint8_t* data_;
  size_t size_;
  std::string owned_;  // from_bytes(): the bytes data_ points into; nothing is mapped
  bool mapped_ = true;
};

}  // namespace reel
