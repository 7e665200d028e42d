#include "models/vision/clip_vision.h"
#include "core/json_file.h"

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <cmath>

#include "core/error.h"
#include "nn/attention.h"
#include "nn/layer_norm.h"

namespace fs = std::filesystem;

namespace reel {

// ---------------------------------------------------------------------------------------------
// Config

namespace {

template <typename T>
void read_key(const nlohmann::json& j, const char* key, T& out, const fs::path& file) {
  if (!j.contains(key) || j[key].is_null()) return;
  try {
    out = j[key].get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("invalid value for '") + key + "': " + e.what())
        .file(file.string())
        .key(key);
  }
}

}  // namespace

ClipVisionConfig read_clip_vision_config(const fs::path& config_json) {
  nlohmann::json j = read_json_object(config_json, "the CLIP vision config");
  if (j.contains("vision_config") && j["vision_config"].is_object()) j = j["vision_config"];
  ClipVisionConfig c;
  read_key(j, "hidden_size", c.hidden_size, config_json);
  read_key(j, "intermediate_size", c.intermediate_size, config_json);
  read_key(j, "num_hidden_layers", c.num_hidden_layers, config_json);
  read_key(j, "num_attention_heads", c.num_attention_heads, config_json);
  read_key(j, "num_channels", c.num_channels, config_json);
  read_key(j, "image_size", c.image_size, config_json);
  read_key(j, "patch_size", c.patch_size, config_json);
  read_key(j, "projection_dim", c.projection_dim, config_json);
  read_key(j, "hidden_act", c.hidden_act, config_json);
  read_key(j, "layer_norm_eps", c.layer_norm_eps, config_json);
  validate_clip_vision_config(c, config_json.string());
  return c;
}

void validate_clip_vision_config(const ClipVisionConfig& c, const std::string& where) {
  auto fail = [&](const std::string& what) {
    Error e("invalid CLIP vision config: " + what);
    if (!where.empty()) e.file(where);
    throw e;
  };
  if (c.hidden_size <= 0 || c.intermediate_size <= 0 || c.num_hidden_layers <= 0 ||
      c.num_attention_heads <= 0 || c.num_channels <= 0 || c.image_size <= 0 || c.patch_size <= 0) {
    fail("every size must be positive (" + describe_clip_vision_config(c) + ")");
  }
  if (c.with_projection && c.projection_dim <= 0) fail("projection_dim must be positive");
  if (c.image_size % c.patch_size != 0) fail("image_size is not a multiple of patch_size");
  if (c.hidden_size % c.num_attention_heads != 0) {
    fail("hidden_size is not a multiple of num_attention_heads");
  }
  if (c.hidden_act != "gelu" && c.hidden_act != "quick_gelu") {
    fail("hidden_act '" + c.hidden_act + "' is not supported (gelu, quick_gelu)");
  }
}

std::string describe_clip_vision_config(const ClipVisionConfig& c) {
  return "CLIP ViT width " + std::to_string(c.hidden_size) + ", " +
         std::to_string(c.num_hidden_layers) + " layers, " + std::to_string(c.num_attention_heads) +
         " heads, mlp " + std::to_string(c.intermediate_size) + ", image " +
         std::to_string(c.image_size) + ", patch " + std::to_string(c.patch_size) + ", " +
         c.hidden_act +
         (c.with_projection ? ", projection " + std::to_string(c.projection_dim)
                            : ", no projection");
}

// ---------------------------------------------------------------------------------------------
// Model

struct ClipVisionModel::Layers {
  struct Block {
    nn::LayerNorm layer_norm1, layer_norm2;
    nn::Linear q_proj, k_proj, v_proj, out_proj;
    nn::Linear fc1, fc2;
  };
  at::Tensor class_embedding;     // [D]
  at::Tensor patch_embedding;     // [D, C, p, p]
  at::Tensor position_embedding;  // [T, D]
  nn::LayerNorm pre_layrnorm, post_layernorm;
  std::vector<Block> blocks;
  nn::Linear visual_projection;  // [P, D], no bias
};

ClipVisionModel::ClipVisionModel(ClipVisionConfig config)
    : config_(std::move(config)), layers_(std::make_unique<Layers>()) {
  validate_clip_vision_config(config_);
  const double eps = config_.layer_norm_eps;
  layers_->pre_layrnorm.eps = eps;
  layers_->post_layernorm.eps = eps;
  layers_->blocks.resize(static_cast<size_t>(config_.num_hidden_layers));
  for (auto& b : layers_->blocks) {
    b.layer_norm1.eps = eps;
    b.layer_norm2.eps = eps;
  }
}

ClipVisionModel::~ClipVisionModel() = default;
ClipVisionModel::ClipVisionModel(ClipVisionModel&&) noexcept = default;
ClipVisionModel& ClipVisionModel::operator=(ClipVisionModel&&) noexcept = default;

std::vector<ParameterSlot> ClipVisionModel::parameters() {
  const int64_t D = config_.hidden_size, M = config_.intermediate_size;
  const int64_t C = config_.num_channels, p = config_.patch_size;
  Layers& l = *layers_;
  std::vector<ParameterSlot> s;
  const std::string e = "vision_model.embeddings.";
  s.push_back({e + "class_embedding", {D}, &l.class_embedding});
  s.push_back({e + "patch_embedding.weight", {D, C, p, p}, &l.patch_embedding});
  s.push_back({e + "position_embedding.weight", {config_.tokens(), D}, &l.position_embedding});
  s.push_back({"vision_model.pre_layrnorm.weight", {D}, &l.pre_layrnorm.weight});
  s.push_back({"vision_model.pre_layrnorm.bias", {D}, &l.pre_layrnorm.bias});
  for (size_t i = 0; i < l.blocks.size(); ++i) {
    Layers::Block& b = l.blocks[i];
    const std::string n = "vision_model.encoder.layers." + std::to_string(i) + ".";
    s.push_back({n + "layer_norm1.weight", {D}, &b.layer_norm1.weight});
    s.push_back({n + "layer_norm1.bias", {D}, &b.layer_norm1.bias});
    s.push_back({n + "self_attn.q_proj.weight", {D, D}, &b.q_proj.weight});
    s.push_back({n + "self_attn.q_proj.bias", {D}, &b.q_proj.bias});
    s.push_back({n + "self_attn.k_proj.weight", {D, D}, &b.k_proj.weight});
    s.push_back({n + "self_attn.k_proj.bias", {D}, &b.k_proj.bias});
    s.push_back({n + "self_attn.v_proj.weight", {D, D}, &b.v_proj.weight});
    s.push_back({n + "self_attn.v_proj.bias", {D}, &b.v_proj.bias});
    s.push_back({n + "self_attn.out_proj.weight", {D, D}, &b.out_proj.weight});
    s.push_back({n + "self_attn.out_proj.bias", {D}, &b.out_proj.bias});
    s.push_back({n + "layer_norm2.weight", {D}, &b.layer_norm2.weight});
    s.push_back({n + "layer_norm2.bias", {D}, &b.layer_norm2.bias});
    s.push_back({n + "mlp.fc1.weight", {M, D}, &b.fc1.weight});
    s.push_back({n + "mlp.fc1.bias", {M}, &b.fc1.bias});
    s.push_back({n + "mlp.fc2.weight", {D, M}, &b.fc2.weight});
    s.push_back({n + "mlp.fc2.bias", {D}, &b.fc2.bias});
  }
  s.push_back({"vision_model.post_layernorm.weight", {D}, &l.post_layernorm.weight});
  s.push_back({"vision_model.post_layernorm.bias", {D}, &l.post_layernorm.bias});
  if (config_.with_projection) {
    s.push_back(
        {"visual_projection.weight", {config_.projection_dim, D}, &l.visual_projection.weight});
  }
  return s;
}

void ClipVisionModel::init_random(uint64_t seed, at::ScalarType dtype) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  for (ParameterSlot& slot : parameters()) {
    const bool norm = slot.name.find("norm") != std::string::npos;
    at::Tensor t = at::randn(slot.shape, gen, at::TensorOptions().dtype(at::kFloat));
    if (norm && slot.name.size() > 7 &&
        slot.name.compare(slot.name.size() - 7, 7, ".weight") == 0) {
      t = 1.0 + 0.1 * t;
    } else if (norm) {
      t = 0.1 * t;
    } else if (slot.shape.size() >= 2) {
      int64_t fan_in = 1;
      for (size_t i = 1; i < slot.shape.size(); ++i) fan_in *= slot.shape[i];
      t = t / std::sqrt(static_cast<double>(fan_in));
    } else {
      t = 0.1 * t;
    }
    *slot.tensor = t.to(dtype);
  }
}

void ClipVisionModel::to(at::Device device, at::ScalarType dtype) {
  for (ParameterSlot& slot : parameters()) {
    if (slot.tensor->defined()) *slot.tensor = slot.tensor->to(device, dtype);
  }
}

ClipVisionOutputs ClipVisionModel::forward(const at::Tensor& pixel_values,
                                           const ClipVisionRunOptions& run) const {
  const ClipVisionConfig& c = config_;
  const Layers& l = *layers_;
  if (!l.patch_embedding.defined()) {
    throw Error("the CLIP vision model has no weights").hint("load it first");
  }
  if (pixel_values.dim() != 4 || pixel_values.size(1) != c.num_channels ||
      pixel_values.size(2) != c.image_size || pixel_values.size(3) != c.image_size) {
    std::string got = "[";
    for (int64_t i = 0; i < pixel_values.dim(); ++i) {
      got += (i ? ", " : "") + std::to_string(pixel_values.size(i));
    }
    throw Error("CLIP pixel_values must be [B, " + std::to_string(c.num_channels) + ", " +
                std::to_string(c.image_size) + ", " + std::to_string(c.image_size) + "], got " +
                got + "]")
        .hint("preprocess the images with clip_image_preprocess.h");
  }
  const at::ScalarType dt = run.compute_dtype;
  const int64_t B = pixel_values.size(0), D = c.hidden_size;
  const int64_t H = c.num_attention_heads, hd = c.head_dim();

  // Embeddings: patch conv (no bias) -> [B, N, D]; class token first; + positions.
  const at::Tensor x_in = pixel_values.to(l.patch_embedding.device(), dt);
  at::Tensor patches = at::conv2d(x_in, l.patch_embedding.to(dt), {}, {c.patch_size, c.patch_size});
  patches = patches.flatten(2).transpose(1, 2);  // [B, N, D]
  at::Tensor cls = l.class_embedding.to(dt).view({1, 1, D}).expand({B, 1, D});
  at::Tensor h = at::cat({cls, patches}, 1) + l.position_embedding.to(dt).unsqueeze(0);
  h = l.pre_layrnorm(h).to(dt);

  ClipVisionOutputs out;
  if (run.all_hidden_states) out.hidden_states.push_back(h.to(at::kFloat));
  const int64_t n_layers = c.num_hidden_layers;
  const int64_t run_layers = (run.all_hidden_states || run.image_embeds) ? n_layers : n_layers - 1;
  // hidden_states[-2] is the embeddings themselves for a one-layer model.
  if (n_layers == 1) out.penultimate_hidden_state = h.to(at::kFloat);

  const int64_t T = h.size(1);
  for (int64_t i = 0; i < run_layers; ++i) {
    const Layers::Block& b = l.blocks[static_cast<size_t>(i)];
    at::Tensor a = b.layer_norm1(h).to(dt);
    auto heads = [&](const at::Tensor& t) { return t.view({B, T, H, hd}).transpose(1, 2); };
    at::Tensor q = heads(b.q_proj(a)), k = heads(b.k_proj(a)), v = heads(b.v_proj(a));
    at::Tensor o = nn::attention(q, k, v).transpose(1, 2).reshape({B, T, D});
    h = h + b.out_proj(o);
    at::Tensor m = b.fc1(b.layer_norm2(h).to(dt));
    m = c.hidden_act == "quick_gelu" ? m * at::sigmoid(1.702 * m) : at::gelu(m);
    h = h + b.fc2(m);
    if (run.all_hidden_states) out.hidden_states.push_back(h.to(at::kFloat));
    if (i == n_layers - 2) out.penultimate_hidden_state = h.to(at::kFloat);
  }
  if (run.image_embeds && c.with_projection) {
    at::Tensor pooled = l.post_layernorm(h.select(1, 0)).to(dt);
    out.image_embeds = l.visual_projection(pooled).to(at::kFloat);
  }
  return out;
}

}  // namespace reel
