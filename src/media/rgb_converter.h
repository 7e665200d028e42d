// Decoded pictures (any pixel format, any size) to packed RGB24 of one output size, in a
// single libswscale pass. At the source size it converts exactly as the ffmpeg CLI does for
// `-pix_fmt rgb24` (same scaler flags, same colour matrix and range choice), so frames match
// the CLI bit for bit; a change of size or format mid-stream gets a new scaler. Internal to
// src/media.
//
//   RgbConverter to_rgb(640, 352);
//   to_rgb.convert(*frame, out_bytes);  // 640 * 352 * 3 bytes, rows packed
#pragma once

#include <cstdint>

#include "media/ffmpeg_handles.h"

namespace reel {

class RgbConverter {
 public:
  RgbConverter(int width, int height);

  int width() const { return width_; }
  int height() const { return height_; }

  // Writes the picture of `frame` to `out`, width * height * 3 bytes. Throws reel::Error
  // when libswscale cannot convert the frame's format.
  void convert(const AVFrame& frame, uint8_t* out);

 private:
  void configure(const AVFrame& frame);

  int width_, height_;
  ffmpeg::ScaleContext scaler_;
  // What `scaler_` was made for.
  int src_width_ = 0, src_height_ = 0, src_format_ = -1, colorspace_ = -1, range_ = -1;
  // Output rows whose length is not a multiple of 64 bytes go through an aligned picture
  // first: libswscale's SIMD paths assume alignment, and the CLI converts into one.
  ffmpeg::Frame aligned_;
};

}  // namespace reel
