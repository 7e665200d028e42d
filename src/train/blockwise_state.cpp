#include "train/blockwise_state.h"

#include <ATen/ATen.h>

namespace reel {

BlockwiseState BlockwiseState::zeros_for(const at::Tensor& param, int64_t min_8bit_size) {
  const at::TensorOptions options = param.options().memory_format(at::MemoryFormat::Contiguous);
  BlockwiseState s;
  if (param.numel() < min_8bit_size) {
    s.values = at::zeros(param.sizes(), options.dtype(at::kFloat));
    return s;
  }
  // Code 0 is not the value 0 in either code, but an absmax of 0 makes every value 0.
  s.values = at::zeros(param.sizes(), options.dtype(at::kByte));
  s.absmax = at::zeros({BlockwiseQuantizer::block_count(param.numel())},
                       param.options().dtype(at::kFloat));
  return s;
}

at::Tensor BlockwiseState::load(const BlockwiseQuantizer& quantizer) const {
  return quantized() ? quantizer.dequantize(values, absmax) : values;
}

void BlockwiseState::store(const BlockwiseQuantizer& quantizer, const at::Tensor& updated) const {
  if (quantized()) {
    quantizer.quantize(updated, values, absmax);
  } else if (!updated.is_same(values)) {
    values.copy_(updated);
  }
}

}  // namespace reel
