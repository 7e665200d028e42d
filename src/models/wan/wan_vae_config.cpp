// read_wan_vae_config: diffusers' AutoencoderKLWan config.json.
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_file.h"
#include "models/wan/wan_vae.h"

namespace reel {
namespace {

template <class T>
void read(const nlohmann::json& j, const char* key, T& out, const std::string& file) {
  if (!j.contains(key) || j.at(key).is_null()) return;
  try {
    out = j.at(key).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("bad value: ") + e.what()).file(file).key(key);
  }
}

}  // namespace

WanVaeConfig read_wan_vae_config(const std::filesystem::path& path) {
  const std::string file = path.string();
  const nlohmann::json j = read_json_object(path, "the VAE config");
  WanVaeConfig c;
  read(j, "base_dim", c.base_dim, file);
  read(j, "decoder_base_dim", c.decoder_base_dim, file);
  read(j, "z_dim", c.z_dim, file);
  read(j, "dim_mult", c.dim_mult, file);
  read(j, "num_res_blocks", c.num_res_blocks, file);
  read(j, "temperal_downsample", c.temperal_downsample, file);
  read(j, "is_residual", c.is_residual, file);
  read(j, "in_channels", c.in_channels, file);
  read(j, "out_channels", c.out_channels, file);
  read(j, "patch_size", c.patch_size, file);
  read(j, "scale_factor_temporal", c.scale_factor_temporal, file);
  read(j, "scale_factor_spatial", c.scale_factor_spatial, file);
  read(j, "latents_mean", c.latents_mean, file);
  read(j, "latents_std", c.latents_std, file);
  std::vector<double> attn;
  read(j, "attn_scales", attn, file);
  if (!attn.empty()) {
    throw Error("attention in the down/up blocks is not supported (attn_scales must be [])")
        .file(file)
        .key("attn_scales");
  }
  if (c.patch_size < 1) c.patch_size = 1;
  if (c.dim_mult.size() < 2 || c.temperal_downsample.size() + 1 != c.dim_mult.size()) {
    throw Error("dim_mult needs n >= 2 entries and temperal_downsample n - 1").file(file);
  }
  if (c.in_channels != 3 * c.patch_size * c.patch_size) {
    throw Error("in_channels " + std::to_string(c.in_channels) + " does not fit patch_size " +
                std::to_string(c.patch_size) + " of RGB frames")
        .file(file)
        .key("in_channels");
  }
  if (!c.latents_mean.empty() && static_cast<int64_t>(c.latents_mean.size()) != c.z_dim) {
    throw Error("latents_mean has " + std::to_string(c.latents_mean.size()) + " values for z_dim " +
                std::to_string(c.z_dim))
        .file(file)
        .key("latents_mean");
  }
  if (!c.latents_std.empty() && static_cast<int64_t>(c.latents_std.size()) != c.z_dim) {
    throw Error("latents_std has " + std::to_string(c.latents_std.size()) + " values for z_dim " +
                std::to_string(c.z_dim))
        .file(file)
        .key("latents_std");
  }
  return c;
}

}  // namespace reel
