#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "nn/layer_norm.h"
#include "nn/rms_norm.h"

namespace reel::nn {
namespace {

TEST(RmsNorm, NormalisesTheLastDimensionInFloat32) {
  at::Generator gen = at::detail::createCPUGenerator(1);
  const at::Tensor x = at::randn({2, 5, 16}, gen) * 3;
  const RmsNorm norm{at::randn({16}, gen), 1e-6};
  const at::Tensor want = x * at::rsqrt(x.pow(2).mean(-1, true) + 1e-6) * norm.weight;
  EXPECT_TRUE(at::allclose(norm(x), want, 1e-5, 1e-5));
  const at::Tensor half = norm(x.to(at::kBFloat16));
  EXPECT_EQ(half.scalar_type(), at::kBFloat16);
  EXPECT_LT((half.to(at::kFloat) - want).abs().max().item<double>(), 0.1);
}

TEST(LayerNorm, ReturnsFloat32WithOrWithoutAffine) {
  at::Generator gen = at::detail::createCPUGenerator(2);
  const at::Tensor x = at::randn({3, 16}, gen) + 2;
  const at::Tensor centred = x - x.mean(-1, true);
  const at::Tensor plain = centred * at::rsqrt(centred.pow(2).mean(-1, true) + 1e-6);
  EXPECT_TRUE(at::allclose(LayerNorm{}(x.to(at::kBFloat16)), plain, 2e-2, 2e-2));
  EXPECT_EQ(LayerNorm{}(x.to(at::kBFloat16)).scalar_type(), at::kFloat);
  const LayerNorm affine{at::randn({16}, gen), at::randn({16}, gen), 1e-6};
  EXPECT_TRUE(at::allclose(affine(x), plain * affine.weight + affine.bias, 1e-5, 1e-5));
}

}  // namespace
}  // namespace reel::nn
