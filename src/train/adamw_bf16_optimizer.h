// "adamw_bf16", the default optimizer: AdamW with decoupled weight decay for bfloat16
// parameters, after ST's AdamWBF16 (helpers/training/optimizers/adamw_bfloat16, itself after
// Rogozhnikov's adamw_bfloat16). Weights and state stay bf16; each step is computed in float32
// from them and written back with stochastic rounding (stochastic_rounding.h), so that updates
// far below a bf16 step still move the weights, and the moments still decay, on average. What
// a weight cannot take yet waits in a per-parameter "shift" (compensated summation). For
// parameter step k, with m, v, shift and p read as float32:
//
//   m     <- SR(beta1 * m + (1 - beta1) * g)
//   v     <- SR(beta2 * v + (1 - beta2) * g * g)
//   shift <- SR(shift - lr * m_hat / (sqrt(v_hat) + eps)),
//            m_hat = m / (1 - beta1^k),  v_hat = v / (1 - beta2^k)
//   p     <- SR(p + shift);  shift <- SR(shift + (p_before - p))
//   when due: shift <- shift - d * p      (delayed weight decay, below)
//
// Reel deliberately differs from ST here. ST's first moment is `m *= beta1;
// add_stochastic_(m, g, alpha=1-beta1)`, and its add_stochastic_ computes g + alpha * m, so
// m = g + 0.09 m for beta1 = 0.9: next to no momentum, and no 1 / (1 - beta1^k) correction.
// Its v is updated in bf16 arithmetic, where v * 0.999 rounds back to v, so v never decays.
// Both are bugs, not tuning, and reproducing them would make the default optimizer a poor
// one; Reel computes textbook AdamW instead, with ST's defaults (betas (0.9, 0.999), eps
// 1e-6, weight decay 1e-2). An ST config therefore trains somewhat differently in Reel.
//
// The delayed weight decay is kept: it is a bf16 precision technique, not part of the bug.
// Decay is added to the shift in plain bf16 (ST: rounding it stochastically destabilises
// training), and lr * weight_decay (~1e-6) times p is far below half a bf16 step of the
// shift, so a per-step decay would round away to nothing. Each parameter therefore
// accumulates weight_decay * lr per step and subtracts the accumulated d times p only once d
// exceeds 5e-3, where d * p outweighs anything the shift holds (at most about one bf16 step
// of p, 2^-8 |p|) and survives the rounding; the accumulator starts at a random value in
// [0, 5e-3) per parameter, so that the parameters do not all decay on the same step. Summed
// over steps this is the decoupled decay p <- p - lr * weight_decay * p.
//
// State per parameter: exp_avg, exp_avg_sq, shift (bf16), accumulated_decay (float64 scalar)
// and step (int64); plus the optimizer's "rng_state". The random numbers (the starting
// accumulators, then every stochastic rounding) come from one generator seeded with
// settings.seed, on the parameters' device.
#pragma once

#include <vector>

#include "train/optimizer.h"
#include "train/optimizer_config.h"

namespace reel {

class AdamWBF16Optimizer : public Optimizer {
 public:
  // Every parameter must be bfloat16 and all must be on one device; reel::Error otherwise.
  AdamWBF16Optimizer(NamedTensors params, const OptimizerSettings& settings);

  static constexpr double kDecayThreshold = 5e-3;

 private:
  void update(size_t index, const at::Tensor& param, const at::Tensor& grad, double lr) override;

  double beta1_, beta2_, eps_, weight_decay_;
  at::Generator generator_;
  std::vector<at::Tensor> exp_avg_, exp_avg_sq_, shift_, accumulated_decay_, step_;
};

}  // namespace reel
