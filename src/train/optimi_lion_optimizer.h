// "optimi-lion": torch-optimi's Lion (Chen et al., "Symbolic Discovery of Optimization
// Algorithms"), for parameters of any precision:
//
//   p <- p * (1 - lr * weight_decay)      (decouple_lr: 1 - lr / max_lr * weight_decay)
//   p <- p - lr * sign(beta1 * m + (1 - beta1) * g)        (sign(0) = 0)
//   m <- beta2 * m + (1 - beta2) * g
//
// The update has the same size, lr, for every element, so Lion wants a smaller lr than Adam.
// State is kept in the parameter's dtype, the arithmetic done in float32; a bf16/fp16
// parameter takes its update through a Kahan compensation buffer when kahan_sum is on
// (kahan_summation.h). State per parameter: exp_avg, and kahan_comp where used.
#pragma once

#include <vector>

#include "train/optimizer.h"
#include "train/optimizer_config.h"

namespace reel {

class OptimiLionOptimizer : public Optimizer {
 public:
  // Throws reel::Error when decouple_lr is on without a max_lr > 0.
  OptimiLionOptimizer(NamedTensors params, const OptimizerSettings& settings);

 private:
  void update(size_t index, const at::Tensor& param, const at::Tensor& grad, double lr) override;

  OptimizerSettings settings_;
  std::vector<at::Tensor> exp_avg_, kahan_comp_;  // kahan_comp_ undefined: none
};

}  // namespace reel
