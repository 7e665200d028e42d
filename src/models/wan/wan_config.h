// The shape of a Wan transformer: diffusers' WanTransformer3DModel config, whose key names
// these fields keep. Read from a diffusers config.json or inferred from the tensor shapes of
// a single-file checkpoint (wan_transformer_loader.h).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace reel {

struct WanConfig {
  int64_t in_channels = 16;  // 16 T2V, 36 I2V (noisy 16 + mask 4 + condition 16), 48 TI2V
  int64_t out_channels = 16;
  int64_t num_attention_heads = 12;
  int64_t attention_head_dim = 128;
  int64_t ffn_dim = 8960;
  int64_t freq_dim = 256;
  int64_t text_dim = 4096;
  int64_t num_layers = 30;
  std::array<int64_t, 3> patch_size = {1, 2, 2};
  double eps = 1e-6;
  bool cross_attn_norm = true;
  std::string qk_norm = "rms_norm_across_heads";
  std::optional<int64_t> image_dim;          // 1280 for Wan 2.1 I2V (CLIP image branch)
  std::optional<int64_t> added_kv_proj_dim;  // = dim when the image branch exists
  int64_t rope_max_seq_len = 1024;
  std::optional<int64_t> pos_embed_seq_len;  // first-last-frame models only; not supported

  int64_t dim() const { return num_attention_heads * attention_head_dim; }
  bool has_image_branch() const { return image_dim.has_value(); }
};

}  // namespace reel
