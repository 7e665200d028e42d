// The Wan transformer's input parts, named as diffusers' WanTimeTextImageEmbedding
// (`condition_embedder`) and the official WanModel:
//   time:  sinusoid(t) -> time_embedder (Linear, SiLU, Linear) = temb (official `e`)
//          -> SiLU -> time_proj = timestep_proj, viewed [..., 6, dim] (official `e0`);
//   text:  text_embedder (Linear, GELU-tanh, Linear) on the umT5 states;
//   image: image_embedder (LayerNorm, FeedForward GELU-erf, LayerNorm) on the 257 CLIP
//          tokens (Wan 2.1 I2V only).
// The time path runs in float32 whatever the compute dtype (the official model does so under
// autocast; diffusers keeps time_embedder in float32 too).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <optional>

#include "nn/feed_forward.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"

namespace reel::wan {

// [..., freq_dim] float32: [cos(t·f_i), sin(t·f_i)] (cos first), f_i = 10000^(-i/(freq_dim/2)),
// computed in float64 (the official sinusoidal_embedding_1d) from t of any shape.
at::Tensor timestep_sinusoid(const at::Tensor& timestep, int64_t freq_dim);

struct WanTimeEmbedding {
  nn::Linear linear_1;   // time_embedder.linear_1 [dim, freq_dim]
  nn::Linear linear_2;   // time_embedder.linear_2 [dim, dim]
  nn::Linear time_proj;  // [6·dim, dim]
  int64_t freq_dim = 256;

  struct Result {
    at::Tensor temb;           // [..., dim] float32
    at::Tensor timestep_proj;  // [..., 6, dim] float32
  };
  // timestep [B] or [B, tokens].
  Result operator()(const at::Tensor& timestep) const;
};

struct WanTextEmbedding {
  nn::Linear linear_1;  // text_embedder.linear_1 [dim, text_dim]
  nn::Linear linear_2;  // text_embedder.linear_2 [dim, dim]

  at::Tensor operator()(const at::Tensor& text) const;  // in text's dtype
};

struct WanImageEmbedding {
  nn::LayerNorm norm1;  // [image_dim], affine
  nn::FeedForward ff;   // net.0.proj [image_dim, image_dim], net.2 [dim, image_dim], GELU erf
  nn::LayerNorm norm2;  // [dim], affine

  at::Tensor operator()(const at::Tensor& image) const;  // in image's dtype
};

}  // namespace reel::wan
