#include "models/text/umt5_encoder.h"
#include "core/json_file.h"

#include <ATen/ATen.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <sstream>

#include "core/error.h"
#include "nn/rms_norm.h"

namespace reel {

struct Umt5Encoder::Layers {
  struct Block {
    nn::RmsNorm norm1, norm2;
    nn::Linear q, k, v, o;
    at::Tensor position_bias;  // [num_buckets, num_heads]
    nn::Linear wi_0, wi_1, wo;
  };
  at::Tensor shared;  // [vocab, d_model]
  std::vector<Block> blocks;
  nn::RmsNorm final_norm;
};

Umt5Config read_umt5_config(const std::filesystem::path& path) {
  const nlohmann::json j = read_json_object(path, "the text encoder's config");
  Umt5Config c;
  auto get = [&](const char* key, int64_t& v, bool required) {
    if (!j.contains(key)) {
      if (required) throw Error("missing").file(path.string()).key(key);
      return;
    }
    if (!j[key].is_number_integer()) throw Error("not an integer").file(path.string()).key(key);
    v = j[key].get<int64_t>();
    if (v <= 0) throw Error("must be positive").file(path.string()).key(key);
  };
  get("vocab_size", c.vocab_size, true);
  get("d_model", c.d_model, true);
  get("d_kv", c.d_kv, true);
  get("d_ff", c.d_ff, true);
  get("num_heads", c.num_heads, true);
  get("num_layers", c.num_layers, true);
  get("relative_attention_num_buckets", c.relative_attention_num_buckets, false);
  get("relative_attention_max_distance", c.relative_attention_max_distance, false);
  if (j.contains("layer_norm_epsilon") && j["layer_norm_epsilon"].is_number()) {
    c.layer_norm_epsilon = j["layer_norm_epsilon"].get<double>();
  }
  if (j.contains("feed_forward_proj") && j["feed_forward_proj"] != "gated-gelu") {
    throw Error("unsupported feed forward '" + j["feed_forward_proj"].get<std::string>() + "'")
        .file(path.string())
        .key("feed_forward_proj")
        .hint("UMT5 (Wan's text encoder) uses gated-gelu");
  }
  return c;
}

std::string describe_umt5_config(const Umt5Config& c) {
  std::ostringstream s;
  s << "umt5 encoder: d_model " << c.d_model << ", " << c.num_layers << " layers, " << c.num_heads
    << " heads of " << c.d_kv << ", d_ff " << c.d_ff << ", vocab " << c.vocab_size;
  return s.str();
}

at::Tensor relative_position_bucket(const at::Tensor& offsets, int64_t num_buckets,
                                    int64_t max_distance) {
  // As the official code: half the buckets per direction, half of those exact.
  const int64_t half = num_buckets / 2;
  const int64_t max_exact = half / 2;
  at::Tensor buckets = offsets.gt(0).to(at::kLong) * half;
  const at::Tensor distance = offsets.abs();
  at::Tensor large =
      max_exact + (at::log(distance.to(at::kFloat) / max_exact) /
                   std::log(static_cast<double>(max_distance) / max_exact) * (half - max_exact))
                      .to(at::kLong);
  large = at::clamp_max(large, half - 1);
  return buckets + at::where(distance.lt(max_exact), distance, large);
}

namespace {

// As the official code: float16 activations that overflowed are clamped to the largest
// finite value minus 1000 (bfloat16 and float32 never overflow here).
at::Tensor fp16_clamp(const at::Tensor& x) {
  if (x.scalar_type() != at::kHalf || !at::isinf(x).any().item<bool>()) return x;
  const double limit = 65504.0 - 1000.0;
  return at::clamp(x, -limit, limit);
}

}  // namespace

Umt5Encoder::Umt5Encoder(Umt5Config config) : config_(config), layers_(std::make_unique<Layers>()) {
  layers_->blocks.resize(config_.num_layers);
  for (auto& b : layers_->blocks) b.norm1.eps = b.norm2.eps = config_.layer_norm_epsilon;
  layers_->final_norm.eps = config_.layer_norm_epsilon;
}
Umt5Encoder::~Umt5Encoder() = default;
Umt5Encoder::Umt5Encoder(Umt5Encoder&&) noexcept = default;
Umt5Encoder& Umt5Encoder::operator=(Umt5Encoder&&) noexcept = default;

std::vector<ParameterSlot> Umt5Encoder::parameters() {
  const Umt5Config& c = config_;
  const int64_t inner = c.num_heads * c.d_kv;
  std::vector<ParameterSlot> p;
  p.push_back({"shared.weight", {c.vocab_size, c.d_model}, &layers_->shared});
  for (int64_t i = 0; i < c.num_layers; ++i) {
    auto& b = layers_->blocks[i];
    const std::string l0 = "encoder.block." + std::to_string(i) + ".layer.0.";
    const std::string l1 = "encoder.block." + std::to_string(i) + ".layer.1.";
    p.push_back({l0 + "SelfAttention.q.weight", {inner, c.d_model}, &b.q.weight});
    p.push_back({l0 + "SelfAttention.k.weight", {inner, c.d_model}, &b.k.weight});
    p.push_back({l0 + "SelfAttention.v.weight", {inner, c.d_model}, &b.v.weight});
    p.push_back({l0 + "SelfAttention.o.weight", {c.d_model, inner}, &b.o.weight});
    p.push_back({l0 + "SelfAttention.relative_attention_bias.weight",
                 {c.relative_attention_num_buckets, c.num_heads},
                 &b.position_bias});
    p.push_back({l0 + "layer_norm.weight", {c.d_model}, &b.norm1.weight});
    p.push_back({l1 + "DenseReluDense.wi_0.weight", {c.d_ff, c.d_model}, &b.wi_0.weight});
    p.push_back({l1 + "DenseReluDense.wi_1.weight", {c.d_ff, c.d_model}, &b.wi_1.weight});
    p.push_back({l1 + "DenseReluDense.wo.weight", {c.d_model, c.d_ff}, &b.wo.weight});
    p.push_back({l1 + "layer_norm.weight", {c.d_model}, &b.norm2.weight});
  }
  p.push_back({"encoder.final_layer_norm.weight", {c.d_model}, &layers_->final_norm.weight});
  return p;
}

void Umt5Encoder::init_random(uint64_t seed, at::ScalarType dtype) {
  at::manual_seed(seed);
  for (ParameterSlot& s : parameters()) {
    const bool norm = s.name.find("layer_norm") != std::string::npos;
    at::Tensor t = norm ? 1.0 + 0.1 * at::randn(s.shape)
                        : at::randn(s.shape) / std::sqrt(static_cast<double>(s.shape.back()));
    if (s.name.find("relative_attention_bias") != std::string::npos) t = at::randn(s.shape);
    *s.tensor = t.to(dtype);
  }
}

void Umt5Encoder::to(at::Device device, at::ScalarType dtype) {
  for (ParameterSlot& s : parameters()) {
    if (s.tensor->defined()) *s.tensor = s.tensor->to(device, dtype);
  }
}

at::Tensor Umt5Encoder::forward(const at::Tensor& input_ids, const at::Tensor& attention_mask,
                                const Umt5RunOptions& run) const {
  if (input_ids.dim() != 2) {
    throw Error("input_ids must be [batch, length], not " + std::to_string(input_ids.dim()) + "-D");
  }
  if (attention_mask.defined() && attention_mask.sizes() != input_ids.sizes()) {
    throw Error("attention_mask must have input_ids' shape");
  }
  if (!layers_->shared.defined()) throw Error("the text encoder has no weights loaded");
  const Umt5Config& c = config_;
  const auto dtype = run.compute_dtype;
  const auto device = layers_->shared.device();
  const int64_t batch = input_ids.size(0), len = input_ids.size(1);
  const int64_t heads = c.num_heads, d_kv = c.d_kv;

  const at::Tensor ids = input_ids.to(device, at::kLong);
  if (ids.numel() > 0) {
    const int64_t lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
    if (lo < 0 || hi >= c.vocab_size) {
      throw Error("token id " + std::to_string(lo < 0 ? lo : hi) + " is outside the " +
                  std::to_string(c.vocab_size) + " embedding rows")
          .hint("use the tokenizer that belongs to this text encoder");
    }
  }
  at::Tensor x = at::embedding(layers_->shared, ids).to(dtype);  // [B, L, D]

  // Padding keys: float32 min (official: masked_fill over bias; transformers: adds it).
  at::Tensor key_mask;  // [B, 1, 1, L] additive, float32
  if (attention_mask.defined()) {
    key_mask = at::zeros({batch, 1, 1, len}, at::TensorOptions().dtype(at::kFloat).device(device))
                   .masked_fill(attention_mask.to(device).eq(0).view({batch, 1, 1, len}),
                                std::numeric_limits<float>::lowest());
  }
  const at::Tensor positions = at::arange(len, at::TensorOptions().dtype(at::kLong).device(device));
  const at::Tensor buckets = relative_position_bucket(
      positions.unsqueeze(0) - positions.unsqueeze(1), c.relative_attention_num_buckets,
      c.relative_attention_max_distance);  // [Lq, Lk]

  for (const auto& b : layers_->blocks) {
    // Self-attention. Scores and softmax in float32 (the bias is O(10)).
    const at::Tensor h = b.norm1(x);
    const at::Tensor q = b.q(h).view({batch, len, heads, d_kv}).transpose(1, 2);
    const at::Tensor k = b.k(h).view({batch, len, heads, d_kv}).transpose(1, 2);
    const at::Tensor v = b.v(h).view({batch, len, heads, d_kv}).transpose(1, 2);
    at::Tensor scores = at::matmul(q, k.transpose(-1, -2)).to(at::kFloat);  // [B, H, Lq, Lk]
    const at::Tensor bias =
        at::embedding(b.position_bias.to(at::kFloat), buckets).permute({2, 0, 1}).unsqueeze(0);
    scores = scores + bias;
    if (key_mask.defined()) scores = scores + key_mask;
    const at::Tensor attn = at::softmax(scores, -1).to(v.scalar_type());
    const at::Tensor out = at::matmul(attn, v).transpose(1, 2).reshape({batch, len, heads * d_kv});
    x = fp16_clamp(x + b.o(out));

    // Gated-GELU feed forward.
    const at::Tensor f = b.norm2(x);
    x = fp16_clamp(x + b.wo(at::gelu(b.wi_0(f), "tanh") * b.wi_1(f)));
  }
  return layers_->final_norm(x.to(at::kFloat));
}

}  // namespace reel
