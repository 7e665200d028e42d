// LyCORIS LoHa (Hadamard product) on a Linear (lycoris/modules/loha.py):
//   ΔW = (hada_w1_a · hada_w1_b) ⊙ (hada_w2_a · hada_w2_b),  scale = alpha / dim
// with w*_a [out, dim], w*_b [dim, in]. Init as LyCORIS (no use_scalar): w1_b ~ N(0, 1),
// w1_a ~ N(0, 0.1²), w2_b ~ N(0, 1), w2_a = 0, drawn in that order, so ΔW starts at 0.
// alpha 0 means alpha = dim. No dropout (LyCORIS has none for LoHa).
#pragma once

#include <ATen/core/Generator.h>

#include "adapters/module_adapter.h"

namespace reel {

class LohaLayer : public ModuleAdapter {
 public:
  LohaLayer(int64_t in_features, int64_t out_features, int64_t dim, double alpha,
            at::ScalarType dtype, at::Device device, at::Generator& gen);
  // From a file's factors (AdapterWeights of algo loha).
  LohaLayer(const AdapterWeights& weights, const std::string& module, at::ScalarType dtype,
            at::Device device);

  AdapterAlgo algo() const override { return AdapterAlgo::kLoHa; }
  int64_t rank() const override { return w1_a_.size(1); }
  double alpha() const override { return alpha_; }
  double scale() const override { return alpha_ / static_cast<double>(rank()); }
  std::vector<std::pair<std::string, at::Tensor>> named_parameters() const override;

 protected:
  at::Tensor scaled_delta(const at::Tensor& x, double factor) const override;
  at::Tensor scaled_delta_weight(double factor) const override;

 private:
  at::Tensor w1_a_, w1_b_, w2_a_, w2_b_;
  double alpha_;
};

}  // namespace reel
