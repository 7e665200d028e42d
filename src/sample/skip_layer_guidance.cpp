#include "sample/skip_layer_guidance.h"

#include <ATen/ATen.h>

#include "core/error.h"

namespace reel {

SkipLayerMode parse_skip_layer_mode(const std::string& name) {
  if (name == "sd3") return SkipLayerMode::kSd3;
  if (name == "simpletuner") return SkipLayerMode::kSimpleTuner;
  throw Error("skip-layer guidance mode '" + name + "' is not sd3 or simpletuner")
      .key("validation_guidance_skip_mode");
}

GuidancePasses guidance_passes(const SkipLayerGuidance& slg, int64_t step, int64_t num_steps) {
  GuidancePasses p;
  if (slg.layers.empty() || num_steps < 1) return p;
  const double f = static_cast<double>(step) / static_cast<double>(num_steps);
  const bool in_window = slg.start <= f && f < slg.stop;
  if (slg.mode == SkipLayerMode::kSd3) {
    p.skip_pass = in_window;
  } else if (!in_window) {
    p.uncond_skip = slg.layers;
  }
  return p;
}

at::Tensor combine_guidance(const at::Tensor& cond, const at::Tensor& uncond,
                            const at::Tensor& cond_skip, double guidance,
                            const SkipLayerGuidance& slg) {
  if (!uncond.defined()) return cond;
  at::Tensor v = uncond + guidance * (cond - uncond);
  if (cond_skip.defined()) v = v + slg.scale * (cond - cond_skip);
  return v;
}

}  // namespace reel
