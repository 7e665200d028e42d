#include "nn/checkpoint.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

namespace reel::nn {
namespace {

// A block that closes over a trainable weight, like a layer with a LoRA.
struct Block {
  at::Tensor w;  // requires grad
  int* calls;
  at::Tensor operator()(const std::vector<at::Tensor>& in) const {
    ++*calls;
    return at::tanh(at::matmul(in[0], w)) * in[1] + in[0];
  }
};

struct Tensors {
  int calls = 0;
  at::Tensor x, y, w, target;
  Tensors() {
    at::Generator gen = at::detail::createCPUGenerator(3);
    x = at::randn({4, 6}, gen).requires_grad_(true);
    y = at::randn({4, 6}, gen);  // no grad
    w = at::randn({6, 6}, gen).requires_grad_(true);
    target = at::randn({4, 6}, gen);
  }
};

TEST(Checkpoint, GradientsForInputsAndClosedOverParametersMatch) {
  Tensors plain, ck;
  const Block plain_block{plain.w, &plain.calls};
  const Block ck_block{ck.w, &ck.calls};
  // Two blocks in a row, as in a transformer.
  at::Tensor p = plain_block({plain_block({plain.x, plain.y}), plain.y});
  at::Tensor c = checkpoint(ck_block, {checkpoint(ck_block, {ck.x, ck.y}, {ck.w}), ck.y}, {ck.w});
  EXPECT_TRUE(at::equal(p, c));
  EXPECT_EQ(ck.calls, 2);
  (p * plain.target).sum().backward();
  (c * ck.target).sum().backward();
  EXPECT_EQ(ck.calls, 4) << "backward reruns each block once";
  EXPECT_LT((ck.x.grad() - plain.x.grad()).abs().max().item<double>(), 1e-6);
  ASSERT_TRUE(ck.w.grad().defined());
  EXPECT_GT(ck.w.grad().abs().max().item<double>(), 0.0);
  EXPECT_LT((ck.w.grad() - plain.w.grad()).abs().max().item<double>(), 1e-6);
  EXPECT_FALSE(ck.y.grad().defined());
}

TEST(Checkpoint, OutputKeepsNoActivationsButAGraphEdge) {
  Tensors s;
  const Block block{s.w, &s.calls};
  const at::Tensor out = checkpoint(block, {s.x.detach(), s.y}, {s.w});
  // Only w requires grad: the output still has a grad_fn (the checkpoint node).
  EXPECT_TRUE(out.requires_grad());
  out.sum().backward();
  EXPECT_TRUE(s.w.grad().defined());
}

TEST(Checkpoint, PlainCallWithoutGradMode) {
  Tensors s;
  const Block block{s.w, &s.calls};
  c10::NoGradGuard no_grad;
  const at::Tensor out = checkpoint(block, {s.x, s.y}, {s.w});
  EXPECT_FALSE(out.requires_grad());
  EXPECT_EQ(s.calls, 1);
}

}  // namespace
}  // namespace reel::nn
