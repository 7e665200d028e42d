// A linear layer as plain tensors. Models hold these by value and call them; an adapter
// (LoRA, LyCORIS) attaches to any layer by setting `adapter`, so adapter code never has to
// touch model code: y = x·Wᵀ + b + adapter(x).
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>
#include <vector>

namespace reel::nn {

class LinearAdapter {
 public:
  virtual ~LinearAdapter() = default;
  // What the adapter adds to the layer's output for input `x`.
  virtual at::Tensor delta(const at::Tensor& x) const = 0;
  // The tensors delta() computes with that may be trained (e.g. LoRA's A and B), so that
  // gradient checkpointing (nn/checkpoint.h) can differentiate with respect to them.
  virtual std::vector<at::Tensor> parameters() const { return {}; }
};

struct Linear {
  at::Tensor weight;  // [out, in]
  at::Tensor bias;    // [out], or undefined for a layer without bias
  std::shared_ptr<const LinearAdapter> adapter;

  // Weights stored in another dtype than x are cast to x's dtype for the call (float32
  // master weights under bf16 compute, or bf16 weights in a float32 part of the model).
  at::Tensor operator()(const at::Tensor& x) const;
};

}  // namespace reel::nn
