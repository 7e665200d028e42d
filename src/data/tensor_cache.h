// A folder of cache entries, one .safetensors file per entry (".safetensors.zst" when
// compressed with zstd). Each file records the key it was made for in its metadata
// ("reel_cache_key"), so an entry whose inputs changed is seen as stale and a file cut short
// or damaged as corrupt; both are rebuilt, never used. Writes are atomic (a temporary file
// renamed into place), so concurrent writers and crashes leave whole entries or none.
//
//   TensorCache cache(dir, /*compress=*/true);
//   if (cache.state(name, key) != CacheState::kValid) cache.write(name, key, {{"latents", z}});
//   CacheEntry e = cache.read(name);
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace reel {

enum class CacheState { kMissing, kStale, kCorrupt, kValid };
const char* to_string(CacheState state);

struct CacheEntry {
  std::vector<std::pair<std::string, at::Tensor>> tensors;  // CPU, in file order
  std::map<std::string, std::string> metadata;              // without reel_cache_key

  // Throws reel::Error naming the entry when the tensor is absent.
  const at::Tensor& get(const std::string& name) const;
};

class TensorCache {
 public:
  // `dir` is created on the first write. `compress` chooses the format of new entries; either
  // format is read.
  TensorCache(std::filesystem::path dir, bool compress);

  const std::filesystem::path& dir() const { return dir_; }
  // `name` may contain '/' (a subfolder); the file is dir/name.safetensors[.zst].
  std::filesystem::path path_for(const std::string& name) const;

  // Reads only what it needs to tell (the header of an uncompressed file).
  CacheState state(const std::string& name, const std::string& key) const;
  // Throws reel::Error naming the file when the entry is missing or corrupt.
  CacheEntry read(const std::string& name) const;
  // Atomic; replaces an existing entry of either format.
  void write(const std::string& name, const std::string& key,
             const std::vector<std::pair<std::string, at::Tensor>>& tensors,
             const std::map<std::string, std::string>& metadata = {}) const;
  void remove(const std::string& name) const;

  // Bytes of every entry file under dir (0 when it does not exist).
  uint64_t disk_bytes() const;

 private:
  std::filesystem::path dir_;
  bool compress_;
};

}  // namespace reel
