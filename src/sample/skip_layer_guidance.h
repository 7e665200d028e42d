// Skip-layer guidance (spec/validation.md §3): a degraded prediction made by passing over some
// transformer blocks, used to push the result away from what those blocks' absence produces.
// Two modes:
//   kSd3         (Reel's default) in the window start <= i/N < stop, one more conditional pass
//                with `layers` skipped, and v = cfg + scale * (v_cond - v_cond_skip).
//   kSimpleTuner what SimpleTuner's Wan pipeline does: the unconditional pass skips `layers`
//                everywhere EXCEPT inside the window, no extra pass, scale unused: plain CFG
//                against a degraded unconditional prediction.
// Both need classifier-free guidance (a negative pass): without it there is nothing to guide.
//
//   GuidancePasses p = guidance_passes(slg, i, n);
//   v = combine_guidance(cond, uncond, cond_skip, guidance, slg);
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace reel {

enum class SkipLayerMode { kSd3, kSimpleTuner };

// "sd3" / "simpletuner"; throws reel::Error naming validation_guidance_skip_mode otherwise.
SkipLayerMode parse_skip_layer_mode(const std::string& name);

struct SkipLayerGuidance {
  std::vector<int64_t> layers;  // block indices; empty = off
  double start = 0.01, stop = 0.2;
  double scale = 2.8;
  SkipLayerMode mode = SkipLayerMode::kSd3;
};

// What sampling step `step` of `num_steps` runs besides the conditional pass.
struct GuidancePasses {
  std::vector<int64_t> uncond_skip;  // blocks the unconditional pass skips (kSimpleTuner)
  bool skip_pass = false;            // an extra conditional pass skipping the layers (kSd3)
};
GuidancePasses guidance_passes(const SkipLayerGuidance& slg, int64_t step, int64_t num_steps);

// cond alone when uncond is undefined (no CFG); uncond + g (cond - uncond), plus
// slg.scale (cond - cond_skip) when cond_skip is defined.
at::Tensor combine_guidance(const at::Tensor& cond, const at::Tensor& uncond,
                            const at::Tensor& cond_skip, double guidance,
                            const SkipLayerGuidance& slg);

}  // namespace reel
