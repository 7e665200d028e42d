#include "app/validation_settings.h"

#include <nlohmann/json.hpp>

#include "app/option_reader.h"
#include "config/tsv_table.h"
#include "config/wan_flavour.h"
#include "core/error.h"
#include "core/log.h"
#include "data/text_embed_cache.h"
#include "models/component_path.h"
#include "models/wan/wan_transformer_loader.h"
#include "models/wan/wan_vae_loader.h"
#include "sample/video_size.h"

namespace reel {
namespace fs = std::filesystem;
namespace {

std::vector<ValidationPrompt> prompts_of(const OptionReader& o) {
  return validation_prompts(o.text("validation_prompt"), o.text("user_prompt_library"));
}

// The sampler validation_noise_scheduler names (spec/validation.md §2).
std::string scheduler_of(const OptionReader& o) {
  const std::string name = o.text("validation_noise_scheduler", "unipc");
  if (name == "unipc" || name == "dpm++") return name;
  if (name == "flow_matching" || name == "euler") return "euler-st";
  if (name == "euler_betas") return "euler-betas";
  log::warn("validation_noise_scheduler ", name,
            " is not a flow-matching sampler; Wan validation uses unipc");
  return "unipc";
}

std::vector<int64_t> skip_layers_of(const OptionReader& o) {
  std::vector<int64_t> layers;
  if (!o.has("validation_guidance_skip_layers")) return layers;
  for (const nlohmann::json& v : o.config().get_json("validation_guidance_skip_layers")) {
    try {
      layers.push_back(v.is_number_integer() ? v.get<int64_t>() : std::stoll(v.get<std::string>()));
    } catch (const std::exception&) {
      throw Error("validation_guidance_skip_layers entry " + v.dump() + " is not a block index")
          .key("validation_guidance_skip_layers")
          .hint("write a list of block numbers, e.g. [9]");
    }
  }
  return layers;
}

// min(81, validation_num_video_frames or 81), rounded down to 4k+1 (spec/validation.md §3).
int64_t frames_of(const OptionReader& o) {
  const int64_t asked = std::min<int64_t>(81, o.integer("validation_num_video_frames", 81));
  const int64_t frames = (std::max<int64_t>(asked, 1) - 1) / 4 * 4 + 1;
  if (frames != asked) {
    log::warn("validation_num_video_frames ", asked, " is not 4k+1; rendering ", frames, " frames");
  }
  return frames;
}

}  // namespace

std::vector<std::string> validation_texts(const LoadedConfig& config) {
  const OptionReader o(config);
  if (o.flag("validation_disable", false)) return {};
  std::vector<std::string> texts;
  for (const ValidationPrompt& p : prompts_of(o)) texts.push_back(p.prompt);
  if (!texts.empty()) texts.push_back(o.text("validation_negative_prompt"));
  return texts;
}

std::vector<std::pair<int64_t, int64_t>> parse_validation_resolutions(const std::string& text) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (std::string item : split_fields(text, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) continue;
    const auto size = parse_video_size(item);
    if (!size) {
      throw Error("validation resolution '" + item + "' is not WIDTHxHEIGHT or a square size")
          .key("validation_resolution")
          .hint("e.g. \"832x480\", \"480\" or \"832x480,480x832\"");
    }
    out.push_back(*size);
  }
  if (out.empty()) {
    throw Error("validation_resolution is empty").key("validation_resolution").hint("e.g. 832x480");
  }
  return out;
}

std::optional<ValidationRenderer> validation_renderer(const LoadedConfig& config,
                                                      const TrainerSettings& trainer,
                                                      const PrepareSettings& prepare,
                                                      const Preparation& prepared,
                                                      const DatasetConfigs& datasets) {
  const OptionReader o(config);
  if (o.flag("validation_disable", false)) {
    log::info("validation: off (validation_disable)");
    return std::nullopt;
  }
  const std::vector<ValidationPrompt> prompts = prompts_of(o);
  if (prompts.empty()) {
    log::info("validation: off (no validation_prompt or user_prompt_library)");
    return std::nullopt;
  }
  ValidationRenderSettings s;
  s.output_dir = trainer.output_dir;

  // The prompts were encoded into the default text-embed cache by the preparation.
  const DatasetConfig* text = datasets.default_text_embeds();
  if (!text) throw Error("no default text_embeds entry for the validation prompts");
  TextEmbedCacheSettings cache;
  cache.dir = text->cache_dir;
  cache.text_len = prepare.text_len;
  const TextEmbedCache embeds(cache);
  for (const ValidationPrompt& p : prompts) {
    s.prompts.push_back({p, embeds.load(p.prompt).prompt_embeds.unsqueeze(0)});
  }

  VideoRequest& r = s.request;
  r.steps = o.integer("validation_num_inference_steps", 30);
  r.guidance = o.number("validation_guidance", 7.5);
  if (r.guidance > 1.0) {
    s.negative_embeds =
        embeds.load(o.text("validation_negative_prompt")).prompt_embeds.unsqueeze(0);
  }
  r.frames = frames_of(o);
  r.shift = o.number("flow_schedule_shift", 3.0);
  r.scheduler = scheduler_of(o);
  r.seed = static_cast<uint64_t>(o.has("validation_seed") ? o.integer("validation_seed", 0)
                                                          : o.integer("seed", 0));
  r.compute_dtype = trainer.compute_dtype;
  r.skip_layers.layers = skip_layers_of(o);
  r.skip_layers.start = o.number("validation_guidance_skip_layers_start", 0.01);
  r.skip_layers.stop = o.number("validation_guidance_skip_layers_stop", 0.2);
  r.skip_layers.scale = o.number("validation_guidance_skip_scale", 2.8);
  r.skip_layers.mode = parse_skip_layer_mode(o.text("validation_guidance_skip_mode", "sd3"));
  s.resolutions = parse_validation_resolutions(o.text("validation_resolution", "256"));
  // Wan renders 16 fps; ST's registry default (15) is what its exporter never used.
  s.fps = config.source_of("framerate").kind == SourceKind::kDefault
              ? 16.0
              : static_cast<double>(o.integer("framerate", 16));
  if (o.flag("validation_preview", false)) {
    s.preview_steps = o.integer("validation_preview_steps", 1);
  }
  s.vae = prepare.encoders.vae;
  s.image_encoder = prepare.encoders.image_encoder;
  s.device = trainer.device;
  s.base_dtype = trainer.base_dtype;

  if (trainer.image_to_video) {
    // The first frame of the first training clip conditions every validation video.
    for (const DatasetPreparation& d : prepared.datasets) {
      if (d.error.empty() && !d.scan.samples.empty()) {
        s.condition_image = d.scan.samples.front().file.path;
        break;
      }
    }
    if (s.condition_image.empty()) throw Error("image-to-video validation needs a training clip");
    log::info("validation: conditioning on the first frame of ", s.condition_image.string());
  }

  const WanFlavour* flavour = find_wan_flavour(trainer.flavour);
  if (flavour && !flavour->stage.empty() && o.flag("wan_validation_load_other_stage", false)) {
    OtherExpert other;
    other.path = trainer.transformer;
    other.trained_is_high = flavour->stage == "high";
    other.subfolder = other.trained_is_high ? "transformer_2" : "transformer";
    other.boundary_ratio = o.number("wan_boundary_ratio", flavour->boundary_ratio.value_or(0.9));
    s.other_expert = other;
  }

  // Checked now, so that a size the model cannot make fails before training, not at step N.
  WanLoadOptions where;
  where.subfolder = trainer.transformer_subfolder;
  const int64_t patch = open_wan_checkpoint(trainer.transformer, where).config.patch_size[1];
  const ComponentPath vae = find_component(s.vae, "vae");
  const int64_t factor = vae.config.empty() ? 8 : read_wan_vae_config(vae.config).spatial_factor();
  log::info("validation: ", s.prompts.size(), " prompt(s) at ", s.resolutions.size(),
            " resolution(s), ", r.frames, " frames, ", r.steps, " steps, ", r.scheduler,
            " sampler, every ", o.integer("validation_step_interval", 100), " steps, into ",
            (s.output_dir / "validation").string());
  return ValidationRenderer(std::move(s), factor * patch);
}

ValidationHook validation_hook(const LoadedConfig& config, ValidationRenderer* renderer) {
  const OptionReader o(config);
  ValidationHook hook;
  if (!renderer) return hook;
  hook.every = o.integer("validation_step_interval", 100);
  hook.on_startup = o.flag("validation_on_startup", false) || !o.flag("disable_benchmark", false);
  hook.ema = parse_ema_validation(o.text("ema_validation", "comparison"));
  hook.render = [renderer](int64_t step, const WanTransformer& model, const std::string& suffix,
                           const ValidationPreviewSink& preview) {
    PreviewSink previews;
    if (preview) {
      previews = [&](const RenderedPreview& p) {
        preview({step, p.shortname, p.prompt,
                 std::to_string(p.width) + "x" + std::to_string(p.height), p.step, p.num_steps,
                 p.image});
      };
    }
    std::vector<WebhookValidationInfo> out;
    for (const RenderedVideo& v : renderer->render(step, model, suffix, previews)) {
      out.push_back({step, v.shortname, v.prompt, {v.sheet}, {v.video}});
    }
    return out;
  };
  return hook;
}

}  // namespace reel
