// LayerNorm over the last dimension, computed in float32 whatever x's dtype (diffusers'
// FP32LayerNorm; the official Wan code runs its norms in float32 too). The result is float32:
// callers cast where the reference does. Without weight/bias it has no affine part.
#pragma once

#include <ATen/core/Tensor.h>

namespace reel::nn {

struct LayerNorm {
  at::Tensor weight;  // [dim], or undefined (no affine)
  at::Tensor bias;    // [dim], or undefined
  double eps = 1e-6;

  at::Tensor operator()(const at::Tensor& x) const;  // float32
};

}  // namespace reel::nn
