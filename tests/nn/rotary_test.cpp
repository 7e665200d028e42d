#include "nn/rotary.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cmath>

namespace reel::nn {
namespace {

TEST(Rotary, AxisSplitFollowsWan) {
  // head_dim d: t gets d - 4·(d/6) channels, h and w 2·(d/6) each (in pairs: halves).
  EXPECT_EQ(rotary_axis_pairs(16), (std::array<int64_t, 3>{4, 2, 2}));      // 8/4/4 channels
  EXPECT_EQ(rotary_axis_pairs(128), (std::array<int64_t, 3>{22, 21, 21}));  // 44/42/42
}

// Angles of the fixture's head_dim 16 at token (f, h, w) of a 3x4x5 grid, from the README:
// pair j of an axis with axis_dim channels turns by pos · 10000^(-2j/axis_dim).
TEST(Rotary, TableMatchesTheFixtureConvention) {
  const RotaryTable table = rotary_3d({3, 4, 5}, 16, at::kCPU);
  ASSERT_EQ(table.cos.sizes(), at::IntArrayRef({60, 8}));
  EXPECT_EQ(table.cos.scalar_type(), at::kFloat);
  const int64_t f = 2, h = 3, w = 1;
  const int64_t token = (f * 4 + h) * 5 + w;  // (f, h, w) row-major
  std::vector<double> angles;
  for (int j = 0; j < 4; ++j) angles.push_back(f * std::pow(10000.0, -2.0 * j / 8));
  for (int j = 0; j < 2; ++j) angles.push_back(h * std::pow(10000.0, -2.0 * j / 4));
  for (int j = 0; j < 2; ++j) angles.push_back(w * std::pow(10000.0, -2.0 * j / 4));
  for (int p = 0; p < 8; ++p) {
    EXPECT_NEAR(table.cos[token][p].item<double>(), std::cos(angles[p]), 1e-7) << p;
    EXPECT_NEAR(table.sin[token][p].item<double>(), std::sin(angles[p]), 1e-7) << p;
  }
  // Token 0 is not rotated.
  EXPECT_TRUE(at::equal(table.cos[0], at::ones({8})));
}

// Adjacent channels (2j, 2j+1) form a complex number multiplied by e^{i·angle}.
TEST(Rotary, RotatesInterleavedPairs) {
  const RotaryTable table = rotary_3d({2, 3, 2}, 16, at::kCPU);
  const at::Tensor x = at::randn({2, 4, 12, 16}, at::detail::createCPUGenerator(9));
  const at::Tensor out = apply_rotary(x, table);
  const at::Tensor xc = at::view_as_complex(x.to(at::kDouble).unflatten(-1, {8, 2}).contiguous());
  const at::Tensor rot = at::complex(table.cos.to(at::kDouble), table.sin.to(at::kDouble));
  const at::Tensor want = at::view_as_real(xc * rot).flatten(-2);
  EXPECT_LT((out.to(at::kDouble) - want).abs().max().item<double>(), 1e-5);
  // Half-split pairs (0, 8) would give something else.
  EXPECT_FALSE(at::allclose(out, x));
  EXPECT_EQ(apply_rotary(x.to(at::kBFloat16), table).scalar_type(), at::kBFloat16);
}

}  // namespace
}  // namespace reel::nn
