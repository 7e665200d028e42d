#include "sample/flow_scheduler_factory.h"

#include <cmath>
#include <sstream>

#include "core/error.h"
#include "sample/dpm_solver_scheduler.h"
#include "sample/euler_scheduler.h"
#include "sample/unipc_scheduler.h"

namespace reel {

const std::vector<std::string>& flow_scheduler_names() {
  static const std::vector<std::string> names = {"unipc",    "unipc-wan",   "euler",
                                                 "euler-st", "euler-betas", "dpm++"};
  return names;
}

std::unique_ptr<FlowScheduler> make_flow_scheduler(const std::string& name, int64_t num_steps,
                                                   double shift) {
  if (num_steps < 1) {
    throw Error("a sampler needs at least 1 step, not " + std::to_string(num_steps)).key("steps");
  }
  if (!std::isfinite(shift) || shift <= 0) {
    std::ostringstream value;
    value << shift;
    throw Error("the flow shift must be a positive number, not " + value.str())
        .key("shift")
        .hint("3.0 is Wan's usual shift; 1.0 leaves the sigmas as they are");
  }
  if (name == "unipc")
    return std::make_unique<UniPcScheduler>(UniPcGrid::kDiffusers, num_steps, shift);
  if (name == "unipc-wan") {
    return std::make_unique<UniPcScheduler>(UniPcGrid::kWanOfficial, num_steps, shift);
  }
  if (name == "euler")
    return std::make_unique<EulerScheduler>(EulerGrid::kDiffusers, num_steps, shift);
  if (name == "euler-st") {
    return std::make_unique<EulerScheduler>(EulerGrid::kSimpleTunerBounds, num_steps, shift);
  }
  if (name == "euler-betas")
    return std::make_unique<EulerScheduler>(EulerGrid::kBeta, num_steps, shift);
  if (name == "dpm++") return std::make_unique<DpmSolverScheduler>(num_steps, shift);
  std::string known;
  for (const std::string& n : flow_scheduler_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown sampler '" + name + "'").key("scheduler").hint("one of: " + known);
}

}  // namespace reel
