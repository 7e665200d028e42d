#include "adapters/locon_layer.h"

namespace reel {
namespace {

LoraLayerOptions locon_options(int64_t dim, double alpha, at::ScalarType dtype, at::Device device) {
  LoraLayerOptions o;
  o.rank = dim;
  o.alpha = lycoris_alpha(alpha, dim);
  o.dtype = dtype;
  o.device = device;
  return o;
}

}  // namespace

LoconLayer::LoconLayer(int64_t in_features, int64_t out_features, int64_t dim, double alpha,
                       at::ScalarType dtype, at::Device device, at::Generator& gen)
    : LoraLayer(in_features, out_features, locon_options(dim, alpha, dtype, device), gen) {}

LoconLayer::LoconLayer(const at::Tensor& down, const at::Tensor& up, double alpha,
                       at::ScalarType dtype, at::Device device)
    : LoraLayer(down, up, lycoris_alpha(alpha, down.dim() == 2 ? down.size(0) : 1),
                locon_options(down.dim() == 2 ? down.size(0) : 1, alpha, dtype, device)) {}

}  // namespace reel
