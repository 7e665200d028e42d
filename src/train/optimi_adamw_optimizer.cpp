#include "train/optimi_adamw_optimizer.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/error.h"
#include "train/kahan_summation.h"

namespace reel {
namespace {

// optimi's debias_beta: beta * (1 - beta^(k-1)) / (1 - beta^k), written as optimi does.
double debias_beta(double beta, int64_t step) {
  const double power = std::pow(beta, static_cast<double>(step));
  return (power - beta) / (power - 1);
}

}  // namespace

double optimi_weight_decay_factor(const OptimizerSettings& s, double lr) {
  if (s.decouple_lr) return 1 - (lr / *s.max_lr) * s.weight_decay;
  return 1 - lr * s.weight_decay;
}

OptimiAdamWOptimizer::OptimiAdamWOptimizer(NamedTensors params, const OptimizerSettings& settings)
    : Optimizer("optimi-adamw", std::move(params)), settings_(settings) {
  if (settings_.decouple_lr && !(settings_.max_lr.value_or(0) > 0))
    throw Error("optimi-adamw: decouple_lr needs a max_lr > 0").key("optimizer_config");
  for (size_t i = 0; i < this->params().size(); ++i) {
    const at::Tensor& p = this->params()[i].second;
    exp_avg_.push_back(add_state(i, "exp_avg", at::zeros_like(p, at::MemoryFormat::Contiguous)));
    exp_avg_sq_.push_back(
        add_state(i, "exp_avg_sq", at::zeros_like(p, at::MemoryFormat::Contiguous)));
    kahan_comp_.push_back(
        uses_kahan(p, settings_.kahan_sum)
            ? add_state(i, "kahan_comp", at::zeros_like(p, at::MemoryFormat::Contiguous))
            : at::Tensor());
  }
}

void OptimiAdamWOptimizer::update(size_t i, const at::Tensor& p, const at::Tensor& grad,
                                  double lr) {
  const double beta1_hat = debias_beta(settings_.beta1, steps());
  const double beta2_hat = debias_beta(settings_.beta2, steps());
  if (settings_.weight_decay != 0) p.mul_(optimi_weight_decay_factor(settings_, lr));

  const bool low_precision = p.scalar_type() != at::kFloat;
  const at::Tensor g = grad.to(at::kFloat);
  // float32 state is updated in place; other dtypes through float32 copies.
  const at::Tensor m = exp_avg_[i].to(at::kFloat);
  const at::Tensor v = exp_avg_sq_[i].to(at::kFloat);
  m.mul_(beta1_hat).add_(g, 1 - beta1_hat);
  v.mul_(beta2_hat).addcmul_(g, g, 1 - beta2_hat);
  const at::Tensor step = m.div(v.sqrt().add_(settings_.eps)).mul_(-lr);
  if (kahan_comp_[i].defined()) {
    kahan_add_(p, kahan_comp_[i], step);
  } else {
    p.add_(low_precision ? step.to(p.scalar_type()) : step);
  }
  if (low_precision) {
    exp_avg_[i].copy_(m);
    exp_avg_sq_[i].copy_(v);
  }
}

}  // namespace reel
