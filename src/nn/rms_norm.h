// RMSNorm over the last dimension: x / sqrt(mean(x²) + eps) · weight, computed in float32
// whatever x's dtype, returned in x's dtype. Wan uses it for q/k across all heads together
// ("rms_norm_across_heads": normalised over heads·head_dim before the heads are split).
#pragma once

#include <ATen/core/Tensor.h>

namespace reel::nn {

struct RmsNorm {
  at::Tensor weight;  // [dim]
  double eps = 1e-6;

  at::Tensor operator()(const at::Tensor& x) const;
};

}  // namespace reel::nn
