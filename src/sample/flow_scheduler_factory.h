// Builds a sampler by name, for validation_noise_scheduler and `reel debug scheduler`:
//   unipc        UniPC, diffusers' grid (Wan's default sampler in diffusers and SimpleTuner)
//   unipc-wan    UniPC, Wan2.1's official grid
//   euler        flow-matching Euler, diffusers' grid
//   euler-st     flow-matching Euler with SimpleTuner's sigma bounds (what its Wan validation runs)
//   euler-betas  flow-matching Euler with Beta(0.6, 0.6)-spaced sigmas
//   dpm++        DPM-Solver++ 2M, Wan2.1's official scheduler and grid
//
//   std::unique_ptr<FlowScheduler> s = make_flow_scheduler("unipc", 30, 3.0);
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sample/flow_scheduler.h"

namespace reel {

// The names make_flow_scheduler accepts, in the order above.
const std::vector<std::string>& flow_scheduler_names();

// Throws reel::Error for an unknown name (listing the known ones), num_steps < 1, or a shift
// that is not a positive finite number.
std::unique_ptr<FlowScheduler> make_flow_scheduler(const std::string& name, int64_t num_steps,
                                                   double shift);

}  // namespace reel
