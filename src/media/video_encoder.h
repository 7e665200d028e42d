// Writing RGB frames as an H.264 mp4 (yuv420p, the one format every player and browser
// takes) for validation and sample output. The file appears complete or not at all.
//
//   encode_mp4(out / "step-100.mp4", frames /* uint8 [F, H, W, 3] */, {.fps = 16});
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>

namespace reel {

struct EncodeOptions {
  double fps = 16;
  int crf = 18;  // libx264 quality: lower is better, 18 is visually lossless
};

// frames: uint8 [F, H, W, 3] RGB on any device. Odd H or W are padded by one row/column
// (repeating the edge), since yuv420p needs even sizes. Throws reel::Error naming the file
// for a bad tensor or a failed write.
void encode_mp4(const std::filesystem::path& path, const at::Tensor& frames,
                const EncodeOptions& options = {});

}  // namespace reel
