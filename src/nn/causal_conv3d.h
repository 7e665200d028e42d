// A causal 3-D convolution over [B, C, T, H, W]: zero "same" padding in H and W, and in time
// only the past: output frame t sees input frames t-k+1 .. t. A clip can be fed in chunks:
// `history` carries the last k-1 input frames from one call to the next (undefined before the
// first call, which then sees zero frames in front), so chunked output equals whole-clip
// output while memory stays that of one chunk.
//
//   at::Tensor history;  // one per convolution, kept for the whole clip
//   for (const at::Tensor& chunk : chunks) outs.push_back(causal_conv3d(chunk, w, b, history));
#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace reel::nn {

// weight [out, in, kt, kh, kw] with odd kh, kw; bias [out] or undefined. With kt == 1
// `history` is not touched.
at::Tensor causal_conv3d(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                         at::Tensor& history);

// The histories of every causal convolution of a network, handed out in call order: a network
// calls next() once per cached convolution per chunk, in the same order each chunk, and the
// caller calls begin_chunk() before each chunk.
class CausalCache {
 public:
  void begin_chunk() {
    next_ = 0;
    ++chunks_;
  }
  // True during the first chunk of the clip.
  bool first_chunk() const { return chunks_ == 1; }
  at::Tensor& next() {
    if (next_ == slots_.size()) slots_.emplace_back();
    return slots_[next_++];
  }
  void clear() {
    slots_.clear();
    next_ = 0;
    chunks_ = 0;
  }

 private:
  std::vector<at::Tensor> slots_;
  size_t next_ = 0;
  int64_t chunks_ = 0;
};

}  // namespace reel::nn
