#include "train/training_batch.h"

#include <ATen/ATen.h>

#include "core/error.h"

namespace reel {
namespace {

// A uniform draw in [0, 1) from the generator, as one float64 (the same on every platform).
double uniform(at::Generator& generator) {
  return at::rand({1}, generator, at::TensorOptions().dtype(at::kDouble)).item<double>();
}

}  // namespace

BatchLoader::BatchLoader(const std::vector<Sample>& samples, LatentCache latents,
                         TextEmbedCache text, TextEmbedCache empty_text,
                         std::optional<ImageEmbedCache> image_embeds, BatchLoaderOptions options)
    : samples_(samples),
      latents_(std::move(latents)),
      text_(std::move(text)),
      empty_text_(std::move(empty_text)),
      image_embeds_(std::move(image_embeds)),
      options_(options) {}

TrainingBatch BatchLoader::load(const std::vector<size_t>& indices,
                                const std::vector<bool>& dropped_captions,
                                at::Generator& generator) const {
  if (indices.empty()) throw Error("an empty batch was asked for");
  if (dropped_captions.size() != indices.size()) {
    throw Error("caption dropout decisions for " + std::to_string(dropped_captions.size()) +
                " samples, the batch has " + std::to_string(indices.size()));
  }
  std::vector<at::Tensor> latents, prompts, first_frames, images;
  TrainingBatch batch;
  for (size_t i = 0; i < indices.size(); ++i) {
    const size_t index = indices[i];
    if (index >= samples_.size()) {
      throw Error("sample index " + std::to_string(index) + " is out of range (" +
                  std::to_string(samples_.size()) + " samples)");
    }
    const Sample& sample = samples_[index];
    const bool dropped = dropped_captions[i];
    std::string caption;
    if (!dropped) {
      if (sample.captions.empty()) throw Error("the sample has no caption").file(sample.file.path);
      const auto pick = static_cast<size_t>(uniform(generator) * sample.captions.size());
      caption = sample.captions[std::min(pick, sample.captions.size() - 1)];
    }
    const TextEmbedding text = (dropped ? empty_text_ : text_).load(caption);
    prompts.push_back(text.prompt_embeds);
    batch.captions.push_back(caption);

    const CacheEntry entry = latents_.load(sample);
    latents.push_back(entry.get("latents"));
    if (options_.first_frame_latents) first_frames.push_back(entry.get("first_frame_latents"));
    if (image_embeds_) images.push_back(image_embeds_->load(sample).get("image_embeds"));
  }
  batch.latents = at::stack(latents);
  batch.prompt_embeds = at::stack(prompts);
  if (!first_frames.empty()) batch.first_frame_latents = at::stack(first_frames);
  if (!images.empty()) batch.image_embeds = at::stack(images);
  return batch;
}

}  // namespace reel
