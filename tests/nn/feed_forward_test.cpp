#include "nn/feed_forward.h"

#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <cstdlib>

#include "support/error_of.h"

namespace reel::nn {
namespace {

FeedForward make_ffn(FeedForward::Gelu gelu) {
  at::Generator gen = at::detail::createCPUGenerator(4);
  FeedForward f;
  f.proj = {at::randn({24, 8}, gen), at::randn({24}, gen), nullptr};
  f.out = {at::randn({8, 24}, gen), at::randn({8}, gen), nullptr};
  f.gelu = gelu;
  return f;
}

TEST(FeedForward, IsLinearGeluLinear) {
  const at::Tensor x = at::randn({2, 10, 8}, at::detail::createCPUGenerator(5));
  for (auto [gelu, approximate] :
       {std::pair{FeedForward::Gelu::kTanh, "tanh"}, std::pair{FeedForward::Gelu::kErf, "none"}}) {
    const FeedForward f = make_ffn(gelu);
    const at::Tensor want = at::linear(
        at::gelu(at::linear(x, f.proj.weight, f.proj.bias), approximate), f.out.weight, f.out.bias);
    EXPECT_TRUE(at::allclose(f(x), want, 1e-5, 1e-5));
  }
  // tanh and erf GELU differ: the choice is not a no-op.
  EXPECT_FALSE(at::allclose(make_ffn(FeedForward::Gelu::kTanh)(x),
                            make_ffn(FeedForward::Gelu::kErf)(x), 1e-6, 1e-6));
}

TEST(FeedForward, ChunkingGivesTheSameOutput) {
  const FeedForward f = make_ffn(FeedForward::Gelu::kTanh);
  const at::Tensor x = at::randn({2, 10, 8}, at::detail::createCPUGenerator(6));
  const at::Tensor whole = f(x);
  // Equal up to float32 rounding (a matmul over fewer rows may sum in another order): within
  // 1e-6 of the output's scale (~20 here); a chunk dropped, repeated or misplaced is O(1).
  const double bound = 1e-6 * whole.abs().max().item<double>();
  for (int64_t chunk : {1, 3, 4, 10, 64}) {
    EXPECT_LT((f(x, chunk) - whole).abs().max().item<double>(), bound) << chunk;
  }
}

TEST(FeedForward, EnvironmentOverridesChunkSize) {
  ::unsetenv("WAN_FEED_FORWARD_CHUNK_SIZE");
  EXPECT_EQ(feed_forward_chunk_size(0), 0);
  EXPECT_EQ(feed_forward_chunk_size(256), 256);
  ::setenv("WAN_FEED_FORWARD_CHUNK_SIZE", "1024", 1);
  EXPECT_EQ(feed_forward_chunk_size(256), 1024);
  ::setenv("WAN_FEED_FORWARD_CHUNK_SIZE", "0", 1);
  EXPECT_EQ(feed_forward_chunk_size(256), 0);
  ::setenv("WAN_FEED_FORWARD_CHUNK_SIZE", "12x", 1);
  EXPECT_TRUE(test::contains_text(test::error_of([] { feed_forward_chunk_size(0); }),
                                  "WAN_FEED_FORWARD_CHUNK_SIZE is '12x'"));
  ::setenv("WAN_FEED_FORWARD_CHUNK_SIZE", "-3", 1);
  EXPECT_NE(test::error_of([] { feed_forward_chunk_size(0); }), "(no error)");
  ::unsetenv("WAN_FEED_FORWARD_CHUNK_SIZE");
}

}  // namespace
}  // namespace reel::nn
