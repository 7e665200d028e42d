// The Wan causal video VAE (Wan 2.1 and Wan 2.2), written as its maths over plain tensors named
// as in diffusers' AutoencoderKLWan:
//   [2.2: patchify 2x2] -> encoder (conv_in, down_blocks, mid_block, norm_out, conv_out)
//   -> quant_conv -> {mean, logvar}
//   latents -> post_quant_conv -> decoder (conv_in, mid_block, up_blocks, norm_out, conv_out)
//   [2.2: unpatchify] -> clamp(-1, 1)
// Time is causal: every 3-frame convolution sees the 2 frames before it, carried between chunks
// in a feature cache. Encoding runs frame 0 alone and then 4 frames at a time; decoding runs
// one latent frame at a time, so memory does not grow with the clip length (apart from the
// output). The first chunk is special (the temporal down/upsamplers pass it through), so the
// first latent of a video is the latent of its first frame alone.
//
// A freshly constructed model has the structure but no weights: load_wan_vae
// (wan_vae_loader.h) fills every parameter slot. Destroying the model frees its weights.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "models/parameter_slot.h"

namespace reel {

// The fields of diffusers' AutoencoderKLWan config.json, with its defaults (Wan 2.1).
struct WanVaeConfig {
  int64_t base_dim = 96;
  int64_t decoder_base_dim = 0;  // 0: base_dim
  int64_t z_dim = 16;
  std::vector<int64_t> dim_mult = {1, 2, 4, 4};
  int64_t num_res_blocks = 2;
  std::vector<bool> temperal_downsample = {false, true, true};
  bool is_residual = false;  // Wan 2.2: residual down/up blocks with AvgDown3D/DupUp3D
  int64_t in_channels = 3;   // after patchify (2.2: 12)
  int64_t out_channels = 3;
  int64_t patch_size = 1;  // 1: none (2.1); 2 (2.2)
  int64_t scale_factor_temporal = 4;
  int64_t scale_factor_spatial = 8;
  std::vector<float> latents_mean;  // z_dim values
  std::vector<float> latents_std;   // z_dim values

  int64_t decoder_dim() const { return decoder_base_dim > 0 ? decoder_base_dim : base_dim; }
  // Pixels per latent along H and W: 8 (2.1) or 16 (2.2).
  int64_t spatial_factor() const;
};

// Reads a diffusers vae/config.json; unknown keys (e.g. "clip_output") are ignored. Throws
// reel::Error naming the file and key for a bad value.
WanVaeConfig read_wan_vae_config(const std::filesystem::path& config_json);
// The released latents_mean / latents_std for z_dim 16 (Wan 2.1) or 48 (Wan 2.2); empty for
// other sizes.
std::vector<float> wan_vae_default_latents_mean(int64_t z_dim);
std::vector<float> wan_vae_default_latents_std(int64_t z_dim);
// "Wan 2.1 VAE (base_dim 96, z_dim 16)" and the like.
std::string describe_wan_vae_config(const WanVaeConfig& config);

// The raw posterior: the two channel halves of quant_conv's output, unclamped.
struct WanVaePosterior {
  at::Tensor mean;    // [B, z_dim, 1 + (F-1)/4, H/s, W/s]
  at::Tensor logvar;  // same
};

class WanVae {
 public:
  explicit WanVae(WanVaeConfig config);
  ~WanVae();
  WanVae(WanVae&&) noexcept;
  WanVae& operator=(WanVae&&) noexcept;

  const WanVaeConfig& config() const { return config_; }

  // Every weight, in a fixed order, by its diffusers name and expected shape.
  std::vector<ParameterSlot> parameters();
  // The official (Wan2.x_VAE.pth) name of a diffusers parameter name, by the naming rules;
  // empty when the name is not a parameter of this model.
  std::string official_name(const std::string& diffusers_name) const;

  // Fills every parameter with seeded random values (tests, benchmarks).
  void init_random(uint64_t seed);
  // Casts/moves every parameter.
  void to(at::Device device, at::ScalarType dtype);

  // video: [B, 3, F, H, W] in [-1, 1] with F = 4k + 1 and H, W multiples of spatial_factor();
  // anything else throws reel::Error saying which sizes are valid. Computes in the weights'
  // dtype; returns float32.
  WanVaePosterior encode(const at::Tensor& video) const;
  // (mean - latents_mean) * (1 / latents_std), per channel; and its inverse.
  at::Tensor normalize(const at::Tensor& latents) const;
  at::Tensor denormalize(const at::Tensor& latents) const;
  // latents (raw, not normalized): [B, z_dim, T, h, w] -> video [B, 3, 1 + 4 (T - 1),
  // h * s, w * s], clamped to [-1, 1]; decode_raw leaves out the clamp.
  at::Tensor decode(const at::Tensor& latents) const;
  at::Tensor decode_raw(const at::Tensor& latents) const;

 private:
  struct Layers;
  WanVaeConfig config_;
  std::unique_ptr<Layers> layers_;
};

}  // namespace reel
