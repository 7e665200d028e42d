#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "train/optimizer_test_support.h"
#include "train/stochastic_rounding.h"

namespace reel {
namespace {

at::Tensor round_many(float value, int64_t n, uint64_t seed) {
  test::SingleThreaded one_thread;
  at::Generator gen = make_seeded_generator(at::kCPU, seed);
  at::Tensor out = at::empty({n}, at::kBFloat16);
  copy_stochastic_(out, at::full({n}, value, at::kFloat), gen);
  return out.to(at::kDouble);
}

TEST(StochasticRounding, Bf16ValuesStayExact) {
  for (float v : {1.0f, -2.5f, 0.0f, 0.578125f, -3.0e-5f}) {
    const float exact = at::scalar_tensor(v, at::kBFloat16).item<float>();
    const at::Tensor r = round_many(exact, 1000, 3);
    EXPECT_TRUE(r.eq(exact).all().item<bool>()) << v;
  }
}

TEST(StochasticRounding, RoundsToTheTwoNeighboursWithoutBias) {
  // 1 + 2^-10 lies an eighth of the way from 1.0 to the next bf16 value 1 + 2^-7.
  const double x = 1.0 + 1.0 / 1024;
  const int64_t n = 100000;
  const at::Tensor r = round_many(static_cast<float>(x), n, 11);
  const at::Tensor up = r.eq(1.0 + 1.0 / 128);
  EXPECT_TRUE(up.logical_or(r.eq(1.0)).all().item<bool>());
  // Binomial(n, 1/8): standard deviation of the fraction sqrt(p(1-p)/n) ~ 0.001.
  EXPECT_NEAR(up.to(at::kDouble).mean().item<double>(), 0.125, 0.005);
  EXPECT_NEAR(r.mean().item<double>(), x, 0.005 / 128);
}

TEST(StochasticRounding, NegativeValuesRoundWithoutBiasToo) {
  // -(1 + 3 * 2^-9): three quarters of the way from -1 to -(1 + 2^-7).
  const double x = -(1.0 + 3.0 / 512);
  const at::Tensor r = round_many(static_cast<float>(x), 100000, 5);
  EXPECT_TRUE(r.eq(-1.0).logical_or(r.eq(-(1.0 + 1.0 / 128))).all().item<bool>());
  EXPECT_NEAR(r.mean().item<double>(), x, 0.005 / 128);
}

TEST(StochasticRounding, SameSeedSameRoundingOtherSeedOther) {
  const float x = 0.3f;  // not a bf16 value
  EXPECT_TRUE(round_many(x, 1000, 42).equal(round_many(x, 1000, 42)));
  EXPECT_FALSE(round_many(x, 1000, 42).equal(round_many(x, 1000, 43)));
}

TEST(StochasticRounding, GeneratorStateReplaysTheSameBits) {
  at::Generator gen = make_seeded_generator(at::kCPU, 9);
  const at::Tensor saved = gen.get_state();
  const at::Tensor src = at::rand({500}, at::kFloat);
  at::Tensor a = at::empty({500}, at::kBFloat16), b = at::empty({500}, at::kBFloat16);
  copy_stochastic_(a, src, gen);
  gen.set_state(saved);
  copy_stochastic_(b, src, gen);
  EXPECT_TRUE(a.equal(b));
}

}  // namespace
}  // namespace reel
