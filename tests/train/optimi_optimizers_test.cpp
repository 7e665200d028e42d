#include <gtest/gtest.h>

#include "train/optimi_adamw_optimizer.h"
#include "train/optimi_lion_optimizer.h"
#include "train/optimizer_test_support.h"

namespace reel {
namespace {

using test::set_grad;
using test::trainable;
using test::values_of;

OptimizerSettings optimi_settings(double weight_decay) {
  OptimizerSettings s;
  s.beta1 = 0.9, s.beta2 = 0.99, s.eps = 1e-6, s.weight_decay = weight_decay, s.kahan_sum = true;
  return s;
}

TEST(OptimiAdamW, ThreeHandComputedSteps) {
  // optimi's debiased betas keep the bias-corrected moments m^ = m / (1 - b1^k) and
  // v^ = v / (1 - b2^k) of textbook Adam, so with lr 0.1, betas (0.9, 0.99), eps 1e-6 and
  // weight_decay 0.1: p <- p * 0.99 - 0.1 * m^ / (sqrt(v^) + 1e-6).
  at::Tensor p = trainable({1.0f, -2.0f});
  OptimiAdamWOptimizer opt({{"w", p}}, optimi_settings(0.1));

  // k=1: m^ = g, v^ = g^2: p = 0.99 - 0.1 * 0.5 / (0.5 + 1e-6), -1.98 + 0.1 / (1 + 1e-6)
  set_grad(p, {0.5f, -1.0f});
  opt.step(0.1);
  EXPECT_NEAR(values_of(p)[0], 0.8900002, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -1.8800001, 1e-6);

  // k=2, g = (0.2, 0.4): m^ = (0.065, -0.05) / 0.19; v = 0.99 * (0.0025, 0.01) + 0.01 g^2
  // = (0.002875, 0.0115), v^ = v / 0.0199 = (0.1444724, 0.5778894):
  // p0 = 0.8811002 - 0.1 * 0.3421053 / (sqrt(0.1444724) + 1e-6) = 0.7910953
  // p1 = -1.8612001 + 0.1 * 0.2631579 / (sqrt(0.5778894) + 1e-6) = -1.8265828
  set_grad(p, {0.2f, 0.4f});
  opt.step(0.1);
  EXPECT_NEAR(values_of(p)[0], 0.7910953, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -1.8265828, 1e-6);

  // k=3, g = (-0.3, 0): m^ = (0.1051661, -0.1660517), v^ = (0.1261321, 0.3833204)
  set_grad(p, {-0.3f, 0.0f});
  opt.step(0.1);
  EXPECT_NEAR(values_of(p)[0], 0.7535728, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -1.7814968, 1e-6);
  // The stored moments are the bias-corrected ones.
  EXPECT_NEAR(values_of(test::state_of(opt, "w/exp_avg"))[1], -0.1660517, 1e-6);
}

TEST(OptimiAdamW, DecoupleLrScalesWeightDecayByLrOverMaxLr) {
  // decouple_lr, max_lr 0.2, lr 0.1, weight_decay 0.1: p *= 1 - (0.1 / 0.2) * 0.1 = 0.95
  OptimizerSettings s = optimi_settings(0.1);
  s.decouple_lr = true;
  s.max_lr = 0.2;
  at::Tensor p = trainable({1.0f, -2.0f});
  OptimiAdamWOptimizer opt({{"w", p}}, s);
  set_grad(p, {0.5f, -1.0f});
  opt.step(0.1);
  // 0.95 - 0.1 * 0.5 / (0.5 + 1e-6), -1.9 + 0.1 / (1 + 1e-6)
  EXPECT_NEAR(values_of(p)[0], 0.8500002, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -1.8000001, 1e-6);
  set_grad(p, {0.2f, 0.4f});
  opt.step(0.1);
  EXPECT_NEAR(values_of(p)[0], 0.7174953, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -1.6753828, 1e-6);
}

TEST(OptimiLion, SignStepsByHand) {
  // lr 0.1, betas (0.9, 0.99), no weight decay:
  //   p <- p - 0.1 * sign(0.9 m + 0.1 g);   m <- 0.99 m + 0.01 g
  at::Tensor p = trainable({1.0f, -1.0f, 0.5f});
  OptimiLionOptimizer opt({{"w", p}}, optimi_settings(0));

  // c = 0.1 g = (0.03, -0.02, 0): sign (1, -1, 0), so the last weight does not move
  set_grad(p, {0.3f, -0.2f, 0.0f});
  opt.step(0.1);
  EXPECT_NEAR(values_of(p)[0], 0.9, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -0.9, 1e-6);
  EXPECT_EQ(values_of(p)[2], 0.5);
  // m = 0.01 g = (0.003, -0.002, 0)

  // c = 0.9 m + 0.1 g = (0.0027 - 0.001, -0.0018 - 0.05, 0.01): sign (1, -1, 1). The first
  // element's sign comes from the momentum against a gradient of the other sign.
  set_grad(p, {-0.01f, -0.5f, 0.1f});
  opt.step(0.1);
  EXPECT_NEAR(values_of(p)[0], 0.8, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -0.8, 1e-6);
  EXPECT_NEAR(values_of(p)[2], 0.4, 1e-6);
  // m = 0.99 m + 0.01 g = (0.00287, -0.00698, 0.001)
  const std::vector<double> m = values_of(test::state_of(opt, "w/exp_avg"));
  EXPECT_NEAR(m[0], 0.00287, 1e-8);
  EXPECT_NEAR(m[1], -0.00698, 1e-8);
  EXPECT_NEAR(m[2], 0.001, 1e-8);

  // c = (0.002583 - 0.1, -0.006282, 0.0009): sign (-1, -1, 1)
  set_grad(p, {-1.0f, 0.0f, 0.0f});
  opt.step(0.1);
  EXPECT_NEAR(values_of(p)[0], 0.9, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -0.7, 1e-6);
  EXPECT_NEAR(values_of(p)[2], 0.3, 1e-6);
}

TEST(OptimiLion, DecoupledWeightDecayByHand) {
  // As above with weight_decay 0.5: p *= 1 - 0.1 * 0.5 = 0.95 before each sign step.
  at::Tensor p = trainable({1.0f, -1.0f, 0.5f});
  OptimiLionOptimizer opt({{"w", p}}, optimi_settings(0.5));
  set_grad(p, {0.3f, -0.2f, 0.0f});
  opt.step(0.1);  // (0.95, -0.95, 0.475) - 0.1 * (1, -1, 0)
  EXPECT_NEAR(values_of(p)[0], 0.85, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -0.85, 1e-6);
  EXPECT_NEAR(values_of(p)[2], 0.475, 1e-6);
  set_grad(p, {-0.01f, -0.5f, 0.1f});
  opt.step(0.1);  // (0.8075, -0.8075, 0.45125) - 0.1 * (1, -1, 1)
  EXPECT_NEAR(values_of(p)[0], 0.7075, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -0.7075, 1e-6);
  EXPECT_NEAR(values_of(p)[2], 0.35125, 1e-6);
  set_grad(p, {-1.0f, 0.0f, 0.0f});
  opt.step(0.1);  // (0.672125, -0.672125, 0.3336875) - 0.1 * (-1, -1, 1)
  EXPECT_NEAR(values_of(p)[0], 0.772125, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -0.572125, 1e-6);
  EXPECT_NEAR(values_of(p)[2], 0.2336875, 1e-6);
}

// 100 steps of a constant gradient from 1.0: Adam with m^ = g and v^ = g^2 steps by
// lr * g / (|g| + eps) ~ lr, Lion by exactly lr, so the float32 weight ends near
// 1 - 100 * 1e-3 = 0.9. A bf16 weight near 1 has a precision of 2^-8 = 0.0039 below 1, so a
// plain bf16 update of 0.001 rounds back to 1.0 every time.
template <class Opt>
std::vector<double> constant_gradient_run(at::ScalarType dtype, bool kahan_sum,
                                          bool* has_kahan_state) {
  OptimizerSettings s = optimi_settings(0);
  s.kahan_sum = kahan_sum;
  at::Tensor p = trainable(std::vector<float>(64, 1.0f), dtype);
  Opt opt({{"w", p}}, s);
  for (int i = 0; i < 100; ++i) {
    set_grad(p, std::vector<float>(64, 0.25f));
    opt.step(1e-3);
  }
  *has_kahan_state = test::state_of(opt, "w/kahan_comp").defined();
  return values_of(p);
}

template <class Opt>
void expect_kahan_tracks_float32() {
  bool kahan_state = false;
  const double fp32 = constant_gradient_run<Opt>(at::kFloat, true, &kahan_state)[0];
  EXPECT_FALSE(kahan_state);  // float32 weights need no compensation
  EXPECT_NEAR(fp32, 0.9, 1e-4);
  const double plain = constant_gradient_run<Opt>(at::kBFloat16, false, &kahan_state)[0];
  EXPECT_FALSE(kahan_state);
  EXPECT_EQ(plain, 1.0);  // every update rounded away
  const double kahan = constant_gradient_run<Opt>(at::kBFloat16, true, &kahan_state)[0];
  EXPECT_TRUE(kahan_state);
  EXPECT_LT(std::abs(kahan - fp32), 0.004);  // within one bf16 step of the fp32 weight
}

TEST(OptimiKahan, Bf16AdamWTracksTheFloat32TrajectoryOnlyWithKahanSum) {
  expect_kahan_tracks_float32<OptimiAdamWOptimizer>();
}

TEST(OptimiKahan, Bf16LionTracksTheFloat32TrajectoryOnlyWithKahanSum) {
  expect_kahan_tracks_float32<OptimiLionOptimizer>();
}

TEST(OptimiKahan, StateStaysInTheParameterDtype) {
  at::Tensor p = trainable({1.0f, 2.0f}, at::kBFloat16);
  OptimiAdamWOptimizer opt({{"w", p}}, optimi_settings(0));
  for (const char* key : {"w/exp_avg", "w/exp_avg_sq", "w/kahan_comp"})
    EXPECT_EQ(test::state_of(opt, key).scalar_type(), at::kBFloat16) << key;
}

}  // namespace
}  // namespace reel
