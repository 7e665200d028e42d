#include "nn/causal_conv3d.h"

#include <ATen/ATen.h>

namespace reel::nn {

at::Tensor causal_conv3d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                         at::Tensor& history) {
  const int64_t kt = weight.size(2);
  const int64_t ph = (weight.size(3) - 1) / 2, pw = (weight.size(4) - 1) / 2;
  if (kt == 1) return at::conv3d(x, weight, bias, {1, 1, 1}, {0, ph, pw});
  const int64_t keep = kt - 1;
  at::Tensor past =
      history.defined()
          ? history
          : at::zeros({x.size(0), x.size(1), keep, x.size(3), x.size(4)}, x.options());
  at::Tensor in = at::cat({past, x}, 2);
  history = in.narrow(2, in.size(2) - keep, keep).clone();
  return at::conv3d(in, weight, bias, {1, 1, 1}, {0, ph, pw});
}

}  // namespace reel::nn
