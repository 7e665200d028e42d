// The UMT5 text encoder Wan conditions on (umt5-xxl's encoder; official `T5Encoder` in
// wan/modules/t5.py, transformers' UMT5EncoderModel), as its maths over plain tensors named as
// in transformers:
//   shared (token embedding, no scaling) -> encoder.block[i]: x += o(attn(layer_norm(x)))
//   with T5 attention (no 1/sqrt(d) scaling, a relative position bias table per layer,
//   padding keys masked), then x += wo(gelu_tanh(wi_0 h) * wi_1 h) with h = layer_norm(x)
//   -> encoder.final_layer_norm.
// RMS norms and softmax run in float32 whatever the compute dtype.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "models/parameter_slot.h"
#include "nn/linear.h"

namespace reel {

struct Umt5Config {
  int64_t vocab_size = 256384;
  int64_t d_model = 4096;
  int64_t d_kv = 64;
  int64_t d_ff = 10240;
  int64_t num_heads = 64;
  int64_t num_layers = 24;
  int64_t relative_attention_num_buckets = 32;
  int64_t relative_attention_max_distance = 128;
  double layer_norm_epsilon = 1e-6;
};

// Reads a transformers config.json (UMT5/T5 encoder). Throws reel::Error naming the file and
// key when a value is missing or not supported (a feed forward other than gated-gelu).
Umt5Config read_umt5_config(const std::filesystem::path& config_json);
std::string describe_umt5_config(const Umt5Config& config);

// T5's bidirectional relative position bucket of every offset (key position - query
// position), int64 in, int64 out: |offset| < num_buckets/4 exact, then log-spaced up to
// max_distance, clamped; + num_buckets/2 for offsets > 0.
at::Tensor relative_position_bucket(const at::Tensor& offsets, int64_t num_buckets = 32,
                                    int64_t max_distance = 128);

struct Umt5RunOptions {
  // kFloat, or kBFloat16 as the official code runs it; kHalf clamps overflowing activations
  // as the official code does (umt5-xxl is not meant for float16).
  at::ScalarType compute_dtype = at::kFloat;
};

class Umt5Encoder {
 public:
  explicit Umt5Encoder(Umt5Config config);
  ~Umt5Encoder();
  Umt5Encoder(Umt5Encoder&&) noexcept;
  Umt5Encoder& operator=(Umt5Encoder&&) noexcept;

  const Umt5Config& config() const { return config_; }

  // Every weight, in a fixed order, by its transformers name ("shared.weight",
  // "encoder.block.0.layer.0.SelfAttention.q.weight", ...) and expected shape.
  std::vector<ParameterSlot> parameters();

  void init_random(uint64_t seed, at::ScalarType dtype = at::kFloat);
  void to(at::Device device, at::ScalarType dtype);

  // input_ids, attention_mask: [B, L] integer (mask 1 = token, 0 = padding; undefined = all
  // tokens). Returns last_hidden_state [B, L, d_model] in float32 (the final norm's output),
  // for every position, padding included. Throws reel::Error on wrong shapes.
  at::Tensor forward(const at::Tensor& input_ids, const at::Tensor& attention_mask,
                     const Umt5RunOptions& run = {}) const;

 private:
  struct Layers;
  Umt5Config config_;
  std::unique_ptr<Layers> layers_;
};

}  // namespace reel
