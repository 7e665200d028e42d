// The one attention dispatch. Every attention in Reel goes through here, so a backend
// (another kernel, a sequence-parallel variant) is added in one place.
//
// Layout: q [B, heads, Lq, head_dim], k and v [B, heads, Lk, head_dim]; the result is
// [B, heads, Lq, head_dim] in q's dtype. Scale 1/sqrt(head_dim), no dropout, not causal.
// It runs at::scaled_dot_product_attention, which picks flash or memory-efficient kernels on
// CUDA (bf16/fp16) and the math/flash-CPU path on CPU.
//
// `key_mask` (optional) is [B, Lk] bool, true = the key takes part (false: padding). Every
// query row must keep at least one key. Note that Wan does NOT mask its text padding.
#pragma once

#include <ATen/core/Tensor.h>

namespace reel::nn {

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const at::Tensor& key_mask = at::Tensor());

}  // namespace reel::nn
