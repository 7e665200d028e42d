#include "sample/flow_scheduler.h"

#include <utility>

#include "core/error.h"

namespace reel {

FlowScheduler::FlowScheduler(at::Tensor timesteps, at::Tensor sigmas)
    : timesteps_(std::move(timesteps)), sigmas_(std::move(sigmas)) {}

int64_t FlowScheduler::check_step(int64_t step_index) {
  if (step_index < 0 || step_index >= num_steps()) {
    throw Error("step " + std::to_string(step_index) + " is outside the schedule's " +
                std::to_string(num_steps()) + " steps (0 to " + std::to_string(num_steps() - 1) +
                ")")
        .key(name());
  }
  if (step_index != 0 && step_index != next_step_) {
    throw Error("step " + std::to_string(step_index) + " taken out of order: the next step is " +
                std::to_string(next_step_))
        .key(name())
        .hint("a multistep sampler takes the steps of one run in order, starting at 0");
  }
  next_step_ = step_index + 1;
  return step_index;
}

}  // namespace reel
