// A sampler for flow-matching models (Wan predicts the velocity v = noise - x0): a grid of
// sigmas from 1 (noise) down to 0 and an update that takes the sample from sigmas()[i] to
// sigmas()[i + 1] given the model's output at step i.
//
//   auto scheduler = make_flow_scheduler("unipc", 30, 3.0);
//   for (int64_t i = 0; i < scheduler->num_steps(); ++i) {
//     at::Tensor v = model(x, scheduler->timesteps()[i]);
//     x = scheduler->step(v, i, x);
//   }
//
// The multistep solvers remember earlier model outputs, so the steps of one sampling run are
// taken in order 0, 1, ..., N-1; step 0 starts a new run.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace reel {

class FlowScheduler {
 public:
  virtual ~FlowScheduler() = default;

  // The factory name (make_flow_scheduler) this scheduler was built under.
  virtual std::string name() const = 0;
  int64_t num_steps() const { return timesteps_.size(0); }
  // [N] what the model is fed at each step, exactly as the reference scheduler returns it:
  // int64 for UniPC and DPM++ (int64(sigma * 1000), truncated), float32 for Euler
  // (sigma * 1000, not rounded).
  const at::Tensor& timesteps() const { return timesteps_; }
  // [N + 1] float32, from about 1 down to a final 0.
  const at::Tensor& sigmas() const { return sigmas_; }

  // The sample at sigmas()[step_index + 1], from `sample` at sigmas()[step_index] and the
  // model's velocity there. Computed in float32 as the references do; returns float32.
  virtual at::Tensor step(const at::Tensor& model_output, int64_t step_index,
                          const at::Tensor& sample) = 0;

 protected:
  FlowScheduler(at::Tensor timesteps, at::Tensor sigmas);
  // Throws reel::Error unless `step_index` is 0 or the step after the previous one (and in
  // range); returns it.
  int64_t check_step(int64_t step_index);

 private:
  at::Tensor timesteps_, sigmas_;
  int64_t next_step_ = 0;
};

}  // namespace reel
