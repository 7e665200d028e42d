#include "nn/attention.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cmath>
#include <limits>

namespace reel::nn {
namespace {

// softmax(q·kᵀ/sqrt(d) with masked keys at -inf)·v, written out.
at::Tensor reference_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               const at::Tensor& key_mask) {
  at::Tensor scores = at::matmul(q, k.transpose(-1, -2)) / std::sqrt(double(q.size(-1)));
  if (key_mask.defined()) {
    scores = scores.masked_fill(key_mask.logical_not().view({k.size(0), 1, 1, k.size(2)}),
                                -std::numeric_limits<double>::infinity());
  }
  return at::matmul(at::softmax(scores, -1), v);
}

struct Qkv {
  at::Tensor q, k, v;
  explicit Qkv(uint64_t seed) {
    at::Generator gen = at::detail::createCPUGenerator(seed);
    q = at::randn({2, 3, 5, 8}, gen);
    k = at::randn({2, 3, 7, 8}, gen);
    v = at::randn({2, 3, 7, 8}, gen);
  }
};

TEST(Attention, UnmaskedEqualsSoftmaxAttention) {
  const Qkv t(1);
  const at::Tensor out = attention(t.q, t.k, t.v);
  EXPECT_EQ(out.sizes(), at::IntArrayRef({2, 3, 5, 8}));
  EXPECT_TRUE(at::allclose(out, reference_attention(t.q, t.k, t.v, at::Tensor()), 1e-5, 1e-6));
}

TEST(Attention, KeyMaskLeavesPaddedKeysOut) {
  const Qkv t(2);
  // Sample 0 keeps 4 keys, sample 1 keeps 6 (a hole in the middle too).
  const at::Tensor mask =
      at::tensor({1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1}).view({2, 7}).to(at::kBool);
  const at::Tensor out = attention(t.q, t.k, t.v, mask);
  const at::Tensor want = reference_attention(t.q, t.k, t.v, mask);
  EXPECT_TRUE(at::allclose(out, want, 1e-5, 1e-6)) << (out - want).abs().max();
  // The mask matters: without it the result differs...
  EXPECT_GT((attention(t.q, t.k, t.v) - out).abs().max().item<double>(), 1e-3);
  // ...and what a masked key holds does not.
  at::Tensor k2 = t.k.clone(), v2 = t.v.clone();
  k2.select(0, 0).narrow(1, 4, 3).fill_(100.0);
  v2.select(0, 1).select(1, 2).fill_(-50.0);
  EXPECT_TRUE(at::allclose(attention(t.q, k2, v2, mask), out, 1e-5, 1e-6));
}

TEST(Attention, BFloat16StaysCloseToFloat32) {
  const Qkv t(3);
  const at::Tensor out =
      attention(t.q.to(at::kBFloat16), t.k.to(at::kBFloat16), t.v.to(at::kBFloat16));
  EXPECT_EQ(out.scalar_type(), at::kBFloat16);
  EXPECT_LT((out.to(at::kFloat) - attention(t.q, t.k, t.v)).abs().max().item<double>(), 0.05);
}

}  // namespace
}  // namespace reel::nn
