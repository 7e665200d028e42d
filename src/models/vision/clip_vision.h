// The CLIP ViT image encoder that Wan 2.1 I2V (and FLF2V) conditions on, written as its maths
// over plain tensors named as in transformers' CLIPVisionModelWithProjection:
//   embeddings (patch conv without bias, class token, position embedding) -> pre_layrnorm ->
//   encoder.layers[i] (pre-LN: x + attn(layer_norm1(x)); x + mlp(layer_norm2(x))) ->
//   post_layernorm -> visual_projection.
// Wan consumes the penultimate hidden state (hidden_states[-2]: the output of all layers but
// the last, class token included, without post_layernorm): [B, 257, 1280] for ViT-H/14. The
// official Wan code (clip.py, use_31_block=True) and diffusers' I2V pipeline
// (hidden_states[-2]) compute the same tensor.
// A freshly constructed model has the structure but no weights: the loader
// (clip_vision_loader.h) or init_random fills every parameter slot.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "models/parameter_slot.h"
#include "nn/linear.h"

namespace reel {

struct ClipVisionConfig {
  int64_t hidden_size = 1280;  // width
  int64_t intermediate_size = 5120;
  int64_t num_hidden_layers = 32;
  int64_t num_attention_heads = 16;
  int64_t num_channels = 3;
  int64_t image_size = 224;
  int64_t patch_size = 14;
  int64_t projection_dim = 1024;
  // "gelu" (exact erf: Wan's open-clip ViT-H/14) or "quick_gelu" (x * sigmoid(1.702 x):
  // OpenAI CLIP checkpoints).
  std::string hidden_act = "gelu";
  double layer_norm_eps = 1e-5;
  // Whether the model has visual_projection.weight (CLIPVisionModelWithProjection); Wan does
  // not use it, and a CLIPVisionModel file has none.
  bool with_projection = true;

  int64_t num_patches() const { return (image_size / patch_size) * (image_size / patch_size); }
  int64_t tokens() const { return num_patches() + 1; }
  int64_t head_dim() const { return hidden_size / num_attention_heads; }
};

// Reads a transformers config.json: a CLIPVisionConfig ("model_type": "clip_vision_model"),
// or a full CLIPConfig whose "vision_config" is used. Unknown keys are ignored; a missing key
// keeps the default above (transformers' own defaults differ: say every key that matters).
// Throws reel::Error naming the file when it cannot be read or a value is invalid.
ClipVisionConfig read_clip_vision_config(const std::filesystem::path& config_json);
// Throws reel::Error when sizes do not divide (image by patch, width by heads) or are <= 0.
void validate_clip_vision_config(const ClipVisionConfig& config, const std::string& where = {});
std::string describe_clip_vision_config(const ClipVisionConfig& config);

struct ClipVisionOutputs {
  at::Tensor penultimate_hidden_state;  // [B, tokens, width]: hidden_states[-2]
  // With ClipVisionRunOptions::all_hidden_states: num_hidden_layers + 1 entries, entry 0 the
  // embeddings after pre_layrnorm, entry i the output of layer i. Empty otherwise.
  std::vector<at::Tensor> hidden_states;
  // With ClipVisionRunOptions::image_embeds and a projection: visual_projection(
  // post_layernorm(last hidden state's class token)), [B, projection_dim].
  at::Tensor image_embeds;
};

struct ClipVisionRunOptions {
  // Run the last layer too and return every hidden state. Without it (and without
  // image_embeds) the last layer, whose output Wan never uses, is skipped.
  bool all_hidden_states = false;
  bool image_embeds = false;
  at::ScalarType compute_dtype = at::kFloat;  // LayerNorms always run in float32
};

class ClipVisionModel {
 public:
  explicit ClipVisionModel(ClipVisionConfig config);
  ~ClipVisionModel();
  ClipVisionModel(ClipVisionModel&&) noexcept;
  ClipVisionModel& operator=(ClipVisionModel&&) noexcept;

  const ClipVisionConfig& config() const { return config_; }

  // Every weight, in a fixed order, by its transformers name ("vision_model.encoder.layers.0.
  // self_attn.q_proj.weight", "visual_projection.weight") and expected shape.
  std::vector<ParameterSlot> parameters();

  // Fills every parameter with seeded random values (tests).
  void init_random(uint64_t seed, at::ScalarType dtype = at::kFloat);
  void to(at::Device device, at::ScalarType dtype);

  // pixel_values: [B, num_channels, image_size, image_size], already normalised
  // (clip_image_preprocess.h). Throws reel::Error for another shape or before loading.
  // Results are float32.
  ClipVisionOutputs forward(const at::Tensor& pixel_values,
                            const ClipVisionRunOptions& run = {}) const;

 private:
  struct Layers;
  ClipVisionConfig config_;
  std::unique_ptr<Layers> layers_;
};

}  // namespace reel
