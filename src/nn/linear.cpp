#include "nn/linear.h"

#include <ATen/ATen.h>

namespace reel::nn {

at::Tensor Linear::operator()(const at::Tensor& x) const {
  const auto dtype = x.scalar_type();
  at::Tensor y = weight.scalar_type() == dtype
                     ? at::linear(x, weight, bias)
                     : at::linear(x, weight.to(dtype), bias.defined() ? bias.to(dtype) : bias);
  return adapter ? y + adapter->delta(x) : y;
}

}  // namespace reel::nn
