// The rotation a player applies to a video stream: phones record 1920x1080 pictures and tag
// the stream "turn 90° clockwise" (a display matrix) instead of turning the pictures. Reel
// applies it as the ffmpeg CLI's autorotation does, so that frames and sizes are what a
// viewer sees. Internal to src/media.
//
//   int r = display_rotation(*stream);          // 90
//   frames = rotate_for_display(frames, r);     // [F, 1080, 1920, 3] -> [F, 1920, 1080, 3]
#pragma once

#include <ATen/core/Tensor.h>

struct AVStream;

namespace reel {

// Clockwise degrees, 0, 90, 180 or 270 (the nearest; a mirrored matrix's flip is ignored, as
// the ffmpeg 5.1 CLI ignores it); 0 when the stream has no display matrix.
int display_rotation(const AVStream& stream);

// frames uint8 [F, H, W, C] turned `rotation` degrees clockwise; contiguous.
at::Tensor rotate_for_display(const at::Tensor& frames, int rotation);

}  // namespace reel
