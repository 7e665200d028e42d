// One Wan transformer block (diffusers WanTransformerBlock, official WanAttentionBlock):
//   x += gate_msa · attn1(LN(x)·(1 + scale_msa) + shift_msa)     self-attention, RoPE
//   x += attn2(norm2(x), text[, image])                            cross-attention
//   x += gate_ffn · ffn(LN(x)·(1 + scale_ffn) + shift_ffn)
// with (shift_msa, scale_msa, gate_msa, shift_ffn, scale_ffn, gate_ffn) = scale_shift_table
// + timestep_proj (per sample [B, 6, dim] or per token [B, L, 6, dim]).
// Diffusers names here; the official names are self_attn (attn1), cross_attn (attn2),
// norm3 (our norm2: the affine cross-attention norm) and modulation (scale_shift_table).
//
// Precision (diffusers' casting points): the norms, the modulation and the residual adds are
// computed in float32; the residual stream is stored in the compute dtype; projections and
// attention run in the compute dtype; q/k RMSNorm and RoPE run in float32.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "nn/feed_forward.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"
#include "nn/rms_norm.h"
#include "nn/rotary.h"

namespace reel::wan {

struct WanAttention {
  int64_t heads = 0;
  nn::Linear to_q, to_k, to_v, to_out;  // to_out = diffusers to_out.0
  nn::RmsNorm norm_q, norm_k;           // across heads ([dim])
  // Wan 2.1 I2V cross-attention only: the image keys/values (official k_img, v_img, norm_k_img).
  bool has_added_kv = false;
  nn::Linear add_k_proj, add_v_proj;
  nn::RmsNorm norm_added_k;

  // Self-attention over x [B, L, dim] with RoPE.
  at::Tensor self_attention(const at::Tensor& x, const nn::RotaryTable& rope) const;
  // Cross-attention of x to `text` [B, Lt, dim] and, with the image branch, to `image`
  // [B, 257, dim] separately; the two results are summed before to_out. No mask: Wan's text
  // padding takes part.
  at::Tensor cross_attention(const at::Tensor& x, const at::Tensor& text,
                             const at::Tensor& image) const;

 private:
  at::Tensor split_heads(const at::Tensor& x) const;  // [B, L, dim] -> [B, heads, L, d]
};

struct WanBlock {
  at::Tensor scale_shift_table;  // [1, 6, dim]
  WanAttention attn1, attn2;
  bool cross_attn_norm = true;
  nn::LayerNorm norm1, norm2, norm3;  // norm2 affine (cross-attention), norm1/norm3 not
  nn::FeedForward ffn;

  at::Tensor operator()(const at::Tensor& x, const at::Tensor& text, const at::Tensor& image,
                        const at::Tensor& timestep_proj, const nn::RotaryTable& rope,
                        int64_t ffn_chunk_size) const;

  // Every tensor the block computes with, adapters' included (for gradient checkpointing).
  std::vector<at::Tensor> tensors() const;
};

}  // namespace reel::wan
