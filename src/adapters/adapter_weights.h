// The tensors of one adapted Linear, as adapter files hold them, independent of any model.
// Files name the tensors by their native names; an AdapterWeights keeps those names (without
// the ".weight" suffix) so that saving writes back exactly what was read:
//   lora   lora_A [r, in], lora_B [out, r]                 (PEFT / ComfyUI / musubi files)
//   locon  lora_A [r, in], lora_B [out, r]                 (LyCORIS lora_down / lora_up)
//   loha   hada_w1_a [out, r], hada_w1_b [r, in], hada_w2_a [out, r], hada_w2_b [r, in]
//   lokr   lokr_w1 [a, c] (or lokr_w1_a [a, r], lokr_w1_b [r, c]) and
//          lokr_w2 [b, d] (or lokr_w2_a [b, r], lokr_w2_b [r, d]); out = a·b, in = c·d
// `alpha` is the file's alpha; each algorithm turns it into its scale (lora_layer.h, ...).
#pragma once

#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <string_view>

namespace reel {

enum class AdapterAlgo { kLora, kLoCon, kLoHa, kLoKr };

// "lora", "locon", "loha", "lokr".
std::string_view adapter_algo_name(AdapterAlgo algo);

// True for the LyCORIS algorithms (their files use LyCORIS' own key names).
bool is_lycoris_algo(AdapterAlgo algo);

struct AdapterWeights {
  AdapterAlgo algo = AdapterAlgo::kLora;
  std::map<std::string, at::Tensor> tensors;  // native names, see above
  double alpha = 0.0;
  // A bias delta [out] (ComfyUI `.diff_b`, PEFT `lora_B.bias`), added times the multiplier
  // only (no alpha/rank scale); undefined when the file has none.
  at::Tensor bias;

  // The tensor `name`; throws reel::Error naming `module` when it is missing.
  const at::Tensor& at(const std::string& name, const std::string& module) const;
  bool has(const std::string& name) const { return tensors.count(name) > 0; }
};

// Adapter weights by diffusers module name ("blocks.0.attn1.to_q").
using AdapterWeightSet = std::map<std::string, AdapterWeights>;

}  // namespace reel
