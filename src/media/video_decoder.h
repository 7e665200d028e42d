// Decoding a video or an image to RGB frames with FFmpeg: only the frames asked for are
// decoded, and pixel-format conversion and resizing happen in one libswscale pass. Frames
// come out in display orientation (rotation metadata applied, as the ffmpeg CLI's
// autorotation does). At the source size and with the CLI's scaler settings, the frames equal
// `ffmpeg -i FILE -f rawvideo -pix_fmt rgb24 -`.
//
//   DecodeRequest r;
//   r.max_frames = 73;
//   r.width = 640, r.height = 352;  // display orientation
//   at::Tensor frames = decode_frames("clips/cat.mp4", r);  // uint8 [73, 352, 640, 3]
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <filesystem>

namespace reel {

struct DecodeRequest {
  int64_t max_frames = 0;  // decode at most this many frames from the start; 0 = all
  // Output size in display orientation; 0 and 0 = the source's size. Both or neither.
  int width = 0;
  int height = 0;
};

// uint8 [F, H, W, 3] (RGB, contiguous, CPU). F is what could be decoded: a file cut short
// gives fewer frames than its header promises and is not an error here (the caller compares
// F with what it needs). Throws reel::Error naming the file and reason when it cannot be
// opened or no frame at all decodes.
at::Tensor decode_frames(const std::filesystem::path& path, const DecodeRequest& request = {});

// The first frame of a video (or an image) resized to width x height: uint8 [H, W, 3], as
// image-to-video conditions on it. Throws as decode_frames does.
at::Tensor decode_first_frame(const std::filesystem::path& path, int width, int height);

}  // namespace reel
