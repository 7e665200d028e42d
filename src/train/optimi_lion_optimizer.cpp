#include "train/optimi_lion_optimizer.h"

#include <ATen/ATen.h>

#include "core/error.h"
#include "train/kahan_summation.h"
#include "train/optimi_adamw_optimizer.h"

namespace reel {

OptimiLionOptimizer::OptimiLionOptimizer(NamedTensors params, const OptimizerSettings& settings)
    : Optimizer("optimi-lion", std::move(params)), settings_(settings) {
  if (settings_.decouple_lr && !(settings_.max_lr.value_or(0) > 0))
    throw Error("optimi-lion: decouple_lr needs a max_lr > 0").key("optimizer_config");
  for (size_t i = 0; i < this->params().size(); ++i) {
    const at::Tensor& p = this->params()[i].second;
    exp_avg_.push_back(add_state(i, "exp_avg", at::zeros_like(p, at::MemoryFormat::Contiguous)));
    kahan_comp_.push_back(
        uses_kahan(p, settings_.kahan_sum)
            ? add_state(i, "kahan_comp", at::zeros_like(p, at::MemoryFormat::Contiguous))
            : at::Tensor());
  }
}

void OptimiLionOptimizer::update(size_t i, const at::Tensor& p, const at::Tensor& grad, double lr) {
  if (settings_.weight_decay != 0) p.mul_(optimi_weight_decay_factor(settings_, lr));

  const bool low_precision = p.scalar_type() != at::kFloat;
  const at::Tensor g = grad.to(at::kFloat);
  const at::Tensor m = exp_avg_[i].to(at::kFloat);  // in place for float32 state
  const at::Tensor step = at::lerp(m, g, 1 - settings_.beta1).sign_().mul_(-lr);
  m.lerp_(g, 1 - settings_.beta2);
  if (kahan_comp_[i].defined()) {
    kahan_add_(p, kahan_comp_[i], step);
  } else {
    p.add_(low_precision ? step.to(p.scalar_type()) : step);
  }
  if (low_precision) exp_avg_[i].copy_(m);
}

}  // namespace reel
