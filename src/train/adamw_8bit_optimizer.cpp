#include "train/adamw_8bit_optimizer.h"

#include <ATen/ATen.h>

#include <cmath>

namespace reel {

AdamW8bitOptimizer::AdamW8bitOptimizer(NamedTensors params, const OptimizerSettings& settings,
                                       std::string name)
    : Optimizer(std::move(name), std::move(params)),
      beta1_(settings.beta1),
      beta2_(settings.beta2),
      eps_(settings.eps),
      weight_decay_(settings.weight_decay) {
  for (size_t i = 0; i < this->params().size(); ++i) {
    const at::Tensor& p = this->params()[i].second;
    step_.push_back(add_state(i, "step", at::scalar_tensor(0, at::kLong)));
    for (auto [key, states] : {std::pair{"exp_avg", &exp_avg_}, {"exp_avg_sq", &exp_avg_sq_}}) {
      BlockwiseState s = BlockwiseState::zeros_for(p, settings.min_8bit_size);
      add_state(i, key, s.values);
      if (s.quantized()) add_state(i, std::string(key) + "_absmax", s.absmax);
      states->push_back(s);
    }
  }
}

void AdamW8bitOptimizer::update(size_t i, const at::Tensor& p, const at::Tensor& grad, double lr) {
  int64_t& step = *step_[i].data_ptr<int64_t>();
  ++step;
  const at::Tensor g = grad.to(at::kFloat);
  const at::Tensor m = exp_avg_[i].load(signed_);
  const at::Tensor v = exp_avg_sq_[i].load(unsigned_);
  m.mul_(beta1_).add_(g, 1 - beta1_);
  v.mul_(beta2_).addcmul_(g, g, 1 - beta2_);
  const double bias_correction1 = 1 - std::pow(beta1_, static_cast<double>(step));
  const double bias_correction2 = 1 - std::pow(beta2_, static_cast<double>(step));
  const at::Tensor denom = (v.sqrt() / std::sqrt(bias_correction2)).add_(eps_);

  const at::Tensor p32 = p.to(at::kFloat);  // p itself when float32
  if (weight_decay_ > 0) p32.mul_(1 - lr * weight_decay_);
  p32.addcdiv_(m, denom, -lr / bias_correction1);
  if (!p32.is_same(p)) p.copy_(p32);

  exp_avg_[i].store(signed_, m);
  exp_avg_sq_[i].store(unsigned_, v);
}

}  // namespace reel
