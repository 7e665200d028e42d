#include "train/flow_loss.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cmath>

#include "support/error_of.h"

namespace reel {
namespace {

LossConfig config(LossType type, HuberSchedule schedule = HuberSchedule::kConstant) {
  LossConfig c;
  c.type = type;
  c.huber_c = 0.1;
  c.huber_schedule = schedule;
  return c;
}

// pred - target: sample 0 {1, 2}, sample 1 {2, 0}; shape [2, 1, 1, 2] like [B, C, T*h, w].
const at::Tensor kPred = at::tensor({1.0f, 2.0f, 3.0f, 1.0f}).reshape({2, 1, 1, 2});
const at::Tensor kTarget = at::tensor({0.0f, 0.0f, 1.0f, 1.0f}).reshape({2, 1, 1, 2});
const at::Tensor kTimesteps = at::tensor({500.0f, 900.0f});

TEST(FlowLoss, L2IsTheMeanOfPerSampleMeans) {
  const FlowLoss l = flow_loss(kPred, kTarget, kTimesteps, config(LossType::kL2));
  // sample 0: (1 + 4) / 2 = 2.5; sample 1: (4 + 0) / 2 = 2; loss 2.25.
  EXPECT_FLOAT_EQ(l.per_sample[0].item<float>(), 2.5f);
  EXPECT_FLOAT_EQ(l.per_sample[1].item<float>(), 2.0f);
  EXPECT_FLOAT_EQ(l.loss.item<float>(), 2.25f);
  EXPECT_EQ(l.loss.dim(), 0);
  EXPECT_EQ(l.loss.scalar_type(), at::kFloat);
}

TEST(FlowLoss, ComputedInFloat32FromBfloat16) {
  const FlowLoss l = flow_loss(kPred.to(at::kBFloat16), kTarget.to(at::kBFloat16), kTimesteps,
                               config(LossType::kL2));
  EXPECT_EQ(l.loss.scalar_type(), at::kFloat);
  EXPECT_FLOAT_EQ(l.loss.item<float>(), 2.25f);
}

TEST(FlowLoss, HuberAndSmoothL1WithAConstantC) {
  // e(d) = 2c (sqrt(d^2 + c^2) - c), c = 0.1: e(1) = 0.18099751, e(2) = 0.38049969, e(0) = 0.
  const FlowLoss h = flow_loss(kPred, kTarget, kTimesteps, config(LossType::kHuber));
  EXPECT_NEAR(h.per_sample[0].item<double>(), (0.1809975124224178 + 0.38049968789001576) / 2, 1e-6);
  EXPECT_NEAR(h.per_sample[1].item<double>(), 0.38049968789001576 / 2, 1e-6);
  // smooth_l1 drops the leading c: 10x the Huber values.
  const FlowLoss s = flow_loss(kPred, kTarget, kTimesteps, config(LossType::kSmoothL1));
  EXPECT_NEAR(s.per_sample[0].item<double>(), (1.809975124224178 + 3.804996878900157) / 2, 1e-6);
  EXPECT_NEAR(s.loss.item<double>(),
              (1.809975124224178 + 3.804996878900157 + 3.804996878900157) / 4, 1e-6);
}

TEST(FlowLoss, HuberCSchedules) {
  // snr, t = 500: sigma 0.5, s = sqrt(0.5 / 0.5001), c = 0.9 / (1 + s)^2 + 0.1 = 0.32502250;
  //      t = 900: s = sqrt(0.1 / 0.9001), c = 0.60626406.
  const at::Tensor snr =
      huber_c_per_sample(kTimesteps, config(LossType::kHuber, HuberSchedule::kSnr));
  EXPECT_NEAR(snr[0].item<double>(), 0.3250224983126688, 1e-12);
  EXPECT_NEAR(snr[1].item<double>(), 0.6062640616211589, 1e-12);
  // exponential, t = 500: exp(ln(0.1) * 500 / 1000) = sqrt(0.1).
  const at::Tensor ex =
      huber_c_per_sample(kTimesteps, config(LossType::kHuber, HuberSchedule::kExponential));
  EXPECT_NEAR(ex[0].item<double>(), std::sqrt(0.1), 1e-12);
  EXPECT_NEAR(huber_c_per_sample(kTimesteps, config(LossType::kHuber))[1].item<double>(), 0.1,
              1e-15);
  // The schedule reaches the loss: sample 0 of a snr Huber with c = 0.3250225.
  const double c = 0.3250224983126688;
  const double e1 = 2 * c * (std::sqrt(1 + c * c) - c), e2 = 2 * c * (std::sqrt(4 + c * c) - c);
  const FlowLoss h =
      flow_loss(kPred, kTarget, kTimesteps, config(LossType::kHuber, HuberSchedule::kSnr));
  EXPECT_NEAR(h.per_sample[0].item<double>(), (e1 + e2) / 2, 1e-6);
}

// d loss / d pred by autograd against central differences, all in float64.
void check_gradient(const LossConfig& c) {
  at::Generator gen = at::detail::createCPUGenerator(5);
  const at::Tensor pred0 = at::randn({2, 3, 2, 2}, gen, at::kDouble);
  const at::Tensor target = at::randn({2, 3, 2, 2}, gen, at::kDouble);
  const at::Tensor t = at::tensor({300.0, 800.0}, at::kDouble);
  at::Tensor pred = pred0.clone().requires_grad_(true);
  const FlowLoss l = flow_loss(pred, target, t, c);
  EXPECT_FALSE(l.per_sample.requires_grad());
  l.loss.backward();
  const at::Tensor grad = pred.grad().reshape({-1});
  const double h = 1e-6;
  for (int64_t i = 0; i < pred0.numel(); ++i) {
    at::Tensor up = pred0.clone(), down = pred0.clone();
    up.reshape({-1})[i] += h;
    down.reshape({-1})[i] -= h;
    const double numeric = (flow_loss(up, target, t, c).loss.item<double>() -
                            flow_loss(down, target, t, c).loss.item<double>()) /
                           (2 * h);
    EXPECT_NEAR(grad[i].item<double>(), numeric, 1e-8) << i;
  }
}

TEST(FlowLoss, GradientsMatchFiniteDifferences) {
  check_gradient(config(LossType::kL2));
  check_gradient(config(LossType::kHuber, HuberSchedule::kSnr));
  check_gradient(config(LossType::kSmoothL1, HuberSchedule::kExponential));
}

TEST(FlowLoss, L2GradientIsTwiceTheErrorOverTheElementCount) {
  at::Tensor pred = kPred.clone().requires_grad_(true);
  flow_loss(pred, kTarget, kTimesteps, config(LossType::kL2)).loss.backward();
  // d/dp mean_i mean_j d^2 = 2 d / (B * M) = d / 2 with B = M = 2.
  EXPECT_TRUE(at::allclose(pred.grad(), (kPred - kTarget) / 2));
}

TEST(FlowLoss, NamesAndShapesAreChecked) {
  EXPECT_EQ(parse_loss_type("smooth_l1"), LossType::kSmoothL1);
  EXPECT_EQ(parse_huber_schedule("exponential"), HuberSchedule::kExponential);
  EXPECT_TRUE(
      test::contains_text(test::error_of([] { parse_loss_type("l1"); }), "l2, huber, smooth_l1"));
  EXPECT_TRUE(
      test::contains_text(test::error_of([] { parse_huber_schedule("x"); }), "huber_schedule"));
  EXPECT_TRUE(test::contains_text(test::error_of([] {
                                    flow_loss(kPred, kTarget.reshape({2, 2}), kTimesteps, {});
                                  }),
                                  "differ in shape"));
  EXPECT_TRUE(test::contains_text(test::error_of([] {
                                    flow_loss(kPred, kTarget, at::tensor({1.0f}),
                                              config(LossType::kHuber));
                                  }),
                                  "1 timesteps for a batch of 2"));
}

}  // namespace
}  // namespace reel
