#include "train/adamw_bf16_optimizer.h"

#include <ATen/ATen.h>

#include <cmath>

#include "core/error.h"
#include "train/stochastic_rounding.h"

namespace reel {
namespace {

// A float32 copy, also of a float32 tensor, so that `t` is never changed.
at::Tensor float_copy(const at::Tensor& t) {
  return t.to(at::kFloat, false, /*copy=*/true);
}

}  // namespace

AdamWBF16Optimizer::AdamWBF16Optimizer(NamedTensors params, const OptimizerSettings& settings)
    : Optimizer("adamw_bf16", std::move(params)),
      beta1_(settings.beta1),
      beta2_(settings.beta2),
      eps_(settings.eps),
      weight_decay_(settings.weight_decay) {
  const at::Device device = this->params().front().second.device();
  for (const auto& [name, p] : this->params()) {
    if (p.scalar_type() != at::kBFloat16)
      throw Error("adamw_bf16 trains bfloat16 weights, but '" + name + "' is " +
                  std::string(c10::toString(p.scalar_type())))
          .key("optimizer")
          .hint("train in bf16, or choose optimi-adamw, which takes any precision");
    if (p.device() != device)
      throw Error("adamw_bf16: '" + name + "' is on " + p.device().str() + ", the others on " +
                  device.str());
  }
  generator_ = make_seeded_generator(device, settings.seed);
  add_generator_state(generator_);
  for (size_t i = 0; i < this->params().size(); ++i) {
    const at::Tensor& p = this->params()[i].second;
    const auto zeros = [&] { return at::zeros_like(p, at::MemoryFormat::Contiguous); };
    exp_avg_.push_back(add_state(i, "exp_avg", zeros()));
    exp_avg_sq_.push_back(add_state(i, "exp_avg_sq", zeros()));
    shift_.push_back(add_state(i, "shift", zeros()));
    // ST: float(torch.rand([]) * decay_threshold), a float32 product.
    const at::Tensor u = at::rand({1}, generator_, p.options().dtype(at::kFloat));
    const double start = (u * kDecayThreshold).item<float>();
    accumulated_decay_.push_back(
        add_state(i, "accumulated_decay", at::scalar_tensor(start, at::kDouble)));
    step_.push_back(add_state(i, "step", at::scalar_tensor(0, at::kLong)));
  }
}

void AdamWBF16Optimizer::update(size_t i, const at::Tensor& p, const at::Tensor& grad, double lr) {
  int64_t& step = *step_[i].data_ptr<int64_t>();
  double& accumulated = *accumulated_decay_[i].data_ptr<double>();
  ++step;
  accumulated += weight_decay_ * lr;
  const double decay = accumulated > kDecayThreshold ? accumulated : 0.0;
  accumulated -= decay;

  const at::Tensor& shift = shift_[i];
  const at::Tensor g = grad.to(at::kFloat);

  // The moments go on in float32 from their stored values; the step uses these float32 values,
  // and only what is kept for the next step is rounded.
  const at::Tensor m = float_copy(exp_avg_[i]).mul_(beta1_).add_(g, 1 - beta1_);
  const at::Tensor v = float_copy(exp_avg_sq_[i]).mul_(beta2_).addcmul_(g, g, 1 - beta2_);
  copy_stochastic_(exp_avg_[i], m, generator_);
  copy_stochastic_(exp_avg_sq_[i], v, generator_);

  // m_hat / (sqrt(v_hat) + eps), the bias corrections divided out one at a time: a division is
  // exact whenever its result is a float32 number, so the tests can follow it by hand.
  const double k = static_cast<double>(step);
  const at::Tensor m_hat = m.div_(1 - std::pow(beta1_, k));
  const at::Tensor denom = v.div_(1 - std::pow(beta2_, k)).sqrt_().add_(eps_);
  copy_stochastic_(shift, float_copy(shift).sub_(m_hat.div_(denom), lr), generator_);

  const at::Tensor before = p.clone();
  copy_stochastic_(p, float_copy(shift).add_(p), generator_);
  copy_stochastic_(shift, float_copy(before.sub_(p)).add_(shift), generator_);

  // ST warns that rounding this one stochastically destabilises training: plain bf16.
  if (decay > 0) shift.add_(p, -decay);
}

}  // namespace reel
