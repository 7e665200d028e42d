// LyCORIS LoKr (Kronecker product) on a Linear (lycoris/modules/lokr.py):
//   ΔW = w1 ⊗ w2,  out = a·b, in = c·d,  w1 [a, c] (the small "scale" factor),
//   w2 [b, d] (the large one), (a, b) = lokr_factorization(out, factor) and
//   (c, d) = lokr_factorization(in, factor).
// w2 is low-rank (w2_a [b, dim] · w2_b [dim, d]) when dim < max(b, d)/2 and not
// full_matrix, else a full matrix; w1 is low-rank (w1_a [a, dim] · w1_b [dim, c]) only with
// decompose_both and dim < max(a, c)/2 and not full_matrix.
// Scale = alpha/dim with alpha 0 meaning dim; when both factors are full matrices LyCORIS
// sets alpha = dim, so the scale is 1 (and the file's alpha is dim).
// Init (no use_scalar): w2 = 0 or (w2_a kaiming-uniform a=√5, w2_b = 0); w1 (or w1_a and
// w1_b) kaiming-uniform a=√5, drawn in LyCORIS' order: w2 factors first, then w1.
// No dropout (LyCORIS has none for LoKr).
#pragma once

#include <ATen/core/Generator.h>

#include <utility>

#include "adapters/module_adapter.h"

namespace reel {

// LyCORIS' factorization(dimension, factor): (m, n) with m·n = dimension and m <= n. A
// factor > 0 that divides dimension gives (factor, dimension/factor) (ordered); otherwise
// (factor -1 = no limit) the most balanced split with m <= factor.
//   lokr_factorization(128, -1) == {8, 16};  lokr_factorization(360, 16) == {12, 30}
std::pair<int64_t, int64_t> lokr_factorization(int64_t dimension, int64_t factor = -1);

struct LokrOptions {
  int64_t dim = 4;  // linear_dim
  double alpha = 1.0;
  int64_t factor = -1;
  bool full_matrix = false;
  bool decompose_both = false;
  bool unbalanced_factorization = false;  // swaps the output factors (a, b)
  at::ScalarType dtype = at::kFloat;
  at::Device device = at::kCPU;
};

class LokrLayer : public ModuleAdapter {
 public:
  LokrLayer(int64_t in_features, int64_t out_features, const LokrOptions& options,
            at::Generator& gen);
  // From a file's factors (AdapterWeights of algo lokr).
  LokrLayer(const AdapterWeights& weights, const std::string& module, at::ScalarType dtype,
            at::Device device);

  AdapterAlgo algo() const override { return AdapterAlgo::kLoKr; }
  int64_t rank() const override { return dim_; }
  double alpha() const override { return alpha_; }
  double scale() const override { return scale_; }
  std::vector<std::pair<std::string, at::Tensor>> named_parameters() const override;

  bool full_w1() const { return w1_.defined(); }
  bool full_w2() const { return w2_.defined(); }
  // The two Kronecker factors as full matrices.
  at::Tensor w1() const;
  at::Tensor w2() const;

 protected:
  at::Tensor scaled_delta(const at::Tensor& x, double factor) const override;
  at::Tensor scaled_delta_weight(double factor) const override;

 private:
  // Checks a file's factors; returns (in, out).
  static std::pair<int64_t, int64_t> checked_features(const AdapterWeights& weights,
                                                      const std::string& module);
  LokrLayer(std::pair<int64_t, int64_t> in_out, const AdapterWeights& weights, at::ScalarType dtype,
            at::Device device);

  at::Tensor w1_, w1_a_, w1_b_, w2_, w2_a_, w2_b_;
  int64_t dim_ = 1;
  double alpha_ = 1.0, scale_ = 1.0;
};

}  // namespace reel
