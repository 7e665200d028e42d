#include "train/kahan_summation.h"

#include <ATen/ATen.h>

namespace reel {

bool uses_kahan(const at::Tensor& param, bool kahan_sum) {
  return kahan_sum && (param.scalar_type() == at::kBFloat16 || param.scalar_type() == at::kHalf);
}

void kahan_add_(const at::Tensor& param, const at::Tensor& compensation, const at::Tensor& update) {
  // Copies, so that nothing aliases a float32 tensor that is changed below.
  const at::Tensor k = compensation.to(at::kFloat, false, /*copy=*/true).add_(update);
  const at::Tensor before = param.to(at::kFloat, false, /*copy=*/true);
  param.add_(k.to(param.scalar_type()));
  compensation.copy_(k.add_(before).sub_(param.to(at::kFloat)));
}

}  // namespace reel
