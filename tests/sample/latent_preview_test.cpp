// The latent-to-RGB preview: the least-squares fit recovers a known affine map exactly, and
// fitted to the tiny VAE it predicts the colours of patches it has not seen better than a
// preview that ignores the latents.
#include "sample/latent_preview.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>
#include <gtest/gtest.h>

#include "models/wan/wan_vae.h"
#include "models/wan/wan_vae_loader.h"
#include "support/error_of.h"
#include "test_paths.h"

namespace reel {
namespace {

using test::contains_text;
using test::error_of;

const WanVae& tiny_vae() {
  static const WanVae vae = load_wan_vae(std::string(REEL_SOURCE_DIR) + "/examples/wan21-t2v-tiny");
  return vae;
}

TEST(LatentPreview, TheFitRecoversAnAffineMap) {
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(1);
  const at::Tensor latents = at::randn({200, 16}, g, at::kDouble);
  const at::Tensor map = at::randn({16, 3}, g, at::kDouble) * 0.1;
  const at::Tensor bias = at::tensor({0.1, -0.2, 0.3}, at::kDouble);
  const at::Tensor w = fit_latent_to_rgb(latents, at::matmul(latents, map) + bias);
  ASSERT_EQ(w.sizes(), (std::vector<int64_t>{17, 3}));
  EXPECT_TRUE(at::allclose(w.narrow(0, 0, 16), map.to(at::kFloat), 1e-3, 1e-4));
  EXPECT_TRUE(at::allclose(w[16], bias.to(at::kFloat), 1e-3, 1e-4));
  EXPECT_TRUE(contains_text(error_of([&] { fit_latent_to_rgb(latents, latents); }), "[n, 3]"));
}

// The mosaic of random flat patches the fit uses, with another seed: the preview of each
// patch's centre against the patch's colour.
TEST(LatentPreview, PredictsTheColoursOfUnseenPatches) {
  const WanVae& vae = tiny_vae();
  const LatentPreview preview = LatentPreview::fit(vae, at::kCPU, 0);
  EXPECT_EQ(preview.weights().sizes(), (std::vector<int64_t>{vae.config().z_dim + 1, 3}));

  c10::InferenceMode no_grad;
  const int64_t s = vae.config().spatial_factor(), patches = 8, side = 4 * s;
  at::Generator g = at::make_generator<at::CPUGeneratorImpl>(99);
  const at::Tensor colours = at::rand({3, patches, patches}, g).mul(2).sub(1);
  const at::Tensor image = colours.repeat_interleave(side, 1).repeat_interleave(side, 2);
  const at::Tensor latents =
      vae.normalize(vae.encode(image.reshape({1, 3, 1, patches * side, patches * side})).mean);
  const at::Tensor frames = preview.frames(latents);  // [1, 32, 32, 3]
  ASSERT_EQ(frames.sizes(), (std::vector<int64_t>{1, patches * 4, patches * 4, 3}));
  // The centre 2 x 2 latent pixels of every 4 x 4 patch.
  const at::Tensor centres = frames[0]
                                 .reshape({patches, 4, patches, 4, 3})
                                 .narrow(1, 1, 2)
                                 .narrow(3, 1, 2)
                                 .to(at::kFloat)
                                 .div(127.5)
                                 .sub(1)
                                 .mean(at::IntArrayRef{1, 3});  // [patches, patches, 3]
  const at::Tensor truth = colours.permute({1, 2, 0});
  const double error = (centres - truth).abs().mean().item<double>();
  const double grey = (truth - truth.mean(at::IntArrayRef{0, 1})).abs().mean().item<double>();
  // The tiny VAE's random weights keep only part of the colour; a real VAE keeps far more.
  EXPECT_LT(error, 0.85 * grey) << "error " << error << ", predicting the mean colour " << grey;
}

TEST(LatentPreview, RejectsLatentsOfAnotherWidth) {
  const LatentPreview preview = LatentPreview::fit(tiny_vae(), at::kCPU);
  EXPECT_TRUE(contains_text(error_of([&] {
                              preview.frames(at::zeros({1, 3, 1, 2, 2}));
                            }),
                            "channels"));
}

}  // namespace
}  // namespace reel
