// Gradient clipping before the optimizer step (spec training.md §6) and the gradient metric
// that goes with it in the step log.
//
//   GradClip clip = clip_gradients(adapter.trainable(), max_grad_norm, GradClipMethod::kValue);
//   logs[clip.log_key] = clip.metric;
//
//   value (default)  every gradient element clamped to [-max, max]; logs `grad_absmax`, the
//                    largest |g| before clamping.
//   norm             torch's clip_grad_norm_: with n the global L2 norm of all gradients,
//                    every gradient is scaled by min(1, max / (n + 1e-6)); logs `grad_norm` = n.
// max <= 0 means no clipping (pass 0 too for the optimizers that must not be clipped:
// optimi-stableadamw, prodigy); the metric is still reported, and for `norm` it is then the
// largest |g|, as ST logs it. Tensors without a gradient are skipped; with none at all the
// metric is -inf (as ST's).
#pragma once

#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace reel {

enum class GradClipMethod { kValue, kNorm };

// "value" or "norm" (grad_clip_method); anything else throws reel::Error listing them.
GradClipMethod parse_grad_clip_method(const std::string& name);

struct GradClip {
  double metric = 0.0;   // see above; computed before clipping
  std::string log_key;   // "grad_absmax" or "grad_norm"
  bool clipped = false;  // whether clipping ran (max > 0)
};

// Clips the .grad() of `params` in place. Norms are computed in float32 (double for double
// gradients); the gradients keep their dtype.
GradClip clip_gradients(const std::vector<at::Tensor>& params, double max_grad_norm,
                        GradClipMethod method);

}  // namespace reel
