// The Wan text/image-to-video sampling pipeline (spec/validation.md §3-4): seeded noise, the
// flow-matching sampler, classifier-free guidance against the negative prompt, skip-layer
// guidance, image-to-video first-frame conditioning, Wan 2.2's switch from the high-noise to
// the low-noise expert, then the VAE decode to RGB frames. Models and prompt embeddings come
// from the caller, so validation during training reuses the trainer's transformer (adapter
// attached) and the prompts encoded before training.
//
//   VideoRequest r;  r.width = 832;  r.height = 480;  r.frames = 81;
//   at::Tensor latents = sample_video_latents({&transformer}, {prompt, negative}, nullptr, r);
//   at::Tensor frames = decode_video(vae, latents);  // uint8 [81, 480, 832, 3]
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <functional>
#include <string>

#include "sample/skip_layer_guidance.h"

namespace reel {

class WanTransformer;
class WanVae;
class ClipVisionModel;
struct ClipPreprocessConfig;

struct VideoRequest {
  int64_t width = 832, height = 480;
  int64_t frames = 81;  // 4k + 1
  int64_t steps = 40;
  double guidance = 5.0;    // <= 1: no negative pass
  double guidance_2 = 0.0;  // the low-noise expert's scale; <= 0: `guidance`
  double shift = 3.0;
  std::string scheduler = "unipc";
  uint64_t seed = 0;
  SkipLayerGuidance skip_layers;
  at::ScalarType compute_dtype = at::kFloat;
  int64_t latent_factor = 8;  // pixels per latent pixel: the VAE's spatial_factor()
};

// [1, L, D] each, on the models' device. `negative` is used when guidance > 1.
struct PromptEmbeds {
  at::Tensor prompt, negative;
};

// The denoiser: one transformer, or Wan 2.2's two experts, `transformer` (high noise) for
// timesteps >= boundary_ratio * 1000 and `transformer_2` (low noise) below.
struct Denoisers {
  const WanTransformer* transformer = nullptr;
  const WanTransformer* transformer_2 = nullptr;
  double boundary_ratio = 0.875;
};

// Image-to-video: what every pass gets besides the noisy latents.
struct ImageCondition {
  at::Tensor latents;       // [1, z, T, h, w]: normalised VAE mean of [image, 0, 0, ...]
  at::Tensor image_embeds;  // [1, 257, D]: CLIP's penultimate state (Wan 2.1 I2V); or undefined
};

// Called after each sampling step with its index and the latents it produced.
using StepObserver = std::function<void(int64_t step, const at::Tensor& latents)>;

// Throws reel::Error naming the value for a size the models cannot make (frames not 4k+1,
// width or height not a multiple of the VAE's factor times the patch size, steps < 1).
void check_video_request(const VideoRequest& request, int64_t spatial_multiple);

// The denoised, normalised latents [1, z, (F-1)/4+1, H/s, W/s] float32. The noise comes from
// a CPU generator seeded with request.seed alone, so the same request gives the same latents
// whatever ran before, and no global generator is touched.
at::Tensor sample_video_latents(const Denoisers& denoisers, const PromptEmbeds& prompts,
                                const ImageCondition* condition, const VideoRequest& request,
                                const StepObserver& on_step = {});

// uint8 [F, H, W, 3] on the CPU from normalised latents.
at::Tensor decode_video(const WanVae& vae, const at::Tensor& latents);

// The I2V condition of an image (uint8 [H, W, 3] at the video's size) for `frames` frames:
// the VAE's posterior mode (as diffusers' and SimpleTuner's I2V pipelines take it) and, with
// a CLIP encoder, its image embeddings.
ImageCondition encode_image_condition(const WanVae& vae, const at::Tensor& image, int64_t frames,
                                      at::Device device, const ClipVisionModel* clip = nullptr,
                                      const ClipPreprocessConfig* clip_config = nullptr);

}  // namespace reel
