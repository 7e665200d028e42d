#include "train/grad_clip.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cmath>
#include <limits>

#include "support/error_of.h"

namespace reel {
namespace {

// Two parameters with gradients {3, -4} and {12, 0, -0.5} (global L2 norm
// sqrt(9 + 16 + 144 + 0.25) = sqrt(169.25) = 13.0096118), and one without a gradient.
std::vector<at::Tensor> params_with_grads() {
  at::Tensor a = at::zeros({2}), b = at::zeros({3}), frozen = at::zeros({4});
  a.mutable_grad() = at::tensor({3.0f, -4.0f});
  b.mutable_grad() = at::tensor({12.0f, 0.0f, -0.5f});
  return {a, b, frozen};
}

TEST(GradClip, ValueClampsEveryElementAndLogsTheAbsMax) {
  const std::vector<at::Tensor> p = params_with_grads();
  const GradClip r = clip_gradients(p, 2.0, GradClipMethod::kValue);
  EXPECT_EQ(r.log_key, "grad_absmax");
  EXPECT_DOUBLE_EQ(r.metric, 12.0);  // before clamping
  EXPECT_TRUE(r.clipped);
  EXPECT_TRUE(at::equal(p[0].grad(), at::tensor({2.0f, -2.0f})));
  EXPECT_TRUE(at::equal(p[1].grad(), at::tensor({2.0f, 0.0f, -0.5f})));
  EXPECT_FALSE(p[2].grad().defined());
}

TEST(GradClip, NormScalesAllGradientsByOneFactor) {
  const std::vector<at::Tensor> p = params_with_grads();
  const GradClip r = clip_gradients(p, 2.0, GradClipMethod::kNorm);
  const double norm = std::sqrt(169.25);
  EXPECT_EQ(r.log_key, "grad_norm");
  EXPECT_NEAR(r.metric, norm, 1e-5);
  // factor 2 / (13.0096118 + 1e-6)
  const double f = 2.0 / (norm + 1e-6);
  EXPECT_NEAR(p[0].grad()[1].item<double>(), -4.0 * f, 1e-6);
  EXPECT_NEAR(p[1].grad()[0].item<double>(), 12.0 * f, 1e-6);
  const double clipped_norm =
      std::sqrt(p[0].grad().pow(2).sum().item<double>() + p[1].grad().pow(2).sum().item<double>());
  EXPECT_NEAR(clipped_norm, 2.0, 1e-5);
}

TEST(GradClip, NormUnderTheLimitLeavesGradientsAlone) {
  const std::vector<at::Tensor> p = params_with_grads();
  const GradClip r = clip_gradients(p, 20.0, GradClipMethod::kNorm);
  EXPECT_NEAR(r.metric, std::sqrt(169.25), 1e-5);
  EXPECT_TRUE(at::equal(p[1].grad(), at::tensor({12.0f, 0.0f, -0.5f})));
}

TEST(GradClip, NoClippingStillReportsTheMetric) {
  for (GradClipMethod m : {GradClipMethod::kValue, GradClipMethod::kNorm}) {
    const std::vector<at::Tensor> p = params_with_grads();
    const GradClip r = clip_gradients(p, 0.0, m);
    EXPECT_FALSE(r.clipped);
    // ST logs max |g| then, under either key.
    EXPECT_DOUBLE_EQ(r.metric, 12.0);
    EXPECT_EQ(r.log_key, m == GradClipMethod::kValue ? "grad_absmax" : "grad_norm");
    EXPECT_TRUE(at::equal(p[0].grad(), at::tensor({3.0f, -4.0f})));
  }
}

TEST(GradClip, NoGradientsGiveMinusInfinity) {
  const GradClip r = clip_gradients({at::zeros({2})}, 1.0, GradClipMethod::kNorm);
  EXPECT_EQ(r.metric, -std::numeric_limits<double>::infinity());
  EXPECT_FALSE(r.clipped);
}

TEST(GradClip, Bfloat16GradientsKeepTheirDtype) {
  at::Tensor a = at::zeros({2}, at::kBFloat16);
  a.mutable_grad() = at::tensor({3.0f, -4.0f}).to(at::kBFloat16);
  const GradClip r = clip_gradients({a}, 1.0, GradClipMethod::kNorm);
  EXPECT_NEAR(r.metric, 5.0, 1e-5);
  EXPECT_EQ(a.grad().scalar_type(), at::kBFloat16);
  EXPECT_NEAR(a.grad()[0].item<double>(), 0.6, 0.01);
}

TEST(GradClip, MethodNames) {
  EXPECT_EQ(parse_grad_clip_method("value"), GradClipMethod::kValue);
  EXPECT_EQ(parse_grad_clip_method("norm"), GradClipMethod::kNorm);
  EXPECT_TRUE(test::contains_text(test::error_of([] { parse_grad_clip_method("l2"); }),
                                  "valid: value, norm"));
}

}  // namespace
}  // namespace reel
