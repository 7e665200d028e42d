#include "sample/contact_sheet.h"

#include <ATen/ATen.h>

#include <algorithm>

#include <cmath>

#include "core/error.h"
#include "core/shape_text.h"

namespace reel {

std::vector<int64_t> contact_sheet_frames(int64_t count, int64_t max_frames) {
  const int64_t n = std::min(count, std::max<int64_t>(max_frames, 1));
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n; ++i) {
    out.push_back(n == 1 ? 0
                         : static_cast<int64_t>(std::llround(static_cast<double>(i) *
                                                             static_cast<double>(count - 1) /
                                                             static_cast<double>(n - 1))));
  }
  return out;
}

at::Tensor contact_sheet(const at::Tensor& frames, const ContactSheetLayout& layout) {
  if (!frames.defined() || frames.dim() != 4 || frames.size(3) != 3 || frames.size(0) < 1 ||
      frames.scalar_type() != at::kByte) {
    throw Error("a contact sheet needs uint8 frames [F, H, W, 3], got " +
                (frames.defined() ? shape_text(frames.sizes()) : std::string("nothing")));
  }
  const std::vector<int64_t> shown = contact_sheet_frames(frames.size(0), layout.max_frames);
  const int64_t n = static_cast<int64_t>(shown.size());
  const int64_t columns = std::min(n, std::max<int64_t>(layout.columns, 1));
  const int64_t rows = (n + columns - 1) / columns;
  const int64_t h = frames.size(1), w = frames.size(2), gap = layout.gap;
  at::Tensor sheet = at::full({rows * (h + gap) + gap, columns * (w + gap) + gap, 3}, 24,
                              frames.options().device(at::kCPU));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t top = gap + (i / columns) * (h + gap), left = gap + (i % columns) * (w + gap);
    sheet.narrow(0, top, h).narrow(1, left, w).copy_(frames[shown[static_cast<size_t>(i)]]);
  }
  return sheet;
}

}  // namespace reel
