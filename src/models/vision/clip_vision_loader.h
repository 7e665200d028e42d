// Loading the CLIP vision encoder from whatever the user points at, detected by tensor names:
//   - transformers naming (`vision_model.*`, optional `visual_projection.weight`): a
//     CLIPVisionModel(WithProjection) folder (config.json + safetensors, e.g. a diffusers
//     pipeline's image_encoder/), a pipeline folder with image_encoder/, or a single
//     .safetensors (the config.json beside it, else the config is inferred from the shapes);
//     text_model.*, text_projection and logit_scale of a full CLIPModel are ignored.
//   - official Wan naming (`visual.*` of models_clip_open-clip-xlm-roberta-large-vit-huge-
//     14.pth converted to safetensors): `to_qkv` is split into q/k/v (rows [0,D), [D,2D),
//     [2D,3D)), `head` [D,P] is transposed into visual_projection.weight [P,D]; textual.* and
//     log_scale are ignored. The config is inferred from the shapes; heads can't be, so they
//     come from options.num_heads, else head_dim 80 (ViT-H/14: 1280 / 16) is assumed.
// Weights that match the slots exactly are used as they are (views of the mapping on CPU in
// the stored dtype); missing, unexpected or mis-shaped tensors are reported together in one
// reel::Error naming the checkpoint.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "models/vision/clip_image_preprocess.h"
#include "models/vision/clip_vision.h"

namespace reel {

struct ClipVisionLoadOptions {
  at::ScalarType dtype = at::kFloat;
  at::Device device = at::kCPU;
  // Heads of a checkpoint without config.json (always the official file).
  std::optional<int64_t> num_heads;
};

// Loads and returns the model; logs what was loaded. Throws reel::Error as described above.
ClipVisionModel load_clip_vision(const std::filesystem::path& path,
                                 const ClipVisionLoadOptions& options = {});

// How the images for `model` (loaded from `image_encoder`, a pipeline's image_encoder folder
// or file) are preprocessed: the image_processor/preprocessor_config.json beside it when there
// is one, else the defaults at the model's image_size. Throws reel::Error for a config that
// cannot be read.
ClipPreprocessConfig clip_preprocess_config_for(const std::filesystem::path& image_encoder,
                                                const ClipVisionModel& model);

// The name map, exposed for tests and converters: an official `visual.*` name (without the
// prefix, e.g. "transformer.3.mlp.0.weight") -> transformers name(s). to_qkv maps to three
// names (q, k, v); everything else to one. Empty for a name that is not a vision weight.
std::vector<std::string> clip_official_to_transformers(const std::string& official_name);

}  // namespace reel
