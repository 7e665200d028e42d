// One state tensor of a bitsandbytes-style 8-bit optimizer (exp_avg, exp_avg_sq): uint8
// codes plus a float32 absmax per block of 256 (blockwise_quantizer.h), or, for a parameter
// with fewer than min_8bit_size elements, a plain float32 tensor, as bitsandbytes keeps it
// (quantising tiny tensors saves nothing and costs precision). A step loads it as float32,
// updates that and stores it back, requantising.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "train/blockwise_quantizer.h"

namespace reel {

struct BlockwiseState {
  // Zero state for `param`: 8-bit when param.numel() >= min_8bit_size.
  static BlockwiseState zeros_for(const at::Tensor& param, int64_t min_8bit_size);

  bool quantized() const { return absmax.defined(); }
  // The state as float32: a dequantised copy, or the float32 state tensor itself.
  at::Tensor load(const BlockwiseQuantizer& quantizer) const;
  // Writes `updated` (from load()) back; quantises it when the state is 8-bit.
  void store(const BlockwiseQuantizer& quantizer, const at::Tensor& updated) const;

  at::Tensor values;  // uint8 codes or float32 values, shaped like the parameter
  at::Tensor absmax;  // float32 [blocks]; undefined for float32 state
};

}  // namespace reel
