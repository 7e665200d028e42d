// Cheap previews of latents mid-sampling (validation_preview): an affine map from the latent
// channels to RGB, applied per latent pixel, so a preview costs a matrix product instead of a
// VAE decode. The map is not a table copied from elsewhere: it is fitted, by least squares,
// to the given VAE's own encodings of flat colour patches, so it suits any Wan VAE (2.1's 16
// channels, 2.2's 48) and any checkpoint.
//
//   LatentPreview preview = LatentPreview::fit(vae, device);
//   at::Tensor frames = preview.frames(latents);  // uint8 [T, h, w, 3] at latent resolution
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>

namespace reel {

class WanVae;

// The least-squares affine map from latents [n, z] to colours [n, 3]: W [z + 1, 3] (bias in
// the last row) minimising |[latents, 1] W - rgb|^2 + 1e-3 |W|^2 (the small ridge picks the
// smallest map when the latents do not span every direction). float32.
at::Tensor fit_latent_to_rgb(const at::Tensor& latents, const at::Tensor& rgb);

class LatentPreview {
 public:
  // Encodes one image of 64 random flat colour patches (8 x 8 patches of 4 x 4 latent
  // pixels) and fits RGB = [latent, 1] * W on the patches' inner latent pixels.
  static LatentPreview fit(const WanVae& vae, at::Device device, uint64_t seed = 0);

  // normalised latents [1, z, T, h, w] (or [z, T, h, w]) -> uint8 [T, h, w, 3] on the CPU.
  at::Tensor frames(const at::Tensor& latents) const;
  // [z + 1, 3] float32: the fitted map, bias in the last row, RGB in [-1, 1].
  const at::Tensor& weights() const { return weights_; }

 private:
  explicit LatentPreview(at::Tensor weights) : weights_(std::move(weights)) {}
  at::Tensor weights_;
};

}  // namespace reel
