// Validation videos during training (spec/validation.md, issue 8): every prompt at every
// validation resolution, rendered with the model being trained (adapter attached) by the
// sampling pipeline, written to
//   <output_dir>/validation/step-<N>/<shortname>[_<W>x<H>][<suffix>].mp4   the video
//   <output_dir>/validation/step-<N>/<shortname>[_<W>x<H>][<suffix>].png   its contact sheet
//   <output_dir>/validation/step-<N>/previews/<shortname>...-<i>of<n>.png  with previews
// (the size only when there are several resolutions). The VAE, CLIP and Wan 2.2's other
// expert are loaded at the first render and kept; prompts come already encoded. The noise of
// each video comes from its own generator seeded with the validation seed, so every
// validation renders from the same noise and no other generator is touched.
//
//   ValidationRenderer renderer(settings);
//   for (const RenderedVideo& v : renderer.render(step, transformer, "")) ...
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sample/validation_prompts.h"
#include "sample/video_pipeline.h"

namespace reel {

class WanTransformer;

struct EncodedPrompt {
  ValidationPrompt prompt;
  at::Tensor embeds;  // [1, L, D]
};

// Wan 2.2: the expert that is not trained, loaded frozen (wan_validation_load_other_stage).
struct OtherExpert {
  std::filesystem::path path;  // the pipeline folder
  std::string subfolder;       // "transformer" (high noise) or "transformer_2" (low noise)
  bool trained_is_high = true;
  double boundary_ratio = 0.9;
  double guidance = 3.5;  // the other expert's CFG scale
};

struct ValidationRenderSettings {
  std::filesystem::path output_dir;
  std::vector<EncodedPrompt> prompts;
  at::Tensor negative_embeds;  // [1, L, D]; used when request.guidance > 1
  std::vector<std::pair<int64_t, int64_t>> resolutions;  // (width, height)
  VideoRequest request;                                  // all but the size
  double fps = 16;
  int64_t preview_steps = 0;  // > 0: a preview every k sampling steps
  std::filesystem::path vae;  // what load_wan_vae takes
  // Image-to-video: the first frame of this file, resized to each resolution, conditions every
  // video; empty for text-to-video. With an image encoder (Wan 2.1 I2V) CLIP sees it too.
  std::filesystem::path condition_image;
  std::filesystem::path image_encoder;
  std::optional<OtherExpert> other_expert;
  at::Device device = at::kCPU;
  at::ScalarType base_dtype = at::kFloat;  // of the other expert
};

struct RenderedVideo {
  std::string shortname, prompt;
  int64_t width = 0, height = 0;
  std::filesystem::path video, sheet;
};

struct RenderedPreview {
  std::string shortname, prompt;
  int64_t width = 0, height = 0;
  int64_t step = 0, num_steps = 0;  // 1-based step of the sampling
  std::filesystem::path image;
};

using PreviewSink = std::function<void(const RenderedPreview&)>;

class ValidationRenderer {
 public:
  // Throws reel::Error for sizes or frame counts the model cannot render (so a bad
  // validation setting fails before training, not at the first validation).
  ValidationRenderer(ValidationRenderSettings settings, int64_t spatial_multiple);
  ~ValidationRenderer();
  ValidationRenderer(ValidationRenderer&&) noexcept;

  const ValidationRenderSettings& settings() const { return s_; }
  std::filesystem::path step_dir(int64_t step) const;

  // `suffix` ends every file name ("_ema" for the EMA weights' copies). Runs without autograd.
  std::vector<RenderedVideo> render(int64_t step, const WanTransformer& model,
                                    const std::string& suffix, const PreviewSink& on_preview = {});

 private:
  struct Models;
  ValidationRenderSettings s_;
  std::unique_ptr<Models> models_;
};

}  // namespace reel
