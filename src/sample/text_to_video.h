// Text-to-video sampling with a Wan transformer (spec/validation.md): prompt embeddings,
// seeded noise, the flow-matching sampler with classifier-free guidance against the negative
// prompt, then the VAE decode to RGB frames. The models are loaded by the caller, so
// validation during training reuses the trainer's transformer (with its adapter attached).
//
//   VideoRequest r;  r.prompt = "a cat";  r.width = 832;  r.height = 480;  r.frames = 81;
//   at::Tensor frames = text_to_video(transformer, vae, prompts, r);  // uint8 [81, 480, 832, 3]
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace reel {

class WanTransformer;
class WanVae;
class PromptEncoder;

struct VideoRequest {
  std::string prompt;
  std::string negative_prompt;
  int64_t width = 832, height = 480;
  int64_t frames = 81;  // 4k + 1
  int64_t steps = 40;
  double guidance = 5.0;  // <= 1: no negative pass
  double shift = 3.0;
  std::string scheduler = "unipc";
  uint64_t seed = 0;
};

// Throws reel::Error naming the value for a size the models cannot make (frames not 4k+1,
// width or height not a multiple of the VAE's factor times the patch size).
void check_video_request(const VideoRequest& request, int64_t spatial_multiple);

// uint8 [frames, height, width, 3]. The noise comes from a CPU generator seeded with
// request.seed alone, so the same request gives the same frames whatever ran before.
at::Tensor text_to_video(const WanTransformer& transformer, const WanVae& vae,
                         const PromptEncoder& prompts, const VideoRequest& request);

}  // namespace reel
