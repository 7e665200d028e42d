#include "train/adamw_optimizer.h"

#include <ATen/ATen.h>

#include <cmath>

namespace reel {

AdamWOptimizer::AdamWOptimizer(NamedTensors params, const OptimizerSettings& settings,
                               std::string name)
    : Optimizer(std::move(name), std::move(params)),
      beta1_(settings.beta1),
      beta2_(settings.beta2),
      eps_(settings.eps),
      weight_decay_(settings.weight_decay) {
  for (size_t i = 0; i < this->params().size(); ++i) {
    const at::Tensor& p = this->params()[i].second;
    exp_avg_.push_back(add_state(i, "exp_avg", at::zeros_like(p, at::MemoryFormat::Contiguous)));
    exp_avg_sq_.push_back(
        add_state(i, "exp_avg_sq", at::zeros_like(p, at::MemoryFormat::Contiguous)));
    step_.push_back(add_state(i, "step", at::scalar_tensor(0, at::kLong)));
  }
}

void AdamWOptimizer::update(size_t i, const at::Tensor& p, const at::Tensor& grad, double lr) {
  int64_t& step = *step_[i].data_ptr<int64_t>();
  ++step;
  if (weight_decay_ != 0) p.mul_(1 - lr * weight_decay_);
  exp_avg_[i].lerp_(grad, 1 - beta1_);
  exp_avg_sq_[i].mul_(beta2_).addcmul_(grad, grad, 1 - beta2_);
  const double bias_correction1 = 1 - std::pow(beta1_, static_cast<double>(step));
  const double bias_correction2 = 1 - std::pow(beta2_, static_cast<double>(step));
  const double step_size = lr / bias_correction1;
  const at::Tensor denom = (exp_avg_sq_[i].sqrt() / std::sqrt(bias_correction2)).add_(eps_);
  p.addcdiv_(exp_avg_[i], denom, -step_size);
}

}  // namespace reel
