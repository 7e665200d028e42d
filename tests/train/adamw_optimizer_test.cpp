#include <gtest/gtest.h>

#include "train/adamw_optimizer.h"
#include "train/optimizer_test_support.h"

namespace reel {
namespace {

using test::set_grad;
using test::trainable;
using test::values_of;

OptimizerSettings adamw_settings() {
  OptimizerSettings s;
  s.beta1 = 0.9, s.beta2 = 0.999, s.eps = 1e-8, s.weight_decay = 0.1;
  return s;
}

TEST(TorchAdamW, ThreeHandComputedStepsWithWeightDecayAndBiasCorrection) {
  // lr 0.1, betas (0.9, 0.999), eps 1e-8, weight_decay 0.1. For step k:
  //   p <- p * (1 - 0.01); m <- 0.9 m + 0.1 g; v <- 0.999 v + 0.001 g^2
  //   p <- p - 0.1 * (m / (1 - 0.9^k)) / (sqrt(v / (1 - 0.999^k)) + 1e-8)
  at::Tensor p = trainable({1.0f, -2.0f});
  AdamWOptimizer opt({{"w", p}}, adamw_settings());

  // k=1, g = (0.5, -1): p*0.99 = (0.99, -1.98); m^ = g, v^ = g^2 -> step -0.1 * sign(g)
  set_grad(p, {0.5f, -1.0f});
  opt.step(0.1);
  EXPECT_NEAR(values_of(p)[0], 0.89, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -1.88, 1e-6);

  // k=2, g = (0.2, 0.4): p*0.99 = (0.8811, -1.8612); m = (0.065, -0.05), m^ = m / 0.19;
  // v = (0.00028975, 0.001159), v^ = v / 0.001999 = (0.1449475, 0.5797899)
  // p0 = 0.8811 - 0.1 * 0.3421053 / 0.3807197 = 0.7912425
  // p1 = -1.8612 + 0.1 * 0.2631579 / 0.7614394 = -1.8266394
  set_grad(p, {0.2f, 0.4f});
  opt.step(0.1);
  EXPECT_NEAR(values_of(p)[0], 0.7912425, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -1.8266394, 1e-6);

  // k=3, g = (-0.3, 0): m = (0.0285, -0.045), m^ = m / 0.271 = (0.1051661, -0.1660517);
  // v^ = (0.00037946025, 0.001157841) / 0.002997001 = (0.1266133, 0.3863332)
  // p0 = 0.7833301 - 0.1 * 0.1051661 / 0.3558277 = 0.7537747
  // p1 = -1.8083730 + 0.1 * 0.1660517 / 0.6215571 = -1.7816576
  set_grad(p, {-0.3f, 0.0f});
  opt.step(0.1);
  EXPECT_NEAR(values_of(p)[0], 0.7537747, 1e-6);
  EXPECT_NEAR(values_of(p)[1], -1.7816576, 1e-6);

  EXPECT_NEAR(values_of(test::state_of(opt, "w/exp_avg"))[0], 0.0285, 1e-7);
  EXPECT_NEAR(values_of(test::state_of(opt, "w/exp_avg_sq"))[1], 0.001157841, 1e-9);
  EXPECT_EQ(test::state_of(opt, "w/step").item<int64_t>(), 3);
}

TEST(TorchAdamW, ParamWithoutGradIsSkippedAndCountsItsOwnSteps) {
  at::Tensor a = trainable({1.0f});
  at::Tensor b = trainable({2.0f});
  AdamWOptimizer opt({{"a", a}, {"b", b}}, adamw_settings());
  set_grad(a, {1.0f});
  opt.step(0.1);
  EXPECT_EQ(values_of(b)[0], 2.0);  // no grad: not even weight decay
  EXPECT_EQ(test::state_of(opt, "b/step").item<int64_t>(), 0);

  set_grad(b, {-3.0f});
  opt.step(0.1);
  // b's first step (k=1): 2 * 0.99 - 0.1 * (-3 / (3 + 1e-8)) = 2.08
  EXPECT_NEAR(values_of(b)[0], 2.08, 1e-6);
  EXPECT_EQ(test::state_of(opt, "b/step").item<int64_t>(), 1);
  EXPECT_EQ(test::state_of(opt, "a/step").item<int64_t>(), 2);
  EXPECT_EQ(opt.steps(), 2);
}

TEST(TorchAdamW, StateNames) {
  at::Tensor p = trainable({1.0f, 2.0f});
  AdamWOptimizer opt({{"blocks.0.lora_A.weight", p}}, adamw_settings());
  EXPECT_EQ(test::state_names(opt),
            (std::vector<std::string>{"step", "blocks.0.lora_A.weight/exp_avg",
                                      "blocks.0.lora_A.weight/exp_avg_sq",
                                      "blocks.0.lora_A.weight/step"}));
  EXPECT_EQ(opt.name(), "torch-adamw");
}

}  // namespace
}  // namespace reel
