#include "data/image_embed_cache.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <map>
#include <utility>

#include "core/error.h"
#include "core/progress.h"
#include "core/shape_text.h"
#include "data/cache_key.h"
#include "data/sample_frames.h"
#include "data/skipped_sample.h"
#include "models/vision/clip_image_preprocess.h"
#include "models/vision/clip_vision.h"

namespace reel {
namespace {

// Bumped whenever what an entry holds or how it is computed changes.
const char kFormat[] = "reel image embeds v1";

}  // namespace

ImageEmbedCache::ImageEmbedCache(ImageEmbedCacheSettings settings)
    : settings_(std::move(settings)), cache_(settings_.dir, settings_.compress) {}

std::string ImageEmbedCache::entry_name(const Sample& sample) const {
  return cache_key({sample.relative_path});
}

std::string ImageEmbedCache::entry_key(const Sample& sample) const {
  const SampleGeometry& g = sample.geometry;
  // Only the first frame is encoded, so the clip's length is no part of the key.
  return cache_key({kFormat, sample.file.path, std::to_string(sample.file.size),
                    std::to_string(sample.file.mtime_ns), settings_.encoder_identity,
                    clip_route_name(kDefaultClipRoute),
                    "target " + size_text(g.target_w, g.target_h),
                    "intermediary " + size_text(g.intermediary_w, g.intermediary_h),
                    "crop " + std::to_string(g.crop_x) + "," + std::to_string(g.crop_y)});
}

std::vector<const Sample*> ImageEmbedCache::missing(const std::vector<Sample>& samples) const {
  std::vector<const Sample*> todo;
  for (const Sample& s : samples) {
    if (cache_.state(entry_name(s), entry_key(s)) != CacheState::kValid) todo.push_back(&s);
  }
  return todo;
}

CacheFill ImageEmbedCache::fill(const std::vector<const Sample*>& todo,
                                const ClipVisionModel& encoder,
                                const ClipPreprocessConfig& preprocess) const {
  CacheFill result;
  if (todo.empty()) return result;
  // parameters() is not const because loaders fill the slots; here they are only read.
  const at::Device device =
      loaded_weight_options(const_cast<ClipVisionModel&>(encoder).parameters(),
                            "CLIP image encoder")
          .device();
  const size_t batch = static_cast<size_t>(std::max(1, settings_.batch_size));

  Progress progress("encoding image embeds", static_cast<int64_t>(todo.size()), "clip");
  for (size_t start = 0; start < todo.size(); start += batch) {
    std::vector<const Sample*> ok;
    std::vector<at::Tensor> images;
    for (size_t i = start; i < std::min(todo.size(), start + batch); ++i) {
      try {
        Sample first = *todo[i];
        first.frames = 1;  // decode the first frame only
        images.push_back(sample_pixels(first)[0]);
        ok.push_back(todo[i]);
      } catch (const std::exception& e) {
        result.failed.push_back(skipped_sample(*todo[i], e));
        progress.advance();
      }
    }
    if (ok.empty()) continue;

    c10::InferenceMode inference;
    const at::Tensor pixel_values = clip_preprocess(images, kDefaultClipRoute, preprocess);
    const at::Tensor embeds = encoder.forward(pixel_values.to(device))
                                  .penultimate_hidden_state.to(at::kCPU, at::kFloat)
                                  .contiguous();
    for (size_t b = 0; b < ok.size(); ++b) {
      const Sample& s = *ok[b];
      cache_.write(entry_name(s), entry_key(s),
                   {{"image_embeds", embeds[static_cast<int64_t>(b)].contiguous()}},
                   {{"source", s.relative_path},
                    {"size", size_text(images[b].size(1), images[b].size(0))},
                    {"route", clip_route_name(kDefaultClipRoute)}});
      ++result.encoded;
      progress.advance();
    }
  }
  progress.finish();
  return result;
}

CacheEntry ImageEmbedCache::load(const Sample& sample) const {
  return cache_.read(entry_name(sample));
}

}  // namespace reel
