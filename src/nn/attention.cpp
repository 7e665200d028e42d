#include "nn/attention.h"

#include <ATen/ATen.h>

#include "core/error.h"

namespace reel::nn {

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const at::Tensor& key_mask) {
  TORCH_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4,
              "attention expects [B, heads, L, head_dim] tensors");
  std::optional<at::Tensor> mask;
  if (key_mask.defined()) {
    TORCH_CHECK(
        key_mask.dim() == 2 && key_mask.size(0) == k.size(0) && key_mask.size(1) == k.size(2),
        "attention key_mask must be [B, Lk]");
    // [B, 1, 1, Lk]: broadcast over heads and queries.
    mask = key_mask.to(at::kBool).view({key_mask.size(0), 1, 1, key_mask.size(1)});
  }
  return at::scaled_dot_product_attention(q, k, v, mask);
}

}  // namespace reel::nn
