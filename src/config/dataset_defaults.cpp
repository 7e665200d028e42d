#include "config/dataset_defaults.h"

namespace reel {
namespace {

template <class T, class Get>
void take(const LoadedConfig& c, const char* key, T& out, Get get) {
  if (c.is_set(key)) out = (c.*get)(key);
}

void take_optional(const LoadedConfig& c, const char* key, std::optional<double>& out) {
  if (c.is_set(key)) out = c.get_double(key);
}

}  // namespace

DatasetDefaults dataset_defaults(const LoadedConfig& c) {
  DatasetDefaults d;
  take(c, "resolution", d.resolution, &LoadedConfig::get_double);
  if (c.is_set("resolution_type")) {
    for (auto t : {ResolutionType::kPixel, ResolutionType::kArea, ResolutionType::kPixelArea}) {
      if (c.get_string("resolution_type") == to_string(t)) d.resolution_type = t;
    }
  }
  if (c.is_set("train_batch_size"))
    d.train_batch_size = static_cast<int>(c.get_int("train_batch_size"));
  if (c.is_set("framerate")) d.framerate = static_cast<int>(c.get_int("framerate"));
  take_optional(c, "minimum_image_size", d.minimum_image_size);
  take(c, "cache_dir", d.cache_dir, &LoadedConfig::get_string);
  take(c, "cache_dir_text", d.cache_dir_text, &LoadedConfig::get_string);
  take(c, "cache_dir_vae", d.cache_dir_vae, &LoadedConfig::get_string);
  take(c, "output_dir", d.output_dir, &LoadedConfig::get_string);
  take(c, "model_family", d.model_family, &LoadedConfig::get_string);
  take(c, "model_flavour", d.model_flavour, &LoadedConfig::get_string);
  take(c, "delete_problematic_images", d.delete_problematic_images, &LoadedConfig::get_bool);
  take(c, "vae_cache_ondemand", d.vae_cache_ondemand, &LoadedConfig::get_bool);
  take(c, "vae_cache_disable", d.vae_cache_disable, &LoadedConfig::get_bool);
  return d;
}

}  // namespace reel
