#include "train/lion_8bit_optimizer.h"

#include <ATen/ATen.h>

namespace reel {

Lion8bitOptimizer::Lion8bitOptimizer(NamedTensors params, const OptimizerSettings& settings,
                                     std::string name)
    : Optimizer(std::move(name), std::move(params)),
      beta1_(settings.beta1),
      beta2_(settings.beta2),
      weight_decay_(settings.weight_decay) {
  for (size_t i = 0; i < this->params().size(); ++i) {
    BlockwiseState s = BlockwiseState::zeros_for(this->params()[i].second, settings.min_8bit_size);
    add_state(i, "exp_avg", s.values);
    if (s.quantized()) add_state(i, "exp_avg_absmax", s.absmax);
    exp_avg_.push_back(s);
  }
}

void Lion8bitOptimizer::update(size_t i, const at::Tensor& p, const at::Tensor& grad, double lr) {
  const at::Tensor g = grad.to(at::kFloat);
  const at::Tensor m = exp_avg_[i].load(signed_);
  const at::Tensor p32 = p.to(at::kFloat);  // p itself when float32
  if (weight_decay_ > 0) p32.mul_(1 - lr * weight_decay_);
  p32.add_((m * beta1_).add_(g, 1 - beta1_).sign_(), -lr);
  if (!p32.is_same(p)) p.copy_(p32);
  m.mul_(beta2_).add_(g, 1 - beta2_);
  exp_avg_[i].store(signed_, m);
}

}  // namespace reel
