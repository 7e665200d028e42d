// Reading a WanConfig: from a diffusers `config.json` (WanTransformer3DModel), or inferred
// from the tensor shapes of a checkpoint that has none (an official / ComfyUI single file).
//
//   WanConfig c = read_wan_config("Wan2.1-T2V-1.3B-Diffusers/transformer/config.json");
//   WanConfig d = infer_wan_config(shapes);  // num_heads from the released sizes
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "models/checkpoint_layout.h"
#include "models/wan/wan_config.h"

namespace reel {

// Reads a diffusers transformer config.json. Unknown keys are ignored; a known key of the
// wrong type (or an impossible value) throws reel::Error naming the file and the key, and a
// "_class_name" other than WanTransformer3DModel throws too.
WanConfig read_wan_config(const std::filesystem::path& config_json);
// The same from the JSON text; `file` names it in errors.
WanConfig parse_wan_config(const std::string& json_text, const std::string& file);

// Infers the config from tensor names and shapes in either naming (official, ComfyUI-prefixed
// or diffusers): dim, in/out channels and patch size from patch_embedding and head.head,
// ffn_dim, text_dim, freq_dim, num_layers, qk_norm / cross_attn_norm from which norms exist,
// and the image branch from img_emb.*.
//
// The head count is not in any shape. `num_heads` wins when given; otherwise the released
// widths are recognised (1536 -> 12, 3072 -> 24, 5120 -> 40 heads of 128), and any other
// width throws reel::Error asking for num_heads. `file` names the checkpoint in errors.
WanConfig infer_wan_config(const std::vector<TensorShape>& tensors,
                           std::optional<int64_t> num_heads, const std::string& file);

// The number of attention heads of a released Wan width, nullopt for any other.
std::optional<int64_t> wan_known_num_heads(int64_t dim);

// The config as diffusers' config.json text (what read_wan_config reads back).
std::string wan_config_json(const WanConfig& config);

// "30 layers, dim 1536 (12 heads x 128), ffn 8960, in 16, out 16, text 4096, ...".
std::string describe_wan_config(const WanConfig& config);

bool operator==(const WanConfig& a, const WanConfig& b);
inline bool operator!=(const WanConfig& a, const WanConfig& b) {
  return !(a == b);
}

}  // namespace reel
