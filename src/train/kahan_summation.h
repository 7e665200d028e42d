// Kahan-compensated parameter updates (optimi's kahan_sum, after torchdistx's
// AnyPrecisionAdamW). A bf16 weight cannot take an update smaller than half its precision:
// p + u rounds back to p. A compensation buffer of the weight's dtype keeps what the last
// write lost and adds it to the next update, so the weight follows the float32 trajectory to
// within about one bf16 step, deterministically (no random numbers, unlike stochastic
// rounding).
//
//   k <- k + u;  p_old <- p;  p <- p + bf16(k);  k <- k + (p_old - p)     (k in float32)
//
//   if (uses_kahan(p, settings.kahan_sum)) kahan_add_(p, kahan_comp, -lr * update_fp32);
#pragma once

#include <ATen/core/Tensor.h>

namespace reel {

// True for a bf16 or fp16 parameter when `kahan_sum` is on: float32 parameters need none.
bool uses_kahan(const at::Tensor& param, bool kahan_sum);

// p += update (float32) through `compensation` (dtype of p), in place, as optimi's Triton
// kernels do it: the arithmetic in float32, p and the compensation stored in p's dtype.
void kahan_add_(const at::Tensor& param, const at::Tensor& compensation, const at::Tensor& update);

}  // namespace reel
