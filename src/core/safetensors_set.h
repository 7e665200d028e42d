// The tensors of a model stored as one or several safetensors files, opened from whatever the
// user points at:
//   - a `.safetensors` file;
//   - a `*.safetensors.index.json` (a sharded checkpoint: its "weight_map" names the shard
//     that holds each tensor; every shard is opened and checked against the index);
//   - a directory: its one `*.safetensors.index.json` if it has one, else every
//     `*.safetensors` in it.
// Tensor names are unique across the set; a name found in two shards is an error.
//
//   SafetensorsSet weights = SafetensorsSet::open("Wan2.1-T2V-14B-Diffusers/transformer");
//   at::Tensor w = weights.tensor("blocks.0.attn1.to_q.weight");
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/safetensors.h"

namespace reel {

class SafetensorsSet {
 public:
  // Throws reel::Error naming the file (and the shard and tensor) when something is missing,
  // inconsistent or not a valid safetensors file.
  static SafetensorsSet open(const std::filesystem::path& path);

  // What was opened: the file, the index or the directory.
  const std::filesystem::path& path() const { return path_; }
  // The safetensors files, sorted by name.
  const std::vector<std::filesystem::path>& files() const { return files_; }
  const std::vector<SafetensorsFile>& shards() const { return shards_; }

  // Every tensor: shard by shard in files() order, each shard's in file order.
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  // The index's "metadata" (non-string values as their JSON text), then each file's
  // "__metadata__"; where two disagree on a key, the first one wins.
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  bool contains(const std::string& name) const;
  // Throws reel::Error naming the missing tensor and what was opened.
  const TensorInfo& info(const std::string& name) const;
  // Zero-copy as SafetensorsFile::tensor().
  at::Tensor tensor(const std::string& name) const;
  // The shard that holds `name`.
  const SafetensorsFile& shard_of(const std::string& name) const;

 private:
  struct Location {
    size_t shard;   // in shards_
    size_t tensor;  // in tensors_
  };

  void open_index(const std::filesystem::path& index);
  void open_files(std::vector<std::filesystem::path> files);
  void add_shard(const std::filesystem::path& file);
  void merge_metadata(const std::map<std::string, std::string>& metadata);
  const Location& locate(const std::string& name) const;

  std::filesystem::path path_;
  std::vector<std::filesystem::path> files_;
  std::vector<SafetensorsFile> shards_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string, Location> index_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace reel
