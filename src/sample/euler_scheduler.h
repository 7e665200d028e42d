// diffusers' FlowMatchEulerDiscreteScheduler for Wan: x <- x + (sigma[i+1] - sigma[i]) * v.
// Three grids, all shifted s*sigma/(1+(s-1)*sigma) and ending at 0, timesteps = sigma * 1000
// in float32 (not rounded):
//  - kDiffusers: linspace(sigma_max, sigma_min, N) of the training table. diffusers' sigma_min
//    is the table's already-shifted minimum, which set_timesteps shifts a second time, so the
//    last non-zero sigma is shift(shift(1/1000)).
//  - kSimpleTunerBounds: SimpleTuner's fix (sigma_max 1, sigma_min 1/1000 before shifting), so
//    the last non-zero sigma is shift(1/1000). This is what SimpleTuner's Wan validation runs.
//  - kBeta: the kDiffusers range re-spaced by the inverse CDF of Beta(0.6, 0.6)
//    (use_beta_sigmas, "Euler betas"): more steps near both ends.
#pragma once

#include "sample/flow_scheduler.h"

namespace reel {

enum class EulerGrid { kDiffusers, kSimpleTunerBounds, kBeta };

class EulerScheduler : public FlowScheduler {
 public:
  EulerScheduler(EulerGrid grid, int64_t num_steps, double shift);

  std::string name() const override;
  at::Tensor step(const at::Tensor& model_output, int64_t step_index,
                  const at::Tensor& sample) override;

 private:
  EulerGrid grid_;
};

}  // namespace reel
