// DPM-Solver++ (Lu et al. 2022), second order multistep with the midpoint rule, as Wan2.1's
// FlowDPMSolverMultistepScheduler runs it in wan/text2video.py's `dpm++` branch: sigmas
// shift(linspace(1, 0, N+1)[:N]) (sigma_0 exactly 1, timesteps 1000, 900, 750, 500 for N=4,
// shift 3), x0 = x - sigma * v, alpha = 1 - sigma, first order at the first step (no history)
// and at the last one (the final sigma is 0), final sigma 0.
#pragma once

#include "sample/flow_scheduler.h"

namespace reel {

class DpmSolverScheduler : public FlowScheduler {
 public:
  DpmSolverScheduler(int64_t num_steps, double shift);

  std::string name() const override { return "dpm++"; }
  at::Tensor step(const at::Tensor& model_output, int64_t step_index,
                  const at::Tensor& sample) override;

 private:
  at::Tensor previous_x0_;  // the x0 prediction of the previous step
};

}  // namespace reel
