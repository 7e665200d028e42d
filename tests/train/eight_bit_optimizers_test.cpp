#include <gtest/gtest.h>

#include "train/adamw_8bit_optimizer.h"
#include "train/adamw_optimizer.h"
#include "train/lion_8bit_optimizer.h"
#include "train/optimizer_test_support.h"

namespace reel {
namespace {

using test::set_grad;
using test::state_of;
using test::trainable;
using test::values_of;

OptimizerSettings adamw_settings() {
  OptimizerSettings s;
  s.beta1 = 0.9, s.beta2 = 0.999, s.eps = 1e-8, s.weight_decay = 0.1;
  return s;
}

TEST(AdamW8bit, SmallTensorsKeepFloat32StateAndStepLikeAdamW) {
  // 2 elements < min_8bit_size 4096: float32 state and AdamW's update, so the hand-computed
  // steps of the torch-adamw test apply (lr 0.1, betas (0.9, 0.999), eps 1e-8, wd 0.1).
  at::Tensor p = trainable({1.0f, -2.0f});
  AdamW8bitOptimizer opt({{"w", p}}, adamw_settings());
  EXPECT_EQ(state_of(opt, "w/exp_avg").scalar_type(), at::kFloat);
  EXPECT_FALSE(state_of(opt, "w/exp_avg_absmax").defined());
  set_grad(p, {0.5f, -1.0f});
  opt.step(0.1);
  EXPECT_NEAR(values_of(p)[0], 0.89, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -1.88, 1e-6);
  set_grad(p, {0.2f, 0.4f});
  opt.step(0.1);
  EXPECT_NEAR(values_of(p)[0], 0.7912425, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -1.8266394, 1e-6);
  set_grad(p, {-0.3f, 0.0f});
  opt.step(0.1);
  EXPECT_NEAR(values_of(p)[0], 0.7537747, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -1.7816576, 1e-6);
}

TEST(AdamW8bit, LargeTensorsKeepUint8StateWithAnAbsmaxPerBlock) {
  // 65 x 70 = 4550 values: 18 blocks of 256, the last one short.
  at::Tensor p = at::zeros({65, 70}, at::kFloat).requires_grad_(true);
  AdamW8bitOptimizer opt({{"w", p}}, adamw_settings());
  int64_t bytes = 0;
  for (const char* key : {"w/exp_avg", "w/exp_avg_sq"}) {
    const at::Tensor s = state_of(opt, key);
    EXPECT_EQ(s.scalar_type(), at::kByte) << key;
    EXPECT_EQ(s.sizes(), p.sizes()) << key;
    const at::Tensor absmax = state_of(opt, std::string(key) + "_absmax");
    EXPECT_EQ(absmax.scalar_type(), at::kFloat) << key;
    EXPECT_EQ(absmax.numel(), 18) << key;
    bytes += s.nbytes() + absmax.nbytes();
  }
  // About 2 bytes per weight instead of float32 AdamW's 8.
  EXPECT_LT(bytes, 2.1 * p.numel());
}

TEST(AdamW8bit, TracksFloat32AdamWOnAQuadratic) {
  // Minimise sum a_i (p_i - t_i)^2 / 2 from p = 0 for 50 steps with both optimizers.
  test::SingleThreaded one_thread;
  at::manual_seed(3);
  const at::Tensor target = at::randn({64, 80}, at::kFloat);
  const at::Tensor curvature = at::rand({64, 80}, at::kFloat) * 1.5 + 0.5;
  at::Tensor p8 = at::zeros({64, 80}).requires_grad_(true);
  at::Tensor p32 = at::zeros({64, 80}).requires_grad_(true);
  OptimizerSettings s = adamw_settings();
  s.weight_decay = 1e-2;
  AdamW8bitOptimizer opt8({{"w", p8}}, s);
  AdamWOptimizer opt32({{"w", p32}}, s);
  for (int i = 0; i < 50; ++i) {
    p8.mutable_grad() = (p8.detach() - target) * curvature;
    p32.mutable_grad() = (p32.detach() - target) * curvature;
    opt8.step(0.02);
    opt32.step(0.02);
  }
  ASSERT_EQ(state_of(opt8, "w/exp_avg").scalar_type(), at::kByte);
  // The weights travel about 0.6 on average. 8-bit state does not follow float32's exactly:
  // once v changes by less than half a code step per step (beta2 = 0.999) its code stays put,
  // so the 8-bit run takes somewhat larger steps early on; it stays within a few percent of
  // the float32 weights and reaches the same loss.
  const at::Tensor diff = (p8 - p32).detach().abs();
  const double travel = p32.detach().abs().mean().item<double>();
  EXPECT_GT(travel, 0.5);
  EXPECT_LT(diff.mean().item<double>(), 0.05 * travel);
  EXPECT_LT(diff.max().item<double>(), 0.15);
  const double loss8 = ((p8.detach() - target).pow(2) * curvature).mean().item<double>();
  const double loss32 = ((p32.detach() - target).pow(2) * curvature).mean().item<double>();
  const double loss0 = (target.pow(2) * curvature).mean().item<double>();
  EXPECT_LT(loss32, 0.25 * loss0);
  EXPECT_NEAR(loss8, loss32, 0.03 * loss32);
}

TEST(Lion8bit, QuantisedMomentumGivesTheHandComputedSignSteps) {
  // min_8bit_size 1 quantises even these 3 values; Lion's signs survive the 8-bit momentum,
  // so the steps are optimi-lion's by-hand ones (lr 0.1, betas (0.9, 0.99), wd 0.5):
  //   p <- p * 0.95 - 0.1 * sign(0.9 m + 0.1 g);   m <- 0.99 m + 0.01 g
  OptimizerSettings s;
  s.beta1 = 0.9, s.beta2 = 0.99, s.weight_decay = 0.5, s.min_8bit_size = 1;
  at::Tensor p = trainable({1.0f, -1.0f, 0.5f});
  Lion8bitOptimizer opt({{"w", p}}, s);
  ASSERT_EQ(state_of(opt, "w/exp_avg").scalar_type(), at::kByte);
  set_grad(p, {0.3f, -0.2f, 0.0f});
  opt.step(0.1);
  EXPECT_NEAR(values_of(p)[0], 0.85, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -0.85, 1e-6);
  EXPECT_NEAR(values_of(p)[2], 0.475, 1e-6);
  // m = (0.003, -0.002, 0), stored as codes of m / 0.003
  EXPECT_NEAR(state_of(opt, "w/exp_avg_absmax").item<float>(), 0.003, 1e-9);
  set_grad(p, {-0.01f, -0.5f, 0.1f});
  opt.step(0.1);
  EXPECT_NEAR(values_of(p)[0], 0.7075, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -0.7075, 1e-6);
  EXPECT_NEAR(values_of(p)[2], 0.35125, 1e-6);
  set_grad(p, {-1.0f, 0.0f, 0.0f});
  opt.step(0.1);
  EXPECT_NEAR(values_of(p)[0], 0.772125, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -0.572125, 1e-6);
  EXPECT_NEAR(values_of(p)[2], 0.2336875, 1e-6);
}

TEST(Lion8bit, SmallTensorsKeepFloat32Momentum) {
  OptimizerSettings s;
  s.beta1 = 0.9, s.beta2 = 0.99, s.weight_decay = 0;
  at::Tensor p = trainable({1.0f, -1.0f, 0.5f});
  Lion8bitOptimizer opt({{"w", p}}, s);
  set_grad(p, {0.3f, -0.2f, 0.0f});
  opt.step(0.1);
  set_grad(p, {-0.01f, -0.5f, 0.1f});
  opt.step(0.1);
  // m = 0.99 * 0.01 g1 + 0.01 g2 = (0.00287, -0.00698, 0.001), kept exactly in float32
  const at::Tensor m = state_of(opt, "w/exp_avg");
  EXPECT_EQ(m.scalar_type(), at::kFloat);
  EXPECT_NEAR(values_of(m)[0], 0.00287, 1e-9);
  EXPECT_NEAR(values_of(m)[1], -0.00698, 1e-9);
  EXPECT_NEAR(values_of(p)[0], 0.8, 1e-6);
  EXPECT_NEAR(values_of(p)[2], 0.4, 1e-6);
}

}  // namespace
}  // namespace reel
