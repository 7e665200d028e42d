#include "train/blockwise_quantizer.h"

#include <ATen/ATen.h>

#include <cfloat>
#include <vector>

#include "core/error.h"

namespace reel {

at::Tensor dynamic_quantization_code(bool is_signed) {
  // bnb builds the list from float32 tensors, so every step below is a float32 ATen op, as
  // there: the values must match bnb's to the last bit.
  constexpr int kMaxExponentBits = 7, kNonSignBits = 7;
  std::vector<at::Tensor> parts;
  for (int i = 0; i < kMaxExponentBits; ++i) {
    const int64_t fraction_items =
        (int64_t{1} << (i + kNonSignBits - kMaxExponentBits + (is_signed ? 0 : 1))) + 1;
    const at::Tensor boundaries = at::linspace(0.1, 1.0, fraction_items, at::kFloat);
    const at::Tensor means = (boundaries.slice(0, 0, -1) + boundaries.slice(0, 1)) / 2.0;
    const double scale = std::pow(10.0, -(kMaxExponentBits - 1) + i);
    parts.push_back(means * scale);
    if (is_signed) parts.push_back(means * -scale);
  }
  // With 7 exponent bits and 8 bits in all no "additional items" remain (2^0 - 1 = 0).
  parts.push_back(at::tensor({0.0f, 1.0f}));
  at::Tensor code = std::get<0>(at::cat(parts).sort());
  if (code.numel() != 256) throw Error("dynamic quantisation code has the wrong size");
  return code.contiguous();
}

BlockwiseQuantizer::BlockwiseQuantizer(bool is_signed, int64_t block_size)
    : block_size_(block_size), code_(dynamic_quantization_code(is_signed)) {
  if (block_size_ <= 0) throw Error("block size must be positive");
  bounds_ = (code_.slice(0, 0, -1) + code_.slice(0, 1)) / 2;
}

int64_t BlockwiseQuantizer::block_count(int64_t numel, int64_t block_size) {
  return (numel + block_size - 1) / block_size;
}

const at::Tensor& BlockwiseQuantizer::code_on(const at::Device& device) const {
  if (device.is_cpu()) return code_;
  if (!device_code_.defined() || device_code_.device() != device) {
    device_code_ = code_.to(device);
    device_bounds_ = bounds_.to(device);
  }
  return device_code_;
}

const at::Tensor& BlockwiseQuantizer::bounds_on(const at::Device& device) const {
  if (device.is_cpu()) return bounds_;
  code_on(device);
  return device_bounds_;
}

void BlockwiseQuantizer::quantize(const at::Tensor& values, const at::Tensor& codes,
                                  const at::Tensor& absmax) const {
  const int64_t n = values.numel();
  const int64_t blocks = block_count(n, block_size_);
  if (codes.numel() != n || codes.scalar_type() != at::kByte)
    throw Error("quantize: codes must be uint8 with one entry per value");
  if (absmax.numel() != blocks || absmax.scalar_type() != at::kFloat)
    throw Error("quantize: absmax must be float32 with one entry per block");
  if (n == 0) return;
  // Zero padding leaves every block's absmax as it is and is cut off again below.
  at::Tensor padded = values.reshape({-1}).to(at::kFloat);
  padded = at::constant_pad_nd(padded, {0, blocks * block_size_ - n}).view({blocks, block_size_});
  const at::Tensor block_max = padded.abs().amax(1);
  const at::Tensor scaled =
      (padded / block_max.clamp_min(FLT_MIN).unsqueeze(1)).clamp_(-1.0, 1.0).view({-1});
  const at::Tensor index = at::bucketize(scaled.slice(0, 0, n), bounds_on(values.device()));
  codes.view({-1}).copy_(index);
  absmax.copy_(block_max);
}

at::Tensor BlockwiseQuantizer::dequantize(const at::Tensor& codes, const at::Tensor& absmax) const {
  const int64_t n = codes.numel();
  const int64_t blocks = block_count(n, block_size_);
  if (codes.scalar_type() != at::kByte) throw Error("dequantize: codes must be uint8");
  if (absmax.numel() != blocks) throw Error("dequantize: absmax must have one entry per block");
  at::Tensor values = code_on(codes.device()).index_select(0, codes.reshape({-1}).to(at::kLong));
  values = at::constant_pad_nd(values, {0, blocks * block_size_ - n}).view({blocks, block_size_});
  values.mul_(absmax.to(at::kFloat).unsqueeze(1));
  return values.view({-1}).slice(0, 0, n).reshape(codes.sizes());
}

}  // namespace reel
