// torch.optim.AdamW ("torch-adamw", alias "adamw"), step for step as PyTorch computes it on
// one tensor (Loshchilov & Hutter, decoupled weight decay), for parameter t's step k:
//
//   p  <- p * (1 - lr * weight_decay)
//   m  <- m + (1 - beta1) * (g - m)                    (lerp)
//   v  <- beta2 * v + (1 - beta2) * g * g
//   p  <- p - lr / (1 - beta1^k) * m / (sqrt(v) / sqrt(1 - beta2^k) + eps)
//
// State per parameter, in the parameter's dtype: exp_avg (m), exp_avg_sq (v), and step (k,
// int64; a parameter without a gradient does not count the step, as in torch).
#pragma once

#include <vector>

#include "train/optimizer.h"
#include "train/optimizer_config.h"

namespace reel {

class AdamWOptimizer : public Optimizer {
 public:
  AdamWOptimizer(NamedTensors params, const OptimizerSettings& settings,
                 std::string name = "torch-adamw");

 private:
  void update(size_t index, const at::Tensor& param, const at::Tensor& grad, double lr) override;

  double beta1_, beta2_, eps_, weight_decay_;
  std::vector<at::Tensor> exp_avg_, exp_avg_sq_, step_;
};

}  // namespace reel
