#include <gtest/gtest.h>

#include <cmath>

#include "support/error_of.h"
#include "train/adamw_bf16_optimizer.h"
#include "train/optimizer_test_support.h"

namespace reel {
namespace {

using test::set_grad;
using test::state_of;
using test::trainable;
using test::values_of;

// Settings under which, for the gradients chosen below, every intermediate value is a bf16
// number, so that stochastic rounding has nothing to round and the steps can be computed by
// hand: beta1 = 0.5 makes the bias corrections 1 - 0.5^k = 0.5, 0.75, 0.875; beta2 = 0 makes
// v = g^2 and v_hat = v; eps = 0.
OptimizerSettings exact_settings() {
  OptimizerSettings s;
  s.beta1 = 0.5, s.beta2 = 0.0, s.eps = 0.0, s.weight_decay = 0.0, s.seed = 7;
  return s;
}

TEST(AdamWBF16, ThreeExactStepsFollowTextbookAdamW) {
  // Textbook AdamW, lr 0.25, no decay. Per step k:
  //   m <- 0.5 m + 0.5 g;  m_hat = m / (1 - 0.5^k);  v = v_hat = g^2
  //   p <- p - 0.25 * m_hat / |g|     (the shift takes it and hands it on whole: it ends at 0)
  at::Tensor p = trainable({1.0f, -2.0f}, at::kBFloat16);
  AdamWBF16Optimizer opt({{"w", p}}, exact_settings());

  // k=1, g = (1, -0.5): m = (0.5, -0.25); m_hat = m / 0.5 = (1, -0.5); |g| = (1, 0.5)
  // p = (1, -2) - 0.25 * (1, -1) = (0.75, -1.75)
  // (ST's m = g + 0.25 m would store m = (1, -0.5).)
  set_grad(p, {1.0f, -0.5f});
  opt.step(0.25);
  EXPECT_EQ(values_of(p), (std::vector<double>{0.75, -1.75}));
  EXPECT_EQ(values_of(state_of(opt, "w/exp_avg")), (std::vector<double>{0.5, -0.25}));

  // k=2, g = (-2, 1): m = 0.5 * (0.5, -0.25) + 0.5 * (-2, 1) = (-0.75, 0.375)
  // m_hat = m / 0.75 = (-1, 0.5); v = (4, 1); m_hat / |g| = (-0.5, 0.5)
  // p = (0.75, -1.75) - 0.25 * (-0.5, 0.5) = (0.875, -1.875)
  // (ST: m = (-1.75, 0.875), p = (0.96875, -1.96875).)
  set_grad(p, {-2.0f, 1.0f});
  opt.step(0.25);
  EXPECT_EQ(values_of(p), (std::vector<double>{0.875, -1.875}));
  EXPECT_EQ(values_of(state_of(opt, "w/exp_avg")), (std::vector<double>{-0.75, 0.375}));
  EXPECT_EQ(values_of(state_of(opt, "w/exp_avg_sq")), (std::vector<double>{4.0, 1.0}));

  // k=3, g = (6, 0.0625): m = 0.5 * (-0.75, 0.375) + 0.5 * (6, 0.0625) = (2.625, 0.21875)
  // m_hat = m / 0.875 = (3, 0.25); v = (36, 0.00390625); m_hat / |g| = (0.5, 4)
  // p = (0.875, -1.875) - 0.25 * (0.5, 4) = (0.75, -2.875)
  // The momentum shows: the large gradient 6 takes half a step, the small 0.0625 four.
  set_grad(p, {6.0f, 0.0625f});
  opt.step(0.25);
  EXPECT_EQ(values_of(p), (std::vector<double>{0.75, -2.875}));
  EXPECT_EQ(values_of(state_of(opt, "w/exp_avg")), (std::vector<double>{2.625, 0.21875}));
  EXPECT_EQ(values_of(state_of(opt, "w/exp_avg_sq")), (std::vector<double>{36.0, 0.00390625}));
  EXPECT_EQ(values_of(state_of(opt, "w/shift")), (std::vector<double>{0.0, 0.0}));
  EXPECT_EQ(state_of(opt, "w/step").item<int64_t>(), 3);
}

TEST(AdamWBF16, BiasCorrectionMakesAConstantGradientStepByLr) {
  // beta1 = 0.5, beta2 = 0.75, g = 1 every step, lr 0.25:
  //   k=1: m = 0.5, m_hat = 0.5 / 0.5 = 1;  v = 0.25, v_hat = 0.25 / 0.25 = 1
  //   k=2: m = 0.25 + 0.5 = 0.75, m_hat = 0.75 / 0.75 = 1
  //        v = 0.1875 + 0.25 = 0.4375, v_hat = 0.4375 / (1 - 0.5625) = 1
  // so each step is exactly -lr: p = 1 -> 0.75 -> 0.5.
  OptimizerSettings s = exact_settings();
  s.beta2 = 0.75;
  at::Tensor p = trainable({1.0f}, at::kBFloat16);
  AdamWBF16Optimizer opt({{"w", p}}, s);
  set_grad(p, {1.0f});
  opt.step(0.25);
  EXPECT_EQ(values_of(p)[0], 0.75);
  EXPECT_EQ(values_of(state_of(opt, "w/exp_avg"))[0], 0.5);
  EXPECT_EQ(values_of(state_of(opt, "w/exp_avg_sq"))[0], 0.25);
  set_grad(p, {1.0f});
  opt.step(0.25);
  EXPECT_EQ(values_of(p)[0], 0.5);
  EXPECT_EQ(values_of(state_of(opt, "w/exp_avg"))[0], 0.75);
  EXPECT_EQ(values_of(state_of(opt, "w/exp_avg_sq"))[0], 0.4375);
}

TEST(AdamWBF16, SecondMomentDecaysAlthoughStoredInBf16) {
  // In bf16 arithmetic 0.999 * v rounds back to v. Computed in float32 and rounded
  // stochastically, v decays as it should on average: one step of g = 1 gives v = 0.001, then
  // 100 zero gradients 0.001 * 0.999^100 = 9.0479e-4 (lr 0 leaves the weights alone).
  test::SingleThreaded one_thread;
  OptimizerSettings s;
  s.beta1 = 0.9, s.beta2 = 0.999, s.eps = 1e-6, s.weight_decay = 0.0, s.seed = 3;
  at::Tensor p = trainable(std::vector<float>(4096, 1.0f), at::kBFloat16);
  AdamWBF16Optimizer opt({{"w", p}}, s);
  set_grad(p, std::vector<float>(4096, 1.0f));
  opt.step(0.0);
  for (int i = 0; i < 100; ++i) {
    set_grad(p, std::vector<float>(4096, 0.0f));
    opt.step(0.0);
  }
  const at::Tensor v = state_of(opt, "w/exp_avg_sq").to(at::kDouble);
  EXPECT_NEAR(v.mean().item<double>(), 0.001 * std::pow(0.999, 100), 5e-6);
}

TEST(AdamWBF16, LargeWeightDecayGoesThroughTheShift) {
  // lr * weight_decay = 0.25 * 0.04 = 0.01 exceeds the threshold 5e-3 at once, so after the
  // first step the whole accumulated decay d = start + 0.01 is taken: shift = -d * p.
  OptimizerSettings s = exact_settings();
  s.weight_decay = 0.04;
  at::Tensor p = trainable({1.0f, -2.0f}, at::kBFloat16);
  AdamWBF16Optimizer opt({{"w", p}}, s);
  const double start = state_of(opt, "w/accumulated_decay").item<double>();
  EXPECT_GE(start, 0.0);
  EXPECT_LT(start, AdamWBF16Optimizer::kDecayThreshold);

  set_grad(p, {1.0f, -0.5f});
  opt.step(0.25);
  EXPECT_EQ(values_of(p), (std::vector<double>{0.75, -1.75}));  // decay not yet in p
  EXPECT_EQ(state_of(opt, "w/accumulated_decay").item<double>(), 0.0);
  const double d = start + 0.01;
  const std::vector<double> shift = values_of(state_of(opt, "w/shift"));
  EXPECT_NEAR(shift[0], -d * 0.75, d * 0.75 / 128);  // bf16: 8 significant bits
  EXPECT_NEAR(shift[1], d * 1.75, d * 1.75 / 128);
}

TEST(AdamWBF16, SmallWeightDecayAccumulatesUntilTheThreshold) {
  // lr 1e-4, weight_decay 1e-2: 1e-6 per step, far below the threshold. Zero gradients
  // with eps 1 make every Adam step 0, so only a decay could change the shift.
  OptimizerSettings s = exact_settings();
  s.weight_decay = 1e-2;
  s.eps = 1.0;
  at::Tensor p = trainable({1.0f}, at::kBFloat16);
  AdamWBF16Optimizer opt({{"w", p}}, s);
  const double start = state_of(opt, "w/accumulated_decay").item<double>();
  for (int i = 0; i < 3; ++i) {
    set_grad(p, {0.0f});
    opt.step(1e-4);
  }
  EXPECT_NEAR(state_of(opt, "w/accumulated_decay").item<double>(), start + 3e-6, 1e-15);
  EXPECT_EQ(values_of(state_of(opt, "w/shift"))[0], 0.0);
}

TEST(AdamWBF16, TinyUpdatesMoveBf16WeightsOnAverage) {
  // 0.25 * 2^-10 per step is far below a bf16 step at 1.0 (2^-8 below 1), yet stochastic
  // rounding moves the weights by the right amount on average: 50 steps of lr 2^-12 with
  // m_hat = m = g (beta1 = 0), |m_hat| / |g| = 1 take 1.0 to 1 - 50 * 2^-12 = 0.98779.
  test::SingleThreaded one_thread;
  OptimizerSettings s = exact_settings();
  s.beta1 = 0.0;  // m = g exactly
  at::Tensor p = trainable(std::vector<float>(4096, 1.0f), at::kBFloat16);
  AdamWBF16Optimizer opt({{"w", p}}, s);
  for (int i = 0; i < 50; ++i) {
    set_grad(p, std::vector<float>(4096, 0.5f));
    opt.step(1.0 / 4096);
  }
  const at::Tensor w = p.detach().to(at::kDouble);
  EXPECT_NEAR(w.mean().item<double>(), 1 - 50.0 / 4096, 2e-4);
  EXPECT_GT(w.min().item<double>(), 0.97);
}

TEST(AdamWBF16, SameSeedSameWeightsOtherSeedOtherWeights) {
  const auto run = [](uint64_t seed) {
    OptimizerSettings s;
    s.beta1 = 0.9, s.beta2 = 0.999, s.eps = 1e-6, s.weight_decay = 1e-2, s.seed = seed;
    at::Tensor p = trainable(std::vector<float>(256, 0.3f), at::kBFloat16);
    AdamWBF16Optimizer opt({{"w", p}}, s);
    for (int i = 0; i < 3; ++i) {
      set_grad(p, std::vector<float>(256, 0.01f * static_cast<float>(i + 1)));
      opt.step(1e-3);
    }
    return values_of(p);
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_NE(run(1), run(2));
}

TEST(AdamWBF16, RejectsWeightsThatAreNotBf16) {
  at::Tensor p = trainable({1.0f});
  const std::string e = test::error_of([&] { AdamWBF16Optimizer({{"lora.w", p}}, {}); });
  EXPECT_TRUE(test::contains_text(e, "'lora.w'")) << e;
  EXPECT_TRUE(test::contains_text(e, "bfloat16")) << e;
  EXPECT_TRUE(test::contains_text(e, "optimi-adamw")) << e;
}

}  // namespace
}  // namespace reel
