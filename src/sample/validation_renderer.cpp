#include "sample/validation_renderer.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <map>

#include "core/error.h"
#include "core/log.h"
#include "media/image_encoder.h"
#include "media/video_decoder.h"
#include "media/video_encoder.h"
#include "models/component_path.h"
#include "models/vision/clip_vision_loader.h"
#include "models/wan/wan_transformer_loader.h"
#include "models/wan/wan_vae.h"
#include "models/wan/wan_vae_loader.h"
#include "sample/contact_sheet.h"
#include "sample/latent_preview.h"

namespace reel {
namespace fs = std::filesystem;

struct ValidationRenderer::Models {
  std::optional<WanVae> vae;
  std::optional<ClipVisionModel> clip;
  ClipPreprocessConfig clip_config;
  std::optional<WanTransformer> other;
  std::optional<LatentPreview> preview;
  // Image-to-video: the condition of each (width, height), the same for every prompt and step.
  std::map<std::pair<int64_t, int64_t>, ImageCondition> conditions;
};

ValidationRenderer::ValidationRenderer(ValidationRenderSettings settings, int64_t multiple)
    : s_(std::move(settings)), models_(std::make_unique<Models>()) {
  if (s_.resolutions.empty()) throw Error("no validation resolution").key("validation_resolution");
  for (const auto& [w, h] : s_.resolutions) {
    VideoRequest r = s_.request;
    r.width = w;
    r.height = h;
    try {
      check_video_request(r, multiple);
    } catch (Error& e) {
      throw e.key(e.key() == "frames"  ? "validation_num_video_frames"
                  : e.key() == "steps" ? "validation_num_inference_steps"
                                       : "validation_resolution");
    }
  }
}

ValidationRenderer::~ValidationRenderer() = default;
ValidationRenderer::ValidationRenderer(ValidationRenderer&&) noexcept = default;

fs::path ValidationRenderer::step_dir(int64_t step) const {
  return s_.output_dir / "validation" / ("step-" + std::to_string(step));
}

std::vector<RenderedVideo> ValidationRenderer::render(int64_t step, const WanTransformer& model,
                                                      const std::string& suffix,
                                                      const PreviewSink& on_preview) {
  c10::InferenceMode no_grad;
  Models& m = *models_;
  if (!m.vae) m.vae.emplace(load_wan_vae(s_.vae, at::kFloat, s_.device));
  if (!s_.image_encoder.empty() && !m.clip) {
    ClipVisionLoadOptions o;
    o.device = s_.device;
    m.clip.emplace(load_clip_vision(s_.image_encoder, o));
    m.clip_config = clip_preprocess_config_for(s_.image_encoder, *m.clip);
  }
  if (s_.other_expert && !m.other) {
    WanLoadOptions o;
    o.dtype = s_.base_dtype;
    o.device = s_.device;
    o.subfolder = s_.other_expert->subfolder;
    m.other.emplace(load_wan_transformer(s_.other_expert->path, o));
  }
  if (s_.preview_steps > 0 && !m.preview) m.preview.emplace(LatentPreview::fit(*m.vae, s_.device));

  Denoisers denoisers{&model};
  VideoRequest base = s_.request;
  base.latent_factor = m.vae->config().spatial_factor();
  if (s_.other_expert) {
    const OtherExpert& o = *s_.other_expert;
    denoisers.boundary_ratio = o.boundary_ratio;
    denoisers.transformer = o.trained_is_high ? &model : &*m.other;
    denoisers.transformer_2 = o.trained_is_high ? &*m.other : &model;
    // `guidance` drives the high-noise expert, `guidance_2` the low-noise one.
    base.guidance_2 = o.trained_is_high ? o.guidance : s_.request.guidance;
    if (!o.trained_is_high) base.guidance = o.guidance;
  }

  const at::Tensor negative =
      s_.negative_embeds.defined() ? s_.negative_embeds.to(s_.device) : at::Tensor();
  const fs::path dir = step_dir(step);
  fs::create_directories(dir);
  std::vector<RenderedVideo> out;
  for (const EncodedPrompt& p : s_.prompts) {
    for (const auto& [w, h] : s_.resolutions) {
      VideoRequest r = base;
      r.width = w;
      r.height = h;
      std::string name = p.prompt.shortname;
      if (s_.resolutions.size() > 1) name += "_" + std::to_string(w) + "x" + std::to_string(h);
      name += suffix;

      const ImageCondition* condition = nullptr;
      if (!s_.condition_image.empty()) {
        auto it = m.conditions.find({w, h});
        if (it == m.conditions.end()) {
          const at::Tensor image =
              decode_first_frame(s_.condition_image, static_cast<int>(w), static_cast<int>(h));
          it = m.conditions
                   .emplace(std::pair{w, h},
                            encode_image_condition(*m.vae, image, r.frames, s_.device,
                                                   m.clip ? &*m.clip : nullptr, &m.clip_config))
                   .first;
        }
        condition = &it->second;
      }

      StepObserver observer;
      if (m.preview) {
        observer = [&, w = w, h = h](int64_t i, const at::Tensor& latents) {
          if (i != 0 && (i + 1) % s_.preview_steps != 0) return;
          RenderedPreview pv{p.prompt.shortname, p.prompt.prompt, w, h, i + 1, r.steps, {}};
          fs::create_directories(dir / "previews");
          pv.image = dir / "previews" /
                     (name + "-" + std::to_string(i + 1) + "of" + std::to_string(r.steps) + ".png");
          write_png(pv.image, contact_sheet(m.preview->frames(latents)));
          if (on_preview) on_preview(pv);
        };
      }
      log::info("validation: rendering '", name, "' ", w, "x", h, ", ", r.frames, " frames, ",
                r.steps, " steps");
      const at::Tensor latents = sample_video_latents(denoisers, {p.embeds.to(s_.device), negative},
                                                      condition, r, observer);
      const at::Tensor frames = decode_video(*m.vae, latents);

      RenderedVideo v{p.prompt.shortname,    p.prompt.prompt,      w, h,
                      dir / (name + ".mp4"), dir / (name + ".png")};
      EncodeOptions encode;
      encode.fps = s_.fps;
      encode_mp4(v.video, frames, encode);
      write_png(v.sheet, contact_sheet(frames));
      out.push_back(std::move(v));
    }
  }
  log::info("validation: step ", step, " written to ", dir.string());
  return out;
}

}  // namespace reel
