#include "sample/text_to_video.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>

#include "core/error.h"
#include "core/progress.h"
#include "models/text/prompt_encoder.h"
#include "models/wan/wan_transformer.h"
#include "models/wan/wan_vae.h"
#include "sample/flow_scheduler_factory.h"

namespace reel {

void check_video_request(const VideoRequest& r, int64_t multiple) {
  if (r.frames < 1 || (r.frames - 1) % 4 != 0) {
    throw Error("frames " + std::to_string(r.frames) + " is not 4k+1")
        .key("frames")
        .hint("use " + std::to_string((std::max<int64_t>(r.frames, 1) - 1) / 4 * 4 + 1) + " or " +
              std::to_string((std::max<int64_t>(r.frames, 1) - 1) / 4 * 4 + 5));
  }
  if (r.width < multiple || r.height < multiple || r.width % multiple || r.height % multiple) {
    throw Error("resolution " + std::to_string(r.width) + "x" + std::to_string(r.height) +
                " is not a multiple of " + std::to_string(multiple))
        .key("resolution")
        .hint("round width and height to multiples of " + std::to_string(multiple));
  }
  if (r.steps < 1) throw Error("steps must be at least 1").key("steps");
}

at::Tensor text_to_video(const WanTransformer& transformer, const WanVae& vae,
                         const PromptEncoder& prompts, const VideoRequest& r) {
  const int64_t factor = vae.config().spatial_factor();
  const int64_t patch = transformer.config().patch_size[1];
  check_video_request(r, factor * patch);
  c10::InferenceMode no_grad;

  const bool guided = r.guidance > 1.0;
  std::vector<std::string> texts = {r.prompt};
  if (guided) texts.push_back(r.negative_prompt);
  const at::Tensor embeds = prompts.encode_prompts(texts).prompt_embeds;

  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(r.seed);
  at::Tensor latents = at::randn(
      {1, vae.config().z_dim, (r.frames - 1) / 4 + 1, r.height / factor, r.width / factor},
      generator);
  std::unique_ptr<FlowScheduler> scheduler = make_flow_scheduler(r.scheduler, r.steps, r.shift);

  Progress progress("sampling", r.steps, "step");
  for (int64_t i = 0; i < r.steps; ++i) {
    const at::Tensor t = scheduler->timesteps()[i].to(at::kFloat).reshape({1});
    WanInputs in;
    in.hidden_states = latents;
    in.timestep = t;
    in.encoder_hidden_states = embeds.narrow(0, 0, 1);
    at::Tensor velocity = transformer.forward(in).sample;
    if (guided) {
      in.encoder_hidden_states = embeds.narrow(0, 1, 1);
      const at::Tensor uncond = transformer.forward(in).sample;
      velocity = uncond + r.guidance * (velocity - uncond);
    }
    latents = scheduler->step(velocity, i, latents);
    progress.advance();
  }
  progress.finish();

  const at::Tensor video = vae.decode(vae.denormalize(latents))[0];  // [3, F, H, W] in [-1, 1]
  return video.add(1.0)
      .mul(127.5)
      .round()
      .clamp(0, 255)
      .to(at::kByte)
      .permute({1, 2, 3, 0})
      .contiguous();
}

}  // namespace reel
