// "optimi-adamw": torch-optimi's AdamW (decoupled weight decay), for parameters of any
// precision. optimi folds Adam's bias correction into the betas instead of the step:
//
//   beta_hat(k) = beta * (1 - beta^(k-1)) / (1 - beta^k)        (0 at k = 1)
//   p <- p * (1 - lr * weight_decay)      (decouple_lr: 1 - lr / max_lr * weight_decay)
//   m <- beta1_hat * m + (1 - beta1_hat) * g
//   v <- beta2_hat * v + (1 - beta2_hat) * g * g
//   p <- p - lr * m / (sqrt(v) + eps)
//
// so m and v are the bias-corrected moments themselves. k counts the optimizer's steps (one
// counter for all parameters, as optimi's parameter group has). State is kept in the
// parameter's dtype and the arithmetic is done in float32, as optimi's Triton kernels do; a
// bf16/fp16 parameter takes its update through a Kahan compensation buffer when kahan_sum is
// on (kahan_summation.h). Note that the weight decay itself is rounded to the parameter's
// dtype (as in optimi), so in bf16 a small lr * weight_decay has no effect.
//
// State per parameter: exp_avg, exp_avg_sq, and kahan_comp for bf16/fp16 parameters with
// kahan_sum.
#pragma once

#include <vector>

#include "train/optimizer.h"
#include "train/optimizer_config.h"

namespace reel {

class OptimiAdamWOptimizer : public Optimizer {
 public:
  // Throws reel::Error when decouple_lr is on without a max_lr > 0.
  OptimiAdamWOptimizer(NamedTensors params, const OptimizerSettings& settings);

 private:
  void update(size_t index, const at::Tensor& param, const at::Tensor& grad, double lr) override;

  OptimizerSettings settings_;
  std::vector<at::Tensor> exp_avg_, exp_avg_sq_, kahan_comp_;  // kahan_comp_ undefined: none
};

// The factor optimi multiplies the weights by before a step: 1 - lr * weight_decay, or
// 1 - lr / max_lr * weight_decay with decouple_lr.
double optimi_weight_decay_factor(const OptimizerSettings& settings, double lr);

}  // namespace reel
