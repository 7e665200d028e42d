// LoRA on one Linear: PEFT's init, the forward maths against an explicit product, gradients
// against finite differences, compute dtype, and dropout that gradient checkpointing can
// replay.
#include "adapters/lora_layer.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include <cmath>

#include "adapters/adapter_test_support.h"
#include "adapters/lora_dropout.h"
#include "support/error_of.h"

namespace reel {
namespace {

using test::contains_text;
using test::cpu_generator;
using test::error_of;

LoraLayerOptions options(int64_t rank, double alpha, LoraInit init = LoraInit::kDefault) {
  LoraLayerOptions o;
  o.rank = rank;
  o.alpha = alpha;
  o.init = init;
  return o;
}

TEST(LoraLayer, DefaultInitIsKaimingUniformWithZeroB) {
  at::Generator gen = cpu_generator(11);
  LoraLayer lora(256, 96, options(16, 16), gen);
  ASSERT_EQ(lora.a().sizes(), at::IntArrayRef({16, 256}));
  ASSERT_EQ(lora.b().sizes(), at::IntArrayRef({96, 16}));
  EXPECT_EQ(lora.a().scalar_type(), at::kFloat);
  EXPECT_TRUE(lora.a().requires_grad() && lora.a().is_leaf());
  EXPECT_TRUE(lora.b().requires_grad() && lora.b().is_leaf());
  EXPECT_TRUE(at::equal(lora.b(), at::zeros({96, 16})));
  // U(±1/√256): the bound is 1/16 and the std bound/√3.
  const double bound = 1.0 / 16.0;
  EXPECT_LE(lora.a().abs().max().item<double>(), bound);
  EXPECT_GT(lora.a().abs().max().item<double>(), 0.99 * bound);
  EXPECT_NEAR(lora.a().std().item<double>(), bound / std::sqrt(3.0), 0.03 * bound);
  // Seeded.
  at::Generator same = cpu_generator(11), other = cpu_generator(12);
  EXPECT_TRUE(at::equal(LoraLayer(256, 96, options(16, 16), same).a(), lora.a()));
  EXPECT_FALSE(at::equal(LoraLayer(256, 96, options(16, 16), other).a(), lora.a()));
}

TEST(LoraLayer, GaussianInitHasStdOneOverRank) {
  at::Generator gen = cpu_generator(3);
  LoraLayer lora(512, 64, options(8, 8, LoraInit::kGaussian), gen);
  EXPECT_NEAR(lora.a().std().item<double>(), 1.0 / 8.0, 0.004);
  EXPECT_NEAR(lora.a().mean().item<double>(), 0.0, 0.003);
  EXPECT_TRUE(at::equal(lora.b(), at::zeros({64, 8})));
}

TEST(LoraLayer, InitTypesOtherThanDefaultAndGaussianAreRejected) {
  EXPECT_EQ(parse_lora_init("default"), LoraInit::kDefault);
  EXPECT_EQ(parse_lora_init("gaussian"), LoraInit::kGaussian);
  const std::string e = error_of([] { parse_lora_init("pissa"); });
  EXPECT_TRUE(contains_text(e, "'pissa' is not supported by Reel")) << e;
  EXPECT_TRUE(contains_text(e, "lora_init_type")) << e;
  EXPECT_TRUE(contains_text(error_of([] { parse_lora_init("kaiming"); }), "not a LoRA init"));
}

TEST(LoraLayer, FreshLayersChangeNothing) {
  for (LoraInit init : {LoraInit::kDefault, LoraInit::kGaussian}) {
    at::Generator gen = cpu_generator(5);
    LoraLayer lora(32, 24, options(4, 7, init), gen);
    const at::Tensor x = at::randn({2, 5, 32}, cpu_generator(6));
    EXPECT_TRUE(at::equal(lora.delta(x), at::zeros({2, 5, 24})));
  }
}

TEST(LoraLayer, DeltaIsMultiplierTimesAlphaOverRankTimesBAx) {
  const at::Tensor a = at::randn({3, 10}, cpu_generator(1)).to(at::kDouble);
  const at::Tensor b = at::randn({6, 3}, cpu_generator(2)).to(at::kDouble);
  LoraLayerOptions o = options(3, 1.5);
  o.dtype = at::kDouble;
  LoraLayer lora(a, b, 1.5, o);
  EXPECT_DOUBLE_EQ(lora.scale(), 0.5);
  lora.set_multiplier(0.8);
  const at::Tensor x = at::randn({4, 10}, cpu_generator(3)).to(at::kDouble);
  const at::Tensor expected = 0.8 * 0.5 * at::matmul(at::matmul(x, a.t()), b.t());
  c10::NoGradGuard no_grad;
  EXPECT_LT(test::max_abs_diff(lora.delta(x), expected), 1e-12);
  EXPECT_LT(test::max_abs_diff(lora.delta_weight(), 0.8 * 0.5 * at::matmul(b, a)), 1e-12);
}

TEST(LoraLayer, ComputesInTheInputsDtype) {
  at::Generator gen = cpu_generator(9);
  LoraLayer lora(16, 8, options(4, 4), gen);
  const at::Tensor x = at::randn({3, 16}, cpu_generator(1)).to(at::kBFloat16);
  EXPECT_EQ(lora.delta(x).scalar_type(), at::kBFloat16);
  EXPECT_EQ(lora.a().scalar_type(), at::kFloat);
  LoraLayerOptions bf16 = options(4, 4);
  bf16.dtype = at::kBFloat16;
  at::Generator gen2 = cpu_generator(9);
  EXPECT_EQ(LoraLayer(16, 8, bf16, gen2).a().scalar_type(), at::kBFloat16);
}

// d(sum(g ⊙ delta(x)))/dA and /dB from autograd against central differences, in double.
TEST(LoraLayer, GradientsMatchFiniteDifferences) {
  LoraLayerOptions o = options(3, 2.0);
  o.dtype = at::kDouble;
  const at::Tensor a0 = at::randn({3, 5}, cpu_generator(21)).to(at::kDouble);
  const at::Tensor b0 = at::randn({4, 3}, cpu_generator(22)).to(at::kDouble);
  const at::Tensor x = at::randn({2, 5}, cpu_generator(23)).to(at::kDouble);
  const at::Tensor g = at::randn({2, 4}, cpu_generator(24)).to(at::kDouble);
  LoraLayer lora(a0, b0, 2.0, o);
  lora.set_multiplier(0.7);
  (lora.delta(x) * g).sum().backward();
  const auto loss_with = [&](const at::Tensor& a, const at::Tensor& b) {
    LoraLayer l(a, b, 2.0, o);
    l.set_multiplier(0.7);
    c10::NoGradGuard no_grad;
    return (l.delta(x) * g).sum().item<double>();
  };
  const double eps = 1e-6;
  for (int which = 0; which < 2; ++which) {
    const at::Tensor base = which == 0 ? a0 : b0;
    const at::Tensor grad = which == 0 ? lora.a().grad() : lora.b().grad();
    ASSERT_TRUE(grad.defined());
    for (int64_t i = 0; i < base.numel(); ++i) {
      at::Tensor plus = base.clone(), minus = base.clone();
      plus.view(-1)[i] += eps;
      minus.view(-1)[i] -= eps;
      const double numeric = which == 0 ? (loss_with(plus, b0) - loss_with(minus, b0)) / (2 * eps)
                                        : (loss_with(a0, plus) - loss_with(a0, minus)) / (2 * eps);
      EXPECT_NEAR(grad.view(-1)[i].item<double>(), numeric, 1e-7)
          << (which == 0 ? "A" : "B") << " element " << i;
    }
  }
}

TEST(LoraDropout, ZeroesAboutPAndRescalesTheRest) {
  LoraDropout d(0.25, 9);
  const at::Tensor y = d(at::ones({20000}));
  const double zeros = (y == 0).to(at::kDouble).mean().item<double>();
  EXPECT_NEAR(zeros, 0.25, 0.015);
  const at::Tensor kept = y.masked_select(y != 0);
  EXPECT_LT((kept - 1.0 / 0.75).abs().max().item<double>(), 1e-6);
  EXPECT_TRUE(contains_text(error_of([] { LoraDropout(1.0, 0); }), "outside [0, 1)"));
}

TEST(LoraDropout, MasksDependOnSeedPassAndCallAndReplayInOrder) {
  const at::Tensor x = at::ones({64});
  const auto masks = [&](uint64_t seed, uint64_t pass) {
    LoraDropout d(0.5, seed);
    d.new_pass(pass);
    const at::Tensor first = d(x);
    return std::make_pair(first, d(x));
  };
  const auto [a1, a2] = masks(1, 4);
  const auto [b1, b2] = masks(1, 4);
  EXPECT_TRUE(at::equal(a1, b1));
  EXPECT_TRUE(at::equal(a2, b2));
  EXPECT_FALSE(at::equal(a1, a2));  // each call its own mask
  EXPECT_FALSE(at::equal(masks(1, 5).first, a1));
  EXPECT_FALSE(at::equal(masks(2, 4).first, a1));
  // Forward draws two masks; the recompute sees them again, in the same order.
  LoraDropout d(0.5, 1);
  d.new_pass(4);
  d(x);
  d(x);
  d.replay();
  EXPECT_TRUE(at::equal(d(x), a1));
  EXPECT_TRUE(at::equal(d(x), a2));
  EXPECT_TRUE(at::equal(d(x), a1));  // a second recompute of the same block
  d.new_pass(4);
  EXPECT_TRUE(at::equal(d(x), a1));
}

TEST(LoraLayer, DropoutAppliesOnlyWhileTraining) {
  LoraLayerOptions o = options(4, 4);
  o.dropout = 0.5;
  const at::Tensor a = at::randn({4, 32}, cpu_generator(1));
  const at::Tensor b = at::randn({8, 4}, cpu_generator(2));
  LoraLayer lora(a, b, 4, o, 17);
  const at::Tensor x = at::randn({6, 32}, cpu_generator(3));
  c10::NoGradGuard no_grad;
  const at::Tensor plain = at::matmul(at::matmul(x, a.t()), b.t());
  EXPECT_LT(test::max_abs_diff(lora.delta(x), plain), 1e-5);
  lora.set_training(true);
  lora.new_dropout_pass(0);
  const at::Tensor dropped = lora.delta(x);
  EXPECT_GT(test::max_abs_diff(dropped, plain), 1e-2);
  // The mask is on the input: delta = B·A·(mask ⊙ x)/(1-p) for the pass's first mask.
  LoraDropout same(0.5, 17);
  same.new_pass(0);
  const at::Tensor expected = at::matmul(at::matmul(same(x), a.t()), b.t());
  EXPECT_LT(test::max_abs_diff(dropped, expected), 1e-5);
  EXPECT_EQ(lora.delta(x.to(at::kBFloat16)).scalar_type(), at::kBFloat16);
  lora.set_training(false);
  EXPECT_LT(test::max_abs_diff(lora.delta(x), plain), 1e-5);
}

}  // namespace
}  // namespace reel
