#include "app/prepare_settings.h"
#include "app/option_reader.h"
#include "app/validation_settings.h"

#include <ATen/Context.h>

#include "config/wan_flavour.h"
#include "core/log.h"
#include "models/component_path.h"
#include "models/model_source.h"

namespace reel {

PrepareSettings prepare_settings(const LoadedConfig& c) {
  const OptionReader o(c);
  PrepareSettings s;
  const std::string base_key = "pretrained_model_name_or_path";
  const std::string base = o.text(base_key);
  auto source = [&](const std::string& key) {
    return o.has(key) ? resolve_model_source(o.text(key), key)
                      : resolve_model_source(base, base_key);
  };
  s.encoders.vae = source("pretrained_vae_model_name_or_path");
  s.encoders.text_encoder = source("pretrained_t5_model_name_or_path");
  s.encoders.tokenizer = s.encoders.text_encoder;

  const WanFlavour* flavour = find_wan_flavour(o.text("model_flavour", kDefaultWanFlavour));
  s.image_to_video = flavour && (flavour->kind == "i2v" || flavour->kind == "flf2v");
  if (flavour && flavour->needs_clip) {
    s.encoders.image_encoder =
        find_component(resolve_model_source(base, base_key), "image_encoder").weights;
  }

  s.compress = o.flag("compress_disk_cache", true);
  s.vae_batch_size = static_cast<int>(o.integer("vae_batch_size", 4));
  s.text_len = o.integer("tokenizer_max_length", 512);
  s.cache_dir = o.text("cache_dir", "cache");
  s.scan.aspect_bucket_alignment = static_cast<int>(o.integer("aspect_bucket_alignment", 32));
  s.scan.aspect_bucket_rounding = static_cast<int>(o.integer("aspect_bucket_rounding", 2));
  s.scan.seed = static_cast<uint64_t>(o.integer("seed", 0));
  s.scan.allow_dataset_oversubscription = o.flag("allow_dataset_oversubscription", false);
  s.scan.disable_bucket_pruning = o.flag("disable_bucket_pruning", false);
  s.gradient_accumulation_steps = o.integer("gradient_accumulation_steps", 1);
  s.extra_prompts = validation_texts(c);

  // The encoders run once per entry: on a GPU when there is one, with the text and image
  // encoders in bfloat16 as the official code runs them; the VAE stays float32 (latents are
  // what the whole run trains on).
  if (at::hasCUDA()) {
    s.device = at::Device(at::kCUDA, 0);
    s.text_dtype = at::kBFloat16;
  }
  log::info("caches: encoders on ", s.device.str(), ", VAE ", s.encoders.vae.string(),
            ", text encoder ", s.encoders.text_encoder.string());
  return s;
}

}  // namespace reel
