#include "models/wan/wan_block.h"

#include <ATen/ATen.h>

#include "nn/attention.h"

namespace reel::wan {

at::Tensor WanAttention::split_heads(const at::Tensor& x) const {
  return x.unflatten(-1, {heads, -1}).transpose(1, 2);
}

static at::Tensor merge_heads(const at::Tensor& x) {  // [B, heads, L, d] -> [B, L, heads·d]
  return x.transpose(1, 2).flatten(2);
}

at::Tensor WanAttention::self_attention(const at::Tensor& x, const nn::RotaryTable& rope) const {
  const at::Tensor q = nn::apply_rotary(split_heads(norm_q(to_q(x))), rope);
  const at::Tensor k = nn::apply_rotary(split_heads(norm_k(to_k(x))), rope);
  const at::Tensor v = split_heads(to_v(x));
  return to_out(merge_heads(nn::attention(q, k, v)));
}

at::Tensor WanAttention::cross_attention(const at::Tensor& x, const at::Tensor& text,
                                         const at::Tensor& image) const {
  const at::Tensor q = split_heads(norm_q(to_q(x)));
  const at::Tensor k = split_heads(norm_k(to_k(text)));
  const at::Tensor v = split_heads(to_v(text));
  at::Tensor out = nn::attention(q, k, v);
  if (has_added_kv && image.defined()) {
    const at::Tensor k_img = split_heads(norm_added_k(add_k_proj(image)));
    const at::Tensor v_img = split_heads(add_v_proj(image));
    out = out + nn::attention(q, k_img, v_img);
  }
  return to_out(merge_heads(out));
}

at::Tensor WanBlock::operator()(const at::Tensor& x, const at::Tensor& text,
                                const at::Tensor& image, const at::Tensor& timestep_proj,
                                const nn::RotaryTable& rope, int64_t ffn_chunk_size) const {
  const auto dtype = x.scalar_type();
  // Per sample [B, 6, dim] -> [B, 1, 6, dim]; per token [B, L, 6, dim]. In float32;
  // mod(i) = e.select(-2, i) is [B, 1 or L, dim].
  at::Tensor tp = timestep_proj.to(at::kFloat);
  if (tp.dim() == 3) tp = tp.unsqueeze(1);
  const at::Tensor e = scale_shift_table.to(at::kFloat).unsqueeze(0) + tp;
  const auto mod = [&e](int64_t i) { return e.select(-2, i); };

  // 1. Self-attention.
  at::Tensor norm = (norm1(x) * (1 + mod(1)) + mod(0)).to(dtype);
  at::Tensor h =
      (x.to(at::kFloat) + attn1.self_attention(norm, rope).to(at::kFloat) * mod(2)).to(dtype);
  // 2. Cross-attention (no modulation).
  norm = cross_attn_norm ? norm2(h).to(dtype) : h;
  h = h + attn2.cross_attention(norm, text, image);
  // 3. Feed-forward.
  norm = (norm3(h) * (1 + mod(4)) + mod(3)).to(dtype);
  return (h.to(at::kFloat) + ffn(norm, ffn_chunk_size).to(at::kFloat) * mod(5)).to(dtype);
}

std::vector<at::Tensor> WanBlock::tensors() const {
  std::vector<at::Tensor> out = {scale_shift_table, norm2.weight, norm2.bias};
  const auto add_linear = [&out](const nn::Linear& l) {
    out.push_back(l.weight);
    out.push_back(l.bias);
    if (l.adapter) {
      for (const at::Tensor& p : l.adapter->parameters()) out.push_back(p);
    }
  };
  for (const WanAttention* a : {&attn1, &attn2}) {
    for (const nn::Linear* l : {&a->to_q, &a->to_k, &a->to_v, &a->to_out}) add_linear(*l);
    out.push_back(a->norm_q.weight);
    out.push_back(a->norm_k.weight);
    if (a->has_added_kv) {
      add_linear(a->add_k_proj);
      add_linear(a->add_v_proj);
      out.push_back(a->norm_added_k.weight);
    }
  }
  add_linear(ffn.proj);
  add_linear(ffn.out);
  return out;
}

}  // namespace reel::wan
