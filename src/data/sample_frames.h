// A sample's pixels as the VAE takes them: decoded at the intermediary size, the bucket's
// window cut out, the first `frames` frames, scaled to [-1, 1] (spec/dataloader.md §2-§3).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

#include "core/error.h"
#include "data/sample.h"

namespace reel {

// What sample_pixels throws for a file that decodes fewer frames than its header promised.
class TruncatedClip : public Error {
 public:
  TruncatedClip(std::string message, int64_t decoded)
      : Error(std::move(message)), decoded_(decoded) {}
  int64_t decoded() const { return decoded_; }

 private:
  int64_t decoded_;
};

// uint8 [F, H, W, 3] of the sample, F = sample.frames, H x W = the target size. Throws
// TruncatedClip when it yields fewer than F frames, reel::Error when it cannot be decoded;
// both name the file.
at::Tensor sample_pixels(const Sample& sample);

// uint8 [F, H, W, 3] -> float [3, F, H, W] in [-1, 1] (x / 127.5 - 1).
at::Tensor pixels_to_vae_input(const at::Tensor& pixels);

}  // namespace reel
