// The VAE latent cache of one dataset (spec/dataloader.md §5, training.md §1 and §4): per
// sample one entry holding `latents`, the normalised posterior mean [z, T, h, w] of its clip,
// and for image-to-video datasets `first_frame_latents`, the same of the video
// [first frame, 0, 0, ...] (what the I2V transformer is conditioned on at inference).
// An entry's key covers the source file's identity, the VAE, the target size, crop and
// frames, so changing any of them rebuilds it.
//
//   LatentCache cache({.dir = dataset.cache_dir_vae, .vae_identity = model_identity(vae_path)});
//   std::vector<const Sample*> todo = cache.missing(scan.samples);
//   if (!todo.empty()) { WanVae vae = load_wan_vae(...); cache.fill(todo, vae); }
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "data/cache_fill.h"
#include "data/sample.h"
#include "data/tensor_cache.h"

namespace reel {

class WanVae;

struct LatentCacheSettings {
  std::filesystem::path dir;
  bool compress = true;
  int batch_size = 1;        // vae_batch_size: samples of one bucket encoded together
  std::string vae_identity;  // model_identity() of the VAE weights
  bool first_frame = false;  // image-to-video: also store first_frame_latents
};

class LatentCache {
 public:
  explicit LatentCache(LatentCacheSettings settings);

  const LatentCacheSettings& settings() const { return settings_; }
  // Stable per source file (a hash of its relative path), so a stale entry is overwritten.
  std::string entry_name(const Sample& sample) const;
  std::string entry_key(const Sample& sample) const;

  // Samples whose entry is missing, stale or corrupt, in the order given.
  std::vector<const Sample*> missing(const std::vector<Sample>& samples) const;
  // Encodes them with `vae` (on its device and dtype), showing progress; a sample whose
  // pixels cannot be read is reported in the result and skipped.
  CacheFill fill(const std::vector<const Sample*>& todo, const WanVae& vae) const;
  // Throws reel::Error naming the file when the entry is missing or corrupt.
  CacheEntry load(const Sample& sample) const;

  uint64_t disk_bytes() const { return cache_.disk_bytes(); }

 private:
  LatentCacheSettings settings_;
  TensorCache cache_;
};

}  // namespace reel
