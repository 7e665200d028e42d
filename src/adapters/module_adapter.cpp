#include "adapters/module_adapter.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <cmath>

#include "core/error.h"
#include "core/shape_text.h"

namespace reel {

ModuleAdapter::ModuleAdapter(int64_t in_features, int64_t out_features)
    : in_features_(in_features), out_features_(out_features) {}

std::vector<at::Tensor> ModuleAdapter::parameters() const {
  std::vector<at::Tensor> out;
  for (auto& [name, t] : named_parameters()) out.push_back(t);
  return out;
}

at::Tensor ModuleAdapter::delta(const at::Tensor& x) const {
  at::Tensor d = scaled_delta(x, multiplier_);
  if (bias_delta_.defined()) d = d + bias_delta_.to(x.scalar_type()) * multiplier_;
  return d;
}

at::Tensor ModuleAdapter::delta_weight() const {
  return scaled_delta_weight(multiplier_);
}

void ModuleAdapter::set_bias_delta(at::Tensor bias) {
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != out_features_)) {
    throw Error("bias delta of shape " + shape_text(bias.sizes()) + " does not fit a layer with " +
                std::to_string(out_features_) + " outputs");
  }
  bias_delta_ = std::move(bias);
}

AdapterWeights ModuleAdapter::weights() const {
  AdapterWeights w;
  w.algo = algo();
  for (auto& [name, t] : named_parameters()) w.tensors[name] = t.detach();
  w.alpha = alpha();
  if (bias_delta_.defined()) w.bias = bias_delta_.detach();
  return w;
}

at::Tensor make_adapter_parameter(const at::Tensor& t, at::ScalarType dtype, at::Device device) {
  c10::NoGradGuard no_grad;
  at::Tensor p = t.to(device, dtype, /*non_blocking=*/false, /*copy=*/true);
  return p.detach().requires_grad_(true);
}

at::Tensor kaiming_uniform_a_sqrt5(int64_t rows, int64_t fan_in, at::Generator& gen) {
  // gain √(2/(1+a²)) = √(1/3) with a = √5; bound = gain·√(3/fan_in) = 1/√fan_in.
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  c10::NoGradGuard no_grad;
  return at::empty({rows, fan_in}, at::kFloat).uniform_(-bound, bound, gen);
}

}  // namespace reel
