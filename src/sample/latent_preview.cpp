#include "sample/latent_preview.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>

#include "core/error.h"
#include "core/shape_text.h"
#include "models/wan/wan_vae.h"

namespace reel {

namespace {
constexpr int64_t kPatches = 8;       // per side
constexpr int64_t kPatchLatents = 4;  // latent pixels per patch side; the inner 2 x 2 are used
}  // namespace

at::Tensor fit_latent_to_rgb(const at::Tensor& latents, const at::Tensor& rgb) {
  if (latents.dim() != 2 || rgb.dim() != 2 || rgb.size(1) != 3 || latents.size(0) != rgb.size(0)) {
    throw Error("fitting a preview needs latents [n, z] and colours [n, 3], got " +
                shape_text(latents.sizes()) + " and " + shape_text(rgb.sizes()));
  }
  const at::Tensor x = latents.to(at::kDouble);
  const at::Tensor a = at::cat({x, at::ones({x.size(0), 1}, x.options())}, 1);
  const at::Tensor gram = a.t().mm(a) + 1e-3 * at::eye(a.size(1), a.options());
  return at::linalg_solve(gram, a.t().mm(rgb.to(at::kDouble))).to(at::kFloat);
}

LatentPreview LatentPreview::fit(const WanVae& vae, at::Device device, uint64_t seed) {
  c10::InferenceMode no_grad;
  const int64_t s = vae.config().spatial_factor();
  const int64_t side = kPatches * kPatchLatents * s;
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const at::Tensor colours = at::rand({3, kPatches, kPatches}, generator).mul(2).sub(1);
  const at::Tensor image = colours.repeat_interleave(kPatchLatents * s, 1)
                               .repeat_interleave(kPatchLatents * s, 2);  // [3, side, side]
  const at::Tensor latents =
      vae.normalize(vae.encode(image.reshape({1, 3, 1, side, side}).to(device)).mean)
          .to(at::kCPU, at::kDouble)[0]
          .select(1, 0);  // [z, side / s, side / s]
  const int64_t z = latents.size(0);

  // Inner latent pixels only: the VAE's receptive field blends a patch's edge with its
  // neighbours.
  std::vector<at::Tensor> inputs, targets;
  for (int64_t py = 0; py < kPatches; ++py) {
    for (int64_t px = 0; px < kPatches; ++px) {
      const at::Tensor block = latents.narrow(1, py * kPatchLatents + 1, kPatchLatents - 2)
                                   .narrow(2, px * kPatchLatents + 1, kPatchLatents - 2)
                                   .reshape({z, -1})
                                   .t();
      inputs.push_back(block);
      targets.push_back(
          colours.select(1, py).select(1, px).to(at::kDouble).expand({block.size(0), 3}));
    }
  }
  return LatentPreview(fit_latent_to_rgb(at::cat(inputs), at::cat(targets)));
}

at::Tensor LatentPreview::frames(const at::Tensor& latents) const {
  at::Tensor l = latents.dim() == 5 ? latents[0] : latents;
  if (l.dim() != 4 || l.size(0) + 1 != weights_.size(0)) {
    throw Error("latents " + shape_text(latents.sizes()) + " do not have the " +
                std::to_string(weights_.size(0) - 1) + " channels the preview was fitted for");
  }
  c10::InferenceMode no_grad;
  const at::Tensor x = l.to(at::kCPU, at::kFloat).permute({1, 2, 3, 0});  // [T, h, w, z]
  const at::Tensor rgb = at::matmul(x, weights_.narrow(0, 0, weights_.size(0) - 1)) + weights_[-1];
  return rgb.add(1.0).mul(127.5).round().clamp(0, 255).to(at::kByte).contiguous();
}

}  // namespace reel
