#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "train/blockwise_quantizer.h"

namespace reel {
namespace {

float at_index(const at::Tensor& code, int64_t i) {
  return code[i].item<float>();
}

TEST(DynamicQuantizationCode, SignedCodeValues) {
  // bnb's create_dynamic_map(signed=True): for exponent i = 0..6, the 2^i midpoints of
  // linspace(0.1, 1, 2^i + 1), times 10^(i-6), with both signs; plus 0 and 1.
  const at::Tensor code = dynamic_quantization_code(true);
  ASSERT_EQ(code.numel(), 256);
  EXPECT_EQ(code.scalar_type(), at::kFloat);
  EXPECT_TRUE((code.slice(0, 1) > code.slice(0, 0, -1)).all().item<bool>());  // sorted, distinct
  // i = 6: step 0.9/64 = 0.0140625, midpoints 0.1 + (j + 0.5) * 0.0140625, j = 0..63
  EXPECT_FLOAT_EQ(at_index(code, 0), -0.99296875f);  // -(0.1 + 63.5 * 0.0140625)
  EXPECT_FLOAT_EQ(at_index(code, 254), 0.99296875f);
  EXPECT_FLOAT_EQ(at_index(code, 253), 0.97890625f);  // 0.1 + 62.5 * 0.0140625
  EXPECT_FLOAT_EQ(at_index(code, 191), 0.10703125f);  // 0.1 + 0.5 * 0.0140625
  // i = 5: step 0.9/32, largest midpoint (0.1 + 31.5 * 0.028125) * 0.1
  EXPECT_FLOAT_EQ(at_index(code, 190), 0.09859375f);
  EXPECT_EQ(at_index(code, 127), 0.0f);
  // i = 0: the one midpoint of (0.1, 1) is 0.55, times 1e-6
  EXPECT_FLOAT_EQ(at_index(code, 128), 5.5e-7f);
  EXPECT_FLOAT_EQ(at_index(code, 126), -5.5e-7f);
  EXPECT_EQ(at_index(code, 255), 1.0f);
}

TEST(DynamicQuantizationCode, UnsignedCodeValues) {
  // signed=False: 2^(i+1) midpoints per exponent, no negative values.
  const at::Tensor code = dynamic_quantization_code(false);
  ASSERT_EQ(code.numel(), 256);
  EXPECT_TRUE((code.slice(0, 1) > code.slice(0, 0, -1)).all().item<bool>());
  EXPECT_EQ(at_index(code, 0), 0.0f);
  EXPECT_FLOAT_EQ(at_index(code, 1), 3.25e-7f);  // midpoints of (0.1, 0.55, 1): 0.325, 0.775
  EXPECT_FLOAT_EQ(at_index(code, 2), 7.75e-7f);
  EXPECT_FLOAT_EQ(at_index(code, 254), 0.996484375f);  // 1 - 0.5 * 0.9/128
  EXPECT_EQ(at_index(code, 255), 1.0f);
}

TEST(BlockwiseQuantizer, RoundTripStaysWithinHalfTheWidestCodeGap) {
  // The widest gaps of the signed code are 0.0140625 (between exponent-0 midpoints) and
  // 1 - 0.99296875 = 0.00703 at -1; so every value comes back within 0.00704 * absmax.
  BlockwiseQuantizer q(true);
  const at::Tensor x = at::randn({3, 700}, at::kFloat) * 3;  // 2100 values: 9 blocks, last short
  at::Tensor codes = at::empty({3, 700}, at::kByte);
  at::Tensor absmax = at::empty({9}, at::kFloat);
  q.quantize(x, codes, absmax);
  const at::Tensor back = q.dequantize(codes, absmax);
  ASSERT_EQ(back.sizes(), x.sizes());

  const at::Tensor flat = x.reshape({-1});
  for (int64_t b = 0; b < 9; ++b) {
    const at::Tensor block = flat.slice(0, b * 256, std::min<int64_t>((b + 1) * 256, 2100));
    EXPECT_EQ(absmax[b].item<float>(), block.abs().max().item<float>()) << b;
  }
  const at::Tensor bound = absmax.repeat_interleave(256).slice(0, 0, 2100).view({3, 700}) * 0.00704;
  EXPECT_TRUE((back - x).abs().le(bound).all().item<bool>());
  // Most values fall where the code steps by 0.0140625 and land a quarter step away on
  // average: well inside the bound.
  EXPECT_LT(((back - x).abs() / bound).mean().item<double>(), 0.5);
}

TEST(BlockwiseQuantizer, SmallValuesKeepTheirRelativePrecision) {
  // One block whose absmax is 1: 1e-3 is coded as 0.971875e-3 (the unsigned code's nearest
  // entry: 0.1 + 15.5 * 0.9/16, times 1e-3) and 2.5e-5 as 2.6875e-5, where a linear 8-bit
  // code would round both to 0.
  BlockwiseQuantizer q(false);
  const at::Tensor x = at::tensor({1.0f, 1e-3f, 2.5e-5f, 0.0f});
  at::Tensor codes = at::empty({4}, at::kByte), absmax = at::empty({1}, at::kFloat);
  q.quantize(x, codes, absmax);
  const at::Tensor back = q.dequantize(codes, absmax);
  EXPECT_EQ(back[0].item<float>(), 1.0f);
  EXPECT_FLOAT_EQ(back[1].item<float>(), 0.971875e-3f);
  EXPECT_FLOAT_EQ(back[2].item<float>(), 2.6875e-5f);
  EXPECT_EQ(back[3].item<float>(), 0.0f);
}

TEST(BlockwiseQuantizer, CodeValuesTimesAbsmaxAreExact) {
  BlockwiseQuantizer q(true);
  const at::Tensor code = q.code();
  // absmax 2 (from the 1.0 entry); entries 2 * code[k] must get code k back.
  const at::Tensor x = at::stack({code[255], code[0], code[127], code[200], code[130]}) * 2;
  at::Tensor codes = at::empty({5}, at::kByte), absmax = at::empty({1}, at::kFloat);
  q.quantize(x, codes, absmax);
  EXPECT_EQ(absmax[0].item<float>(), 2.0f);
  const at::Tensor expected = at::tensor({255, 0, 127, 200, 130}, at::kByte);
  EXPECT_TRUE(codes.equal(expected)) << codes;
  EXPECT_TRUE(q.dequantize(codes, absmax).equal(x));
}

TEST(BlockwiseQuantizer, BlocksAreScaledIndependently) {
  // A block of huge values does not wipe out the small values of the next block.
  BlockwiseQuantizer q(true, 4);
  const at::Tensor x = at::tensor({1000.0f, -500.0f, 1.0f, 2.0f, 0.001f, -0.002f, 0.0005f});
  at::Tensor codes = at::empty({7}, at::kByte), absmax = at::empty({2}, at::kFloat);
  q.quantize(x, codes, absmax);
  EXPECT_EQ(absmax[0].item<float>(), 1000.0f);
  EXPECT_EQ(absmax[1].item<float>(), 0.002f);  // the short last block
  const at::Tensor back = q.dequantize(codes, absmax);
  EXPECT_TRUE((back.slice(0, 4) - x.slice(0, 4)).abs().le(0.002 * 0.00704).all().item<bool>());
}

TEST(BlockwiseQuantizer, AllZeroBlockStaysZero) {
  BlockwiseQuantizer q(false);
  const at::Tensor x = at::zeros({300}, at::kFloat);
  at::Tensor codes = at::empty({300}, at::kByte), absmax = at::empty({2}, at::kFloat);
  q.quantize(x, codes, absmax);
  EXPECT_TRUE(absmax.eq(0).all().item<bool>());
  EXPECT_TRUE(q.dequantize(codes, absmax).eq(0).all().item<bool>());
}

TEST(BlockwiseQuantizer, BlockCount) {
  EXPECT_EQ(BlockwiseQuantizer::block_count(0), 0);
  EXPECT_EQ(BlockwiseQuantizer::block_count(256), 1);
  EXPECT_EQ(BlockwiseQuantizer::block_count(257), 2);
  EXPECT_EQ(BlockwiseQuantizer::block_count(4096), 16);
}

}  // namespace
}  // namespace reel
