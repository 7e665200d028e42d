// A contact sheet: some frames of a video, evenly spaced from the first to the last, tiled
// left to right and top to bottom on a dark background, so one PNG shows what a validation
// video does at a glance (and can travel where a video cannot, e.g. a webhook's image).
//
//   at::Tensor sheet = contact_sheet(frames /* uint8 [F, H, W, 3] */);  // uint8 [H', W', 3]
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace reel {

struct ContactSheetLayout {
  int64_t max_frames = 8;  // frames shown, at most
  int64_t columns = 4;
  int64_t gap = 2;  // pixels between tiles and around them
};

// The indices of the frames shown: min(count, max_frames) of 0..count-1, evenly spaced,
// always the first and (with two or more) the last.
std::vector<int64_t> contact_sheet_frames(int64_t count, int64_t max_frames);

// Throws reel::Error for anything but uint8 [F, H, W, 3] with F >= 1.
at::Tensor contact_sheet(const at::Tensor& frames, const ContactSheetLayout& layout = {});

}  // namespace reel
