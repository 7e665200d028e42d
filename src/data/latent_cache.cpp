#include "data/latent_cache.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "core/error.h"
#include "core/progress.h"
#include "core/shape_text.h"
#include "data/cache_key.h"
#include "data/sample_frames.h"
#include "data/skipped_sample.h"
#include "models/wan/wan_vae.h"

namespace reel {
namespace {

// Bumped whenever what an entry holds or how it is computed changes.
const char kFormat[] = "reel latents v1";

}  // namespace

LatentCache::LatentCache(LatentCacheSettings settings)
    : settings_(std::move(settings)), cache_(settings_.dir, settings_.compress) {}

std::string LatentCache::entry_name(const Sample& sample) const {
  return cache_key({sample.relative_path});
}

std::string LatentCache::entry_key(const Sample& sample) const {
  const SampleGeometry& g = sample.geometry;
  return cache_key({kFormat, sample.file.path, std::to_string(sample.file.size),
                    std::to_string(sample.file.mtime_ns), settings_.vae_identity,
                    "target " + size_text(g.target_w, g.target_h),
                    "intermediary " + size_text(g.intermediary_w, g.intermediary_h),
                    "crop " + std::to_string(g.crop_x) + "," + std::to_string(g.crop_y),
                    "frames " + std::to_string(sample.frames),
                    settings_.first_frame ? "first frame" : "no first frame"});
}

std::vector<const Sample*> LatentCache::missing(const std::vector<Sample>& samples) const {
  std::vector<const Sample*> todo;
  for (const Sample& s : samples) {
    if (cache_.state(entry_name(s), entry_key(s)) != CacheState::kValid) todo.push_back(&s);
  }
  return todo;
}

CacheFill LatentCache::fill(const std::vector<const Sample*>& todo, const WanVae& vae) const {
  CacheFill result;
  if (todo.empty()) return result;
  // parameters() is not const because loaders fill the slots; here they are only read.
  const at::TensorOptions options =
      loaded_weight_options(const_cast<WanVae&>(vae).parameters(), "VAE");
  const size_t batch = static_cast<size_t>(std::max(1, settings_.batch_size));

  // One batch holds clips of one size and length only.
  std::map<std::tuple<int, int, int>, std::vector<const Sample*>> groups;
  for (const Sample* s : todo) {
    groups[{s->geometry.target_w, s->geometry.target_h, s->frames}].push_back(s);
  }

  Progress progress("encoding latents", static_cast<int64_t>(todo.size()), "clip");
  for (const auto& [shape, samples] : groups) {
    for (size_t start = 0; start < samples.size(); start += batch) {
      std::vector<const Sample*> ok;
      std::vector<at::Tensor> inputs;
      for (size_t i = start; i < std::min(samples.size(), start + batch); ++i) {
        try {
          inputs.push_back(pixels_to_vae_input(sample_pixels(*samples[i])));
          ok.push_back(samples[i]);
        } catch (const std::exception& e) {
          result.failed.push_back(skipped_sample(*samples[i], e));
          progress.advance();
        }
      }
      if (ok.empty()) continue;

      c10::InferenceMode inference;
      const at::Tensor video = at::stack(inputs).to(options);  // [B, 3, F, H, W]
      const at::Tensor latents =
          vae.normalize(vae.encode(video).mean).to(at::kCPU, at::kFloat).contiguous();
      at::Tensor first_frame_latents;
      if (settings_.first_frame) {
        // The first frame, then mid-grey (0 in [-1, 1]): the I2V condition (training.md §4).
        at::Tensor condition = at::zeros_like(video);
        condition.narrow(2, 0, 1).copy_(video.narrow(2, 0, 1));
        first_frame_latents =
            vae.normalize(vae.encode(condition).mean).to(at::kCPU, at::kFloat).contiguous();
      }

      const std::map<std::string, std::string> metadata_common = {
          {"frames", std::to_string(video.size(2))},
          {"size", size_text(video.size(4), video.size(3))}};
      for (size_t b = 0; b < ok.size(); ++b) {
        const int64_t i = static_cast<int64_t>(b);
        std::vector<std::pair<std::string, at::Tensor>> tensors = {
            {"latents", latents[i].contiguous()}};
        if (settings_.first_frame) {
          tensors.emplace_back("first_frame_latents", first_frame_latents[i].contiguous());
        }
        std::map<std::string, std::string> metadata = metadata_common;
        metadata["source"] = ok[b]->relative_path;
        cache_.write(entry_name(*ok[b]), entry_key(*ok[b]), tensors, metadata);
        ++result.encoded;
        progress.advance();
      }
    }
  }
  progress.finish();
  return result;
}

CacheEntry LatentCache::load(const Sample& sample) const {
  return cache_.read(entry_name(sample));
}

}  // namespace reel
