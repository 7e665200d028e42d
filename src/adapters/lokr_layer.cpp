#include "adapters/lokr_layer.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <algorithm>

#include "adapters/locon_layer.h"
#include "core/error.h"
#include "core/shape_text.h"

namespace reel {

std::pair<int64_t, int64_t> lokr_factorization(int64_t dimension, int64_t factor) {
  if (factor > 0 && dimension % factor == 0) {
    int64_t m = factor, n = dimension / factor;
    if (m > n) std::swap(m, n);
    return {m, n};
  }
  if (factor < 0) factor = dimension;
  int64_t m = 1, n = dimension;
  const int64_t length = m + n;
  while (m < n) {
    int64_t new_m = m + 1;
    while (dimension % new_m != 0) ++new_m;
    const int64_t new_n = dimension / new_m;
    if (new_m + new_n > length || new_m > factor) break;
    m = new_m;
    n = new_n;
  }
  if (m > n) std::swap(m, n);
  return {m, n};
}

LokrLayer::LokrLayer(int64_t in_features, int64_t out_features, const LokrOptions& o,
                     at::Generator& gen)
    : ModuleAdapter(in_features, out_features), dim_(o.dim) {
  if (o.dim < 1) {
    throw Error("LoKr dim " + std::to_string(o.dim) + " is not positive").key("linear_dim");
  }
  auto [in_m, in_n] = lokr_factorization(in_features, o.factor);
  auto [out_l, out_k] = lokr_factorization(out_features, o.factor);
  if (o.unbalanced_factorization) std::swap(out_l, out_k);
  const double dim = static_cast<double>(o.dim);
  const bool low_rank_w1 = o.decompose_both && dim < std::max(out_l, in_m) / 2.0 && !o.full_matrix;
  const bool low_rank_w2 = dim < std::max(out_k, in_n) / 2.0 && !o.full_matrix;

  alpha_ = lycoris_alpha(o.alpha, o.dim);
  if (!low_rank_w1 && !low_rank_w2) alpha_ = dim;
  scale_ = alpha_ / dim;

  c10::NoGradGuard no_grad;
  const auto param = [&](const at::Tensor& t) {
    return make_adapter_parameter(t, o.dtype, o.device);
  };
  if (!low_rank_w2) {
    w2_ = param(at::zeros({out_k, in_n}, at::kFloat));
  } else {
    w2_a_ = param(kaiming_uniform_a_sqrt5(out_k, o.dim, gen));
    w2_b_ = param(at::zeros({o.dim, in_n}, at::kFloat));
  }
  if (!low_rank_w1) {
    w1_ = param(kaiming_uniform_a_sqrt5(out_l, in_m, gen));
  } else {
    w1_a_ = param(kaiming_uniform_a_sqrt5(out_l, o.dim, gen));
    w1_b_ = param(kaiming_uniform_a_sqrt5(o.dim, in_m, gen));
  }
}

namespace {

at::Tensor optional_tensor(const AdapterWeights& w, const std::string& name) {
  auto it = w.tensors.find(name);
  return it == w.tensors.end() ? at::Tensor() : it->second;
}

// rows x cols of a factor given whole or as a·b.
std::pair<int64_t, int64_t> factor_shape(const at::Tensor& full, const at::Tensor& a,
                                         const at::Tensor& b) {
  if (full.defined()) return {full.size(0), full.size(1)};
  return {a.size(0), b.size(1)};
}

}  // namespace

std::pair<int64_t, int64_t> LokrLayer::checked_features(const AdapterWeights& weights,
                                                        const std::string& module) {
  const at::Tensor w1 = optional_tensor(weights, "lokr_w1");
  const at::Tensor w1_a = optional_tensor(weights, "lokr_w1_a");
  const at::Tensor w1_b = optional_tensor(weights, "lokr_w1_b");
  const at::Tensor w2 = optional_tensor(weights, "lokr_w2");
  const at::Tensor w2_a = optional_tensor(weights, "lokr_w2_a");
  const at::Tensor w2_b = optional_tensor(weights, "lokr_w2_b");
  const auto bad = [&](const std::string& why) {
    std::string shapes;
    for (auto& [name, t] : weights.tensors) shapes += " " + name + " " + shape_text(t.sizes());
    return Error("LoKr factors of '" + module + "' " + why + ":" + shapes)
        .key(module)
        .hint(
            "expected lokr_w1 [a, c] (or lokr_w1_a [a, r] and lokr_w1_b [r, c]) and lokr_w2 "
            "[b, d] (or lokr_w2_a [b, r] and lokr_w2_b [r, d]); Tucker (lokr_t2) is not "
            "supported");
  };
  if (weights.has("lokr_t2")) throw bad("use a Tucker decomposition");
  if (w1.defined() == (w1_a.defined() || w1_b.defined()) || w1_a.defined() != w1_b.defined()) {
    throw bad("need either lokr_w1 or both lokr_w1_a and lokr_w1_b");
  }
  if (w2.defined() == (w2_a.defined() || w2_b.defined()) || w2_a.defined() != w2_b.defined()) {
    throw bad("need either lokr_w2 or both lokr_w2_a and lokr_w2_b");
  }
  for (const at::Tensor* t : {&w1, &w1_a, &w1_b, &w2, &w2_a, &w2_b}) {
    if (t->defined() && t->dim() != 2) throw bad("are not all matrices");
  }
  const bool ranks_ok = (!w1_a.defined() || w1_a.size(1) == w1_b.size(0)) &&
                        (!w2_a.defined() || w2_a.size(1) == w2_b.size(0)) &&
                        (!w1_a.defined() || !w2_a.defined() || w1_a.size(1) == w2_a.size(1));
  if (!ranks_ok) throw bad("have mismatched ranks");
  auto [a, c] = factor_shape(w1, w1_a, w1_b);
  auto [b, d] = factor_shape(w2, w2_a, w2_b);
  return {c * d, a * b};
}

LokrLayer::LokrLayer(const AdapterWeights& weights, const std::string& module, at::ScalarType dtype,
                     at::Device device)
    : LokrLayer(checked_features(weights, module), weights, dtype, device) {}

LokrLayer::LokrLayer(std::pair<int64_t, int64_t> in_out, const AdapterWeights& weights,
                     at::ScalarType dtype, at::Device device)
    : ModuleAdapter(in_out.first, in_out.second) {
  const auto param = [&](const std::string& name) {
    const at::Tensor t = optional_tensor(weights, name);
    return t.defined() ? make_adapter_parameter(t, dtype, device) : at::Tensor();
  };
  w1_ = param("lokr_w1");
  w1_a_ = param("lokr_w1_a");
  w1_b_ = param("lokr_w1_b");
  w2_ = param("lokr_w2");
  w2_a_ = param("lokr_w2_a");
  w2_b_ = param("lokr_w2_b");
  // As LyCORIS' make_module_from_state_dict: dim from a low-rank factor; with two full
  // factors the scale is 1 whatever the alpha (the file's alpha is kept for saving).
  alpha_ = weights.alpha;
  if (w1_a_.defined()) {
    dim_ = w1_a_.size(1);
  } else if (w2_a_.defined()) {
    dim_ = w2_a_.size(1);
  } else {
    dim_ = 1;
  }
  scale_ = (w1_.defined() && w2_.defined()) ? 1.0 : lycoris_alpha(alpha_, dim_) / dim_;
  if (!(w1_.defined() && w2_.defined())) alpha_ = lycoris_alpha(alpha_, dim_);
}

std::vector<std::pair<std::string, at::Tensor>> LokrLayer::named_parameters() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  if (w1_.defined()) {
    out.emplace_back("lokr_w1", w1_);
  } else {
    out.emplace_back("lokr_w1_a", w1_a_);
    out.emplace_back("lokr_w1_b", w1_b_);
  }
  if (w2_.defined()) {
    out.emplace_back("lokr_w2", w2_);
  } else {
    out.emplace_back("lokr_w2_a", w2_a_);
    out.emplace_back("lokr_w2_b", w2_b_);
  }
  return out;
}

at::Tensor LokrLayer::w1() const {
  return w1_.defined() ? w1_ : at::matmul(w1_a_, w1_b_);
}
at::Tensor LokrLayer::w2() const {
  return w2_.defined() ? w2_ : at::matmul(w2_a_, w2_b_);
}

at::Tensor LokrLayer::scaled_delta_weight(double factor) const {
  return at::kron(w1(), w2()) * (factor * scale_);
}

at::Tensor LokrLayer::scaled_delta(const at::Tensor& x, double factor) const {
  return at::linear(x, scaled_delta_weight(factor).to(x.scalar_type()));
}

}  // namespace reel
