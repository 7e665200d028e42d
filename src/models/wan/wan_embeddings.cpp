#include "models/wan/wan_embeddings.h"

#include <ATen/ATen.h>

namespace reel::wan {

at::Tensor timestep_sinusoid(const at::Tensor& timestep, int64_t freq_dim) {
  const int64_t half = freq_dim / 2;
  const at::Tensor position = timestep.to(at::kDouble);
  const at::Tensor freqs =
      at::pow(10000.0, at::arange(half, position.options()).div(static_cast<double>(half)).neg());
  const at::Tensor angle = position.unsqueeze(-1) * freqs;  // [..., half]
  return at::cat({angle.cos(), angle.sin()}, -1).to(at::kFloat);
}

WanTimeEmbedding::Result WanTimeEmbedding::operator()(const at::Tensor& timestep) const {
  const at::Tensor sinusoid = timestep_sinusoid(timestep, freq_dim);
  const at::Tensor temb = linear_2(at::silu(linear_1(sinusoid)));
  const at::Tensor proj = time_proj(at::silu(temb));
  return {temb, proj.unflatten(-1, {6, temb.size(-1)})};
}

at::Tensor WanTextEmbedding::operator()(const at::Tensor& text) const {
  return linear_2(at::gelu(linear_1(text), "tanh"));
}

at::Tensor WanImageEmbedding::operator()(const at::Tensor& image) const {
  const auto dtype = image.scalar_type();
  const at::Tensor hidden = ff(norm1(image).to(dtype));
  return norm2(hidden).to(dtype);
}

}  // namespace reel::wan
