// "bnb-lion8bit" (and "bnb-lion8bit-paged"): bitsandbytes' Lion8bit. The update is Lion's,
// computed in float32 (optimi_lion_optimizer.h has the formula; weight decay is decoupled,
// p *= 1 - lr * weight_decay), with the momentum m stored in 8 bits between steps:
// block-wise dynamic quantisation with the signed code, blocks of 256 (blockwise_state.h).
// Parameters with fewer than min_8bit_size elements keep float32 state, as in bitsandbytes.
// "Paged" (CUDA unified memory in bitsandbytes) changes where the state lives, not the
// update; Reel keeps it in ordinary device memory, so the paged name is this same optimizer.
//
// State per parameter: exp_avg (uint8 codes, with exp_avg_absmax; or float32).
#pragma once

#include <vector>

#include "train/blockwise_quantizer.h"
#include "train/blockwise_state.h"
#include "train/optimizer.h"
#include "train/optimizer_config.h"

namespace reel {

class Lion8bitOptimizer : public Optimizer {
 public:
  Lion8bitOptimizer(NamedTensors params, const OptimizerSettings& settings,
                    std::string name = "bnb-lion8bit");

 private:
  void update(size_t index, const at::Tensor& param, const at::Tensor& grad, double lr) override;

  double beta1_, beta2_, weight_decay_;
  BlockwiseQuantizer signed_{true};
  std::vector<BlockwiseState> exp_avg_;
};

}  // namespace reel
