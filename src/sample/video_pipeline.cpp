#include "sample/video_pipeline.h"

#include <ATen/ATen.h>

#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>
#include <algorithm>

#include "core/error.h"
#include "core/progress.h"
#include "core/shape_text.h"
#include "models/vision/clip_image_preprocess.h"
#include "models/vision/clip_vision.h"
#include "models/wan/wan_i2v_inputs.h"
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

at::Tensor sample_video_latents(const Denoisers& d, const PromptEmbeds& prompts,
                                const ImageCondition* condition, const VideoRequest& r,
                                const StepObserver& on_step) {
  if (!d.transformer) throw Error("sampling needs a transformer");
  const bool guided = r.guidance > 1.0 || (d.transformer_2 && r.guidance_2 > 1.0);
  if (guided && !prompts.negative.defined()) {
    throw Error("classifier-free guidance needs a negative prompt embedding");
  }
  c10::InferenceMode no_grad;
  const at::Device device = prompts.prompt.device();
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(r.seed);
  at::Tensor latents = at::randn({1, d.transformer->config().out_channels, (r.frames - 1) / 4 + 1,
                                  r.height / r.latent_factor, r.width / r.latent_factor},
                                 generator)
                           .to(device);
  if (condition && condition->latents.defined() && condition->latents.sizes() != latents.sizes()) {
    throw Error("the image condition's latents " + shape_text(condition->latents.sizes()) +
                " do not match the video's " + shape_text(latents.sizes()));
  }
  std::unique_ptr<FlowScheduler> scheduler = make_flow_scheduler(r.scheduler, r.steps, r.shift);
  const double boundary = d.boundary_ratio * 1000.0;

  WanRunOptions run;
  run.compute_dtype = r.compute_dtype;
  Progress progress("sampling", r.steps, "step");
  for (int64_t i = 0; i < r.steps; ++i) {
    // The expert is chosen on the host copy of the timestep: no device sync per step.
    const at::Tensor t_host = scheduler->timesteps()[i].to(at::kFloat).reshape({1});
    const bool high = !d.transformer_2 || t_host.item<double>() >= boundary;
    const WanTransformer& model = high ? *d.transformer : *d.transformer_2;
    const double guidance = high || r.guidance_2 <= 0 ? r.guidance : r.guidance_2;

    WanInputs in;
    in.hidden_states = condition && condition->latents.defined()
                           ? image_to_video_hidden_states(latents, condition->latents)
                           : latents;
    in.timestep = t_host.to(device);
    if (condition) in.encoder_hidden_states_image = condition->image_embeds;
    auto pass = [&](const at::Tensor& text, std::vector<int64_t> skip) {
      in.encoder_hidden_states = text;
      run.skip_blocks = std::move(skip);
      return model.forward(in, run).sample;
    };

    const GuidancePasses passes = guidance_passes(r.skip_layers, i, r.steps);
    const at::Tensor cond = pass(prompts.prompt, {});
    at::Tensor uncond, cond_skip;
    if (guidance > 1.0) {
      uncond = pass(prompts.negative, passes.uncond_skip);
      if (passes.skip_pass) cond_skip = pass(prompts.prompt, r.skip_layers.layers);
    }
    const at::Tensor velocity = combine_guidance(cond, uncond, cond_skip, guidance, r.skip_layers);
    latents = scheduler->step(velocity, i, latents);
    if (on_step) on_step(i, latents);
    progress.advance();
  }
  progress.finish();
  return latents;
}

at::Tensor decode_video(const WanVae& vae, const at::Tensor& latents) {
  c10::InferenceMode no_grad;
  const at::Tensor video = vae.decode(vae.denormalize(latents))[0];  // [3, F, H, W] in [-1, 1]
  return video.add(1.0)
      .mul(127.5)
      .round()
      .clamp(0, 255)
      .to(at::kByte)
      .permute({1, 2, 3, 0})
      .to(at::kCPU)
      .contiguous();
}

ImageCondition encode_image_condition(const WanVae& vae, const at::Tensor& image, int64_t frames,
                                      at::Device device, const ClipVisionModel* clip,
                                      const ClipPreprocessConfig* clip_config) {
  if (image.scalar_type() != at::kByte || image.dim() != 3 || image.size(2) != 3) {
    throw Error("the conditioning image must be uint8 [H, W, 3]");
  }
  c10::InferenceMode no_grad;
  ImageCondition c;
  // [image, mid-grey...] in [-1, 1], as the I2V pipelines build it.
  const at::Tensor first = image.permute({2, 0, 1}).to(at::kFloat).div(127.5).sub(1.0);
  at::Tensor video = at::zeros({1, 3, frames, image.size(0), image.size(1)});
  video.select(2, 0).copy_(first.unsqueeze(0));
  c.latents = vae.normalize(vae.encode(video.to(device)).mean);
  if (clip) {
    const ClipPreprocessConfig config = clip_config ? *clip_config : ClipPreprocessConfig{};
    const at::Tensor pixels = clip_preprocess({image}, kDefaultClipRoute, config);
    c.image_embeds = clip->forward(pixels.to(device)).penultimate_hidden_state;
  }
  return c;
}

}  // namespace reel
