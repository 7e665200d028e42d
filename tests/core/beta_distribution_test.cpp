#include "core/beta_distribution.h"

#include <gtest/gtest.h>

#include <cmath>

namespace reel {
namespace {

TEST(BetaDistribution, CdfMatchesClosedForms) {
  const double pi = std::acos(-1.0);
  for (double x : {0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99}) {
    // Beta(1, 1) is uniform: x. Beta(2, 2): 3x^2 - 2x^3. Beta(2, 1): x^2. Beta(1, 3):
    // 1 - (1-x)^3. Beta(1/2, 1/2): (2/pi) asin(sqrt(x)).
    EXPECT_NEAR(beta_cdf(1, 1, x), x, 1e-14) << x;
    EXPECT_NEAR(beta_cdf(2, 2, x), 3 * x * x - 2 * x * x * x, 1e-14) << x;
    EXPECT_NEAR(beta_cdf(2, 1, x), x * x, 1e-14) << x;
    EXPECT_NEAR(beta_cdf(1, 3, x), 1 - std::pow(1 - x, 3), 1e-14) << x;
    EXPECT_NEAR(beta_cdf(0.5, 0.5, x), 2 / pi * std::asin(std::sqrt(x)), 1e-13) << x;
  }
  EXPECT_EQ(beta_cdf(2, 2, -0.5), 0.0);
  EXPECT_EQ(beta_cdf(2, 2, 0.0), 0.0);
  EXPECT_EQ(beta_cdf(2, 2, 1.0), 1.0);
}

TEST(BetaDistribution, LargeParametersConverge) {
  // Beta(50, 50) is symmetric: I_{1/2} = 1/2; and I_x(a, b) = 1 - I_{1-x}(b, a).
  EXPECT_NEAR(beta_cdf(50, 50, 0.5), 0.5, 1e-12);
  EXPECT_NEAR(beta_cdf(30, 70, 0.25) + beta_cdf(70, 30, 0.75), 1.0, 1e-12);
}

TEST(BetaDistribution, QuantileInvertsTheCdf) {
  // Beta(2, 1): F = x^2, so the quantile of p is sqrt(p).
  for (double p : {0.001, 0.2, 0.5, 0.81, 0.999}) {
    EXPECT_NEAR(beta_quantile(2, 1, p), std::sqrt(p), 1e-13) << p;
    EXPECT_NEAR(beta_cdf(2.5, 0.7, beta_quantile(2.5, 0.7, p)), p, 1e-12) << p;
  }
  EXPECT_EQ(beta_quantile(2, 2, 0.0), 0.0);
  EXPECT_EQ(beta_quantile(2, 2, 1.0), 1.0);
  EXPECT_NEAR(beta_quantile(2, 2, 0.5), 0.5, 1e-14);
}

}  // namespace
}  // namespace reel
