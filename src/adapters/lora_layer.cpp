#include "adapters/lora_layer.h"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "core/error.h"
#include "core/shape_text.h"

namespace reel {

LoraInit parse_lora_init(std::string_view name) {
  if (name == "default") return LoraInit::kDefault;
  if (name == "gaussian") return LoraInit::kGaussian;
  const bool known = name == "loftq" || name == "olora" || name == "pissa";
  throw Error("lora_init_type '" + std::string(name) + "' is " +
              (known ? "not supported by Reel" : "not a LoRA init type"))
      .key("lora_init_type")
      .hint("use 'default' (A ~ kaiming-uniform, B = 0) or 'gaussian' (A ~ N(0, 1/r^2), B = 0)");
}

namespace {

void check_rank(int64_t rank) {
  if (rank < 1) {
    throw Error("LoRA rank " + std::to_string(rank) + " is not positive")
        .key("lora_rank")
        .hint("use a rank such as 16");
  }
}

}  // namespace

LoraLayer::LoraLayer(int64_t in_features, int64_t out_features, const LoraLayerOptions& options,
                     at::Generator& gen, uint64_t dropout_seed)
    : ModuleAdapter(in_features, out_features),
      alpha_(options.alpha),
      dropout_(options.dropout, dropout_seed) {
  check_rank(options.rank);
  at::Tensor a;
  if (options.init == LoraInit::kDefault) {
    a = kaiming_uniform_a_sqrt5(options.rank, in_features, gen);
  } else {
    c10::NoGradGuard no_grad;
    a = at::empty({options.rank, in_features}, at::kFloat)
            .normal_(0.0, 1.0 / static_cast<double>(options.rank), gen);
  }
  a_ = make_adapter_parameter(a, options.dtype, options.device);
  b_ = make_adapter_parameter(at::zeros({out_features, options.rank}, at::kFloat), options.dtype,
                              options.device);
}

LoraLayer::LoraLayer(const at::Tensor& a, const at::Tensor& b, double alpha,
                     const LoraLayerOptions& options, uint64_t dropout_seed)
    : ModuleAdapter(a.dim() == 2 ? a.size(1) : 0, b.dim() == 2 ? b.size(0) : 0),
      alpha_(alpha),
      dropout_(options.dropout, dropout_seed) {
  if (a.dim() != 2 || b.dim() != 2 || a.size(0) != b.size(1)) {
    throw Error("LoRA factors of shapes A " + shape_text(a.sizes()) + " and B " +
                shape_text(b.sizes()) + " do not fit together")
        .hint("A must be [rank, in] and B [out, rank]");
  }
  check_rank(a.size(0));
  a_ = make_adapter_parameter(a, options.dtype, options.device);
  b_ = make_adapter_parameter(b, options.dtype, options.device);
}

std::vector<std::pair<std::string, at::Tensor>> LoraLayer::named_parameters() const {
  return {{"lora_A", a_}, {"lora_B", b_}};
}

void LoraLayer::set_training(bool training) {
  ModuleAdapter::set_training(training);
  dropout_active_ = training && dropout_.p() > 0.0;
}

at::Tensor LoraLayer::scaled_delta(const at::Tensor& x, double factor) const {
  const auto dtype = x.scalar_type();
  const at::Tensor in = dropout_active_ ? dropout_(x) : x;
  return at::linear(at::linear(in, a_.to(dtype)), b_.to(dtype)) * (factor * scale());
}

at::Tensor LoraLayer::scaled_delta_weight(double factor) const {
  return at::matmul(b_, a_) * (factor * scale());
}

}  // namespace reel
