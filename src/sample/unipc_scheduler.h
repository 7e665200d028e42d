// UniPC multistep (Zhao et al. 2023) for flow matching, as diffusers' UniPCMultistepScheduler
// (flow_prediction, use_flow_sigmas) and Wan2.1's FlowUniPCMultistepScheduler run it for Wan:
// order 2, bh2, predicting x0 = x - sigma * v, alpha = 1 - sigma, lower order at the first and
// the last step, final sigma 0. The two differ only in their sigma grid:
//  - kDiffusers: shift(linspace(1, 1/1000, N+1)[:-1]), the first one nudged to 1 - 1e-6
//    (timesteps 999, 900, 750, 500 for N=4, shift 3). What diffusers' Wan pipelines and
//    SimpleTuner's generic validation build.
//  - kWanOfficial: shift(linspace(0.999, 0, N+1)[:-1]), 0.999 being the float32 top of the
//    training table (999, 899, 749, 499).
// Each step first corrects the previous step's prediction with the new model output (UniC),
// then predicts the next sample (UniP); the last prediction is returned uncorrected.
#pragma once

#include <array>

#include "sample/flow_scheduler.h"

namespace reel {

enum class UniPcGrid { kDiffusers, kWanOfficial };

class UniPcScheduler : public FlowScheduler {
 public:
  UniPcScheduler(UniPcGrid grid, int64_t num_steps, double shift);

  std::string name() const override;
  at::Tensor step(const at::Tensor& model_output, int64_t step_index,
                  const at::Tensor& sample) override;

 private:
  float lambda(int64_t index) const;  // log(alpha) - log(sigma) at sigmas()[index]
  at::Tensor predict(const at::Tensor& sample, int64_t i, int order) const;
  at::Tensor correct(const at::Tensor& x0_now, int64_t i, int order) const;

  UniPcGrid grid_;
  // x0 predictions of the last two steps, oldest first.
  std::array<at::Tensor, 2> x0_;
  at::Tensor last_sample_;  // the input of the previous prediction
  int previous_order_ = 0;
};

}  // namespace reel
