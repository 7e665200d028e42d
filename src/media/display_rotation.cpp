#include "media/display_rotation.h"

#include <ATen/ATen.h>

extern "C" {
#include <libavcodec/packet.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
}

#include <cmath>

namespace reel {

int display_rotation(const AVStream& stream) {
  const uint8_t* matrix = av_stream_get_side_data(&stream, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
  if (matrix == nullptr) return 0;
  // av_display_rotation_get is counter-clockwise in [-180, 180]; NaN for a degenerate matrix.
  const double counter_clockwise =
      av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
  if (std::isnan(counter_clockwise)) return 0;
  const long quarter_turns = std::lround(-counter_clockwise / 90.0);
  return static_cast<int>(((quarter_turns % 4) + 4) % 4) * 90;
}

at::Tensor rotate_for_display(const at::Tensor& frames, int rotation) {
  switch (rotation) {
    case 90:  // clockwise: the left column becomes the top row
      return frames.transpose(1, 2).flip({2}).contiguous();
    case 180:
      return frames.flip({1, 2}).contiguous();
    case 270:  // counter-clockwise: the top row becomes the left column
      return frames.transpose(1, 2).flip({1}).contiguous();
    default:
      return frames.contiguous();
  }
}

}  // namespace reel
