// Stochastic rounding of float32 values to bfloat16, as ST's adamw_bfloat16 does it: a
// random 16-bit integer is added to the low half of each float32 bit pattern and the low
// half is then cut off, so a value rounds up with a probability equal to its distance from
// the bf16 value below it, in units of the gap between the two. Rounded values are
// therefore unbiased on average, which lets bf16 weights take updates far smaller than
// their precision. The random bits come from `generator` (on the tensors' device), so a
// resumed run that restores the generator's state rounds exactly as the uninterrupted one.
//
//   copy_stochastic_(weight_bf16, updated_fp32, generator);
#pragma once

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace reel {

// target (bfloat16) <- stochastically rounded source (float32, same shape and device).
void copy_stochastic_(const at::Tensor& target, const at::Tensor& source, at::Generator& generator);

// A generator on `device` seeded with `seed`: a CPU generator (mt19937) for the CPU, a fresh
// one of the device's kind (Philox on CUDA) otherwise.
at::Generator make_seeded_generator(const at::Device& device, uint64_t seed);

}  // namespace reel
