// One micro-batch as the training step takes it (spec/training.md §1, §3, §4): the clean
// latents of train_batch_size samples of one bucket, the text embedding of one caption per
// sample (a random line of a multi-line caption; the empty caption where caption dropout,
// train/caption_dropout.h, struck), and for image-to-video the first-frame condition latents and,
// for Wan 2.1, the CLIP image embeddings. Everything comes from the caches that prepare_caches()
// filled.
//
//   BatchLoader loader(samples, latent_cache, text_cache, empty_text_cache, {}, {});
//   TrainingBatch batch = loader.load(sampled.samples, dropout.draw(B), generator);
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <optional>
#include <string>
#include <vector>

#include "data/image_embed_cache.h"
#include "data/latent_cache.h"
#include "data/text_embed_cache.h"

namespace reel {

struct TrainingBatch {
  at::Tensor latents;                 // x0 [B, 16, T, h, w] float32
  at::Tensor prompt_embeds;           // [B, 512, D] float32
  at::Tensor first_frame_latents;     // [B, 16, T, h, w]; undefined unless image-to-video
  at::Tensor image_embeds;            // [B, tokens, width]; undefined unless Wan 2.1 I2V
  std::vector<std::string> captions;  // the caption each sample was trained with ("" = dropped)
};

struct BatchLoaderOptions {
  bool first_frame_latents = false;  // image-to-video flavours
};

class BatchLoader {
 public:
  // `samples` are the dataset's (the sampler's indices point into them); `text` is the cache
  // of the dataset's text_embeds entry, `empty_text` the default entry's (caption dropout);
  // `image_embeds` is set for Wan 2.1 I2V only.
  BatchLoader(const std::vector<Sample>& samples, LatentCache latents, TextEmbedCache text,
              TextEmbedCache empty_text, std::optional<ImageEmbedCache> image_embeds,
              BatchLoaderOptions options);

  // `dropped[i]`: sample i trains on the empty caption. The caption line of every other
  // sample is drawn from `generator` (one draw each, so a resumed run draws the same). Throws
  // reel::Error naming the file when a cache entry is missing or damaged.
  TrainingBatch load(const std::vector<size_t>& sample_indices, const std::vector<bool>& dropped,
                     at::Generator& generator) const;

 private:
  const std::vector<Sample>& samples_;
  LatentCache latents_;
  TextEmbedCache text_, empty_text_;
  std::optional<ImageEmbedCache> image_embeds_;
  BatchLoaderOptions options_;
};

}  // namespace reel
