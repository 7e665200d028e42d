// The Wan diffusion transformer (Wan 2.1 T2V/I2V, Wan 2.2 A14B experts, TI2V-5B), written as
// its maths over plain tensors named as in diffusers' WanTransformer3DModel:
//   patch_embedding -> condition_embedder (time, text, image) -> blocks[i] (attn1: self-
//   attention with RMS-normed q/k and 3-D RoPE; attn2: cross-attention to the text (and
//   image); ffn) -> norm_out, scale_shift_table, proj_out -> unpatchify.
// A freshly constructed model has the structure but no weights: the loader (or init_random)
// fills every parameter slot, so a 14B model is never held twice.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/parameter_slot.h"
#include "models/wan/wan_config.h"
#include "nn/linear.h"

namespace reel {

struct WanInputs {
  at::Tensor hidden_states;                // [B, in_channels, F, H, W]
  at::Tensor timestep;                     // [B], or [B, tokens] for per-token timesteps
  at::Tensor encoder_hidden_states;        // [B, L, text_dim]
  at::Tensor encoder_hidden_states_image;  // [B, 257, image_dim]: Wan 2.1 I2V only
};

// All float32, whatever the compute dtype. With per-token timesteps temb is [B, tokens, dim]
// and timestep_proj [B, tokens, 6, dim].
struct WanOutputs {
  at::Tensor sample;         // [B, out_channels, F, H, W]
  at::Tensor temb;           // [B, dim]: time_embedder output
  at::Tensor timestep_proj;  // [B, 6, dim]: time_proj output
};

// How to run, as opposed to what is computed.
struct WanRunOptions {
  at::ScalarType compute_dtype = at::kFloat;  // kFloat, kBFloat16 or kHalf
  bool gradient_checkpointing = false;
  int64_t checkpoint_interval = 1;      // with checkpointing: every n-th block is checkpointed
  int64_t feed_forward_chunk_size = 0;  // tokens per feed-forward chunk; 0 = unchunked
                                        // (env WAN_FEED_FORWARD_CHUNK_SIZE overrides)
  // Blocks passed over (their output is their input): skip-layer guidance's degraded pass.
  std::vector<int64_t> skip_blocks;
};

class WanTransformer {
 public:
  explicit WanTransformer(WanConfig config);
  ~WanTransformer();
  WanTransformer(WanTransformer&&) noexcept;
  WanTransformer& operator=(WanTransformer&&) noexcept;

  const WanConfig& config() const { return config_; }

  // Every weight, in a fixed order, by its diffusers name and expected shape.
  std::vector<ParameterSlot> parameters();
  // Every linear layer an adapter may wrap, by diffusers module name ("blocks.3.attn1.to_q").
  std::vector<std::pair<std::string, nn::Linear*>> linears();

  // Fills every parameter with seeded random values of O(1) scale (tests, benchmarks).
  void init_random(uint64_t seed, at::ScalarType dtype = at::kFloat);
  // Casts/moves every parameter (weights are stored in the dtype they are given).
  void to(at::Device device, at::ScalarType dtype);

  // Throws reel::Error for inputs of the wrong shape. Text shorter than 512 tokens is
  // zero-padded to 512 (the official model's text_len; the padding is not masked). With
  // gradient checkpointing the backward pass reruns blocks of this model: keep it alive
  // until backward is done.
  WanOutputs forward(const WanInputs& inputs, const WanRunOptions& run = {}) const;

 private:
  struct Layers;
  WanConfig config_;
  std::unique_ptr<Layers> layers_;
};

}  // namespace reel
