// LyCORIS LoCon (`algo: locon` or `lora`) on a Linear: the LoRA maths with LyCORIS'
// conventions (lycoris/modules/locon.py). Its factors are lora_down [dim, in] (= LoRA's A,
// kaiming-uniform a=√5) and lora_up [out, dim] (= B, zero); alpha 0 means alpha = dim; no
// dropout (LyCORIS applies LoCon dropout only in bypass mode). Files store the factors as
// `<name>.lora_down.weight` / `.lora_up.weight` with `.alpha`.
#pragma once

#include "adapters/lora_layer.h"

namespace reel {

class LoconLayer : public LoraLayer {
 public:
  LoconLayer(int64_t in_features, int64_t out_features, int64_t dim, double alpha,
             at::ScalarType dtype, at::Device device, at::Generator& gen);
  // From a file's lora_down (A) and lora_up (B).
  LoconLayer(const at::Tensor& down, const at::Tensor& up, double alpha, at::ScalarType dtype,
             at::Device device);

  AdapterAlgo algo() const override { return AdapterAlgo::kLoCon; }
};

// LyCORIS' rule for every algorithm: alpha 0 (or absent) means alpha = dim, i.e. scale 1.
inline double lycoris_alpha(double alpha, int64_t dim) {
  return alpha == 0.0 ? static_cast<double>(dim) : alpha;
}

}  // namespace reel
