// "bnb-adamw8bit" (and "bnb-adamw8bit-paged"): bitsandbytes' AdamW8bit. The update is
// torch's AdamW, computed in float32:
//
//   p <- p * (1 - lr * weight_decay)
//   m <- beta1 * m + (1 - beta1) * g;   v <- beta2 * v + (1 - beta2) * g * g
//   p <- p - lr / (1 - beta1^k) * m / (sqrt(v) / sqrt(1 - beta2^k) + eps)
//
// but m and v are stored in 8 bits between steps: block-wise dynamic quantisation, signed
// code for m and unsigned code for v, blocks of 256 (blockwise_state.h), dequantised before
// and requantised after each step, so the state takes 2 bytes per weight instead of 8.
// Parameters with fewer than min_8bit_size elements keep float32 state, as in bitsandbytes.
// "Paged" in bitsandbytes means the state lives in CUDA unified memory that the driver may
// page out to the host under memory pressure; the update is the same, and Reel keeps the
// state in ordinary device memory, so the paged name is this same optimizer.
//
// State per parameter: step (int64), exp_avg and exp_avg_sq (uint8 codes, with
// exp_avg_absmax and exp_avg_sq_absmax float32 per block; or float32 for small tensors).
#pragma once

#include <vector>

#include "train/blockwise_quantizer.h"
#include "train/blockwise_state.h"
#include "train/optimizer.h"
#include "train/optimizer_config.h"

namespace reel {

class AdamW8bitOptimizer : public Optimizer {
 public:
  AdamW8bitOptimizer(NamedTensors params, const OptimizerSettings& settings,
                     std::string name = "bnb-adamw8bit");

 private:
  void update(size_t index, const at::Tensor& param, const at::Tensor& grad, double lr) override;

  double beta1_, beta2_, eps_, weight_decay_;
  BlockwiseQuantizer signed_{true}, unsigned_{false};
  std::vector<BlockwiseState> exp_avg_, exp_avg_sq_;
  std::vector<at::Tensor> step_;
};

}  // namespace reel
