// Gradient checkpointing: run a block without keeping its activations, and rerun it in the
// backward pass to get them back. Memory for the block's intermediates is traded for one more
// forward.
//
//   x = nn::checkpoint([&](const std::vector<at::Tensor>& in) { return block(in[0], in[1]); },
//                      {x, context}, block_parameters);
//
// `inputs` are handed to `block` (detached copies in the rerun). `parameters` are the tensors
// that `block` closes over and that may require grad (weights, LoRA factors): they are inputs
// of the autograd node too, so their gradients come out correct, through .grad and through
// torch::autograd::grad alike. A tensor the block uses that requires grad but is not listed
// gets no gradient from the block. The block must be deterministic (no dropout).
//
// Without grad mode, or when nothing requires grad, this simply calls `block(inputs)`.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <vector>

namespace reel::nn {

using CheckpointedBlock = std::function<at::Tensor(const std::vector<at::Tensor>&)>;

at::Tensor checkpoint(CheckpointedBlock block, const std::vector<at::Tensor>& inputs,
                      const std::vector<at::Tensor>& parameters);

}  // namespace reel::nn
