#include "nn/layer_norm.h"

#include <ATen/ATen.h>

namespace reel::nn {

at::Tensor LayerNorm::operator()(const at::Tensor& x) const {
  const at::Tensor w = weight.defined() ? weight.to(at::kFloat) : at::Tensor();
  const at::Tensor b = bias.defined() ? bias.to(at::kFloat) : at::Tensor();
  return at::layer_norm(x.to(at::kFloat), {x.size(-1)}, w, b, eps);
}

}  // namespace reel::nn
