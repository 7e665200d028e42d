#include "nn/rms_norm.h"

#include <ATen/ATen.h>

namespace reel::nn {

at::Tensor RmsNorm::operator()(const at::Tensor& x) const {
  const at::Tensor w = weight.defined() ? weight.to(at::kFloat) : at::Tensor();
  return at::rms_norm(x.to(at::kFloat), {x.size(-1)}, w, eps).to(x.scalar_type());
}

}  // namespace reel::nn
