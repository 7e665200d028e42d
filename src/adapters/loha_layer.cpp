#include "adapters/loha_layer.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "adapters/locon_layer.h"
#include "core/error.h"
#include "core/shape_text.h"

namespace reel {

LohaLayer::LohaLayer(int64_t in_features, int64_t out_features, int64_t dim, double alpha,
                     at::ScalarType dtype, at::Device device, at::Generator& gen)
    : ModuleAdapter(in_features, out_features), alpha_(lycoris_alpha(alpha, dim)) {
  if (dim < 1)
    throw Error("LoHa dim " + std::to_string(dim) + " is not positive").key("linear_dim");
  c10::NoGradGuard no_grad;
  const auto f32 = at::TensorOptions().dtype(at::kFloat);
  at::Tensor w1_b = at::empty({dim, in_features}, f32).normal_(0.0, 1.0, gen);
  at::Tensor w1_a = at::empty({out_features, dim}, f32).normal_(0.0, 0.1, gen);
  at::Tensor w2_b = at::empty({dim, in_features}, f32).normal_(0.0, 1.0, gen);
  at::Tensor w2_a = at::zeros({out_features, dim}, f32);
  w1_a_ = make_adapter_parameter(w1_a, dtype, device);
  w1_b_ = make_adapter_parameter(w1_b, dtype, device);
  w2_a_ = make_adapter_parameter(w2_a, dtype, device);
  w2_b_ = make_adapter_parameter(w2_b, dtype, device);
}

LohaLayer::LohaLayer(const AdapterWeights& weights, const std::string& module, at::ScalarType dtype,
                     at::Device device)
    : ModuleAdapter(weights.at("hada_w1_b", module).size(-1),
                    weights.at("hada_w1_a", module).size(0)),
      alpha_(0.0) {
  const at::Tensor& w1_a = weights.at("hada_w1_a", module);
  const at::Tensor& w1_b = weights.at("hada_w1_b", module);
  const at::Tensor& w2_a = weights.at("hada_w2_a", module);
  const at::Tensor& w2_b = weights.at("hada_w2_b", module);
  const bool ok = w1_a.dim() == 2 && w1_b.dim() == 2 && w1_a.sizes() == w2_a.sizes() &&
                  w1_b.sizes() == w2_b.sizes() && w1_a.size(1) == w1_b.size(0);
  if (!ok) {
    throw Error("LoHa factors of '" + module + "' do not fit together: hada_w1_a " +
                shape_text(w1_a.sizes()) + ", hada_w1_b " + shape_text(w1_b.sizes()) +
                ", hada_w2_a " + shape_text(w2_a.sizes()) + ", hada_w2_b " +
                shape_text(w2_b.sizes()))
        .key(module)
        .hint("expected w*_a [out, dim] and w*_b [dim, in] (Tucker/conv LoHa is not supported)");
  }
  alpha_ = lycoris_alpha(weights.alpha, w1_a.size(1));
  w1_a_ = make_adapter_parameter(w1_a, dtype, device);
  w1_b_ = make_adapter_parameter(w1_b, dtype, device);
  w2_a_ = make_adapter_parameter(w2_a, dtype, device);
  w2_b_ = make_adapter_parameter(w2_b, dtype, device);
}

std::vector<std::pair<std::string, at::Tensor>> LohaLayer::named_parameters() const {
  return {{"hada_w1_a", w1_a_}, {"hada_w1_b", w1_b_}, {"hada_w2_a", w2_a_}, {"hada_w2_b", w2_b_}};
}

at::Tensor LohaLayer::scaled_delta_weight(double factor) const {
  return at::matmul(w1_a_, w1_b_) * at::matmul(w2_a_, w2_b_) * (factor * scale());
}

at::Tensor LohaLayer::scaled_delta(const at::Tensor& x, double factor) const {
  return at::linear(x, scaled_delta_weight(factor).to(x.scalar_type()));
}

}  // namespace reel
