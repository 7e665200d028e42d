// The transformer MLP: proj (net.0.proj) -> GELU -> out (net.2), as diffusers' FeedForward.
// With a chunk size, the tokens (dim 1 of [B, L, dim]) go through in chunks of that many:
// the same output, a lower peak memory (the [B, L, ffn_dim] hidden is never whole).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "nn/linear.h"

namespace reel::nn {

struct FeedForward {
  enum class Gelu { kTanh, kErf };

  Linear proj;  // net.0.proj: [inner, dim]
  Linear out;   // net.2: [dim_out, inner]
  Gelu gelu = Gelu::kTanh;

  // x [B, L, dim]; chunk_size 0 = all tokens at once.
  at::Tensor operator()(const at::Tensor& x, int64_t chunk_size = 0) const;
};

// The chunk size to use: WAN_FEED_FORWARD_CHUNK_SIZE from the environment when set (a
// non-negative integer, 0 = unchunked; anything else is a reel::Error), else `configured`.
int64_t feed_forward_chunk_size(int64_t configured);

}  // namespace reel::nn
