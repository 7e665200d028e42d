// Block-wise dynamic 8-bit quantisation, the storage of bitsandbytes' 8-bit optimizer states
// (Dettmers et al., "8-bit Optimizers via Block-wise Quantization"). A tensor is cut, in
// row-major order, into blocks of 256 values (bnb's block size for 8-bit optimizer state;
// the last block may be shorter); each block keeps its largest magnitude (absmax, float32)
// and each value the uint8 index of the code entry nearest to value / absmax.
//
// The code is bnb's `create_dynamic_map`: a sign, a decimal exponent from 1e-6 to 1e0 and a
// linear fraction whose bits shrink as the exponent grows, so small values keep their
// relative precision. The signed code (first moments) runs from -0.99296875 to 1.0 with 0 at
// index 127; the unsigned code (second moments) runs from 0 to 1.0.
//
//   BlockwiseQuantizer q(/*is_signed=*/true);
//   at::Tensor codes = at::empty_like(m, at::kByte);
//   at::Tensor absmax = at::empty({BlockwiseQuantizer::block_count(m.numel())}, at::kFloat);
//   q.quantize(m, codes, absmax);
//   at::Tensor m2 = q.dequantize(codes, absmax);  // float32, shape of m
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace reel {

// bitsandbytes' create_dynamic_map(signed, max_exponent_bits=7, total_bits=8): 256 sorted
// float32 values on the CPU.
at::Tensor dynamic_quantization_code(bool is_signed);

class BlockwiseQuantizer {
 public:
  static constexpr int64_t kBlockSize = 256;

  explicit BlockwiseQuantizer(bool is_signed, int64_t block_size = kBlockSize);

  // ceil(numel / block_size): the length of an absmax tensor.
  static int64_t block_count(int64_t numel, int64_t block_size = kBlockSize);

  // Writes the codes (uint8, numel of `values`) and the absmax of each block (float32,
  // block_count values) of `values` (any floating dtype and shape) into the given tensors, in
  // place. Values round to the nearest code (ties to the lower one); a block of zeros keeps
  // absmax 0.
  void quantize(const at::Tensor& values, const at::Tensor& codes, const at::Tensor& absmax) const;

  // code[codes] * absmax of their block, float32, shaped like `codes`.
  at::Tensor dequantize(const at::Tensor& codes, const at::Tensor& absmax) const;

  int64_t block_size() const { return block_size_; }
  const at::Tensor& code() const { return code_; }  // CPU

 private:
  // The code and its midpoints on `device`, copied there once.
  const at::Tensor& code_on(const at::Device& device) const;
  const at::Tensor& bounds_on(const at::Device& device) const;

  int64_t block_size_;
  at::Tensor code_, bounds_;                        // CPU
  mutable at::Tensor device_code_, device_bounds_;  // the last device asked for
};

}  // namespace reel
