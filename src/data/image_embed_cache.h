// The CLIP image-embedding cache of an image-to-video dataset whose model takes CLIP features
// (Wan 2.1 I2V; spec/dataloader.md §5): per sample, `image_embeds`, the penultimate hidden
// state [tokens, width] of its clip's first frame (cropped to the bucket, preprocessed by
// kDefaultClipRoute). Keyed like the latent cache plus the route and the image encoder.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "data/cache_fill.h"
#include "data/sample.h"
#include "data/tensor_cache.h"

namespace reel {

class ClipVisionModel;
struct ClipPreprocessConfig;

struct ImageEmbedCacheSettings {
  std::filesystem::path dir;
  bool compress = true;
  int batch_size = 1;
  std::string encoder_identity;
};

class ImageEmbedCache {
 public:
  explicit ImageEmbedCache(ImageEmbedCacheSettings settings);

  const ImageEmbedCacheSettings& settings() const { return settings_; }
  std::string entry_name(const Sample& sample) const;
  std::string entry_key(const Sample& sample) const;

  std::vector<const Sample*> missing(const std::vector<Sample>& samples) const;
  CacheFill fill(const std::vector<const Sample*>& todo, const ClipVisionModel& encoder,
                 const ClipPreprocessConfig& preprocess) const;
  CacheEntry load(const Sample& sample) const;

  uint64_t disk_bytes() const { return cache_.disk_bytes(); }

 private:
  ImageEmbedCacheSettings settings_;
  TensorCache cache_;
};

}  // namespace reel
