// One .safetensors file, read through mmap. The format: an 8-byte little-endian header
// length N, N bytes of JSON mapping each tensor name to {"dtype", "shape", "data_offsets":
// [begin, end]} (offsets into the data section that follows the header), an optional
// "__metadata__" object of strings, then the data section.
//
// open() validates the whole header, so a truncated or corrupt file fails there with a
// reel::Error that names the file, the tensor and what is wrong. Tensors are zero-copy views
// of the mapping; each holds the mapping alive, so it may outlive the SafetensorsFile.
//
//   SafetensorsFile f = SafetensorsFile::open("lora.safetensors");
//   for (const TensorInfo& t : f.tensors()) log::info(t.name, " ", t.dtype_name);
//   at::Tensor w = f.tensor("blocks.0.attn.to_q.lora_A.weight");
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace reel {

class MappedFile;

struct TensorInfo {
  std::string name;
  at::ScalarType dtype = at::kFloat;
  std::string dtype_name;  // as the file spells it: "BF16", "F8_E4M3"
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;  // byte range within the data section

  int64_t numel() const;
  uint64_t nbytes() const { return end - begin; }
};

class SafetensorsFile {
 public:
  // Maps and validates `path`; throws reel::Error when it is not a valid safetensors file.
  static SafetensorsFile open(const std::filesystem::path& path);
  explicit SafetensorsFile(const std::filesystem::path& path);
  // The same over a file's bytes held in memory (a decompressed cache entry), validated the
  // same way; `path` names them in messages. The tensors keep the bytes alive.
  static SafetensorsFile from_bytes(std::string bytes, const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }

  // Every tensor, in the order of its data in the file (by offset).
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  // The "__metadata__" object; empty when the file has none.
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  bool contains(const std::string& name) const;
  // Throws reel::Error naming the file and the missing tensor.
  const TensorInfo& info(const std::string& name) const;

  // A CPU tensor over the file's bytes (no copy). The exception is data that is not aligned
  // for its dtype, which only files from unusual writers have: that tensor is a copy.
  // Treat the result as read-only; clone() it before changing it in place.
  at::Tensor tensor(const std::string& name) const;

  // Where the data section starts in the file: 8 + header length.
  uint64_t data_offset() const { return data_offset_; }
  const std::shared_ptr<const MappedFile>& mapping() const { return map_; }

 private:
  SafetensorsFile(const std::filesystem::path& path, std::shared_ptr<const MappedFile> map);

  std::filesystem::path path_;
  std::shared_ptr<const MappedFile> map_;
  uint64_t data_offset_ = 0;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string, size_t> index_;  // name -> position in tensors_
  std::map<std::string, std::string> metadata_;
};

}  // namespace reel
