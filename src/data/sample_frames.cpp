#include "data/sample_frames.h"

#include <ATen/ATen.h>

#include <string>

#include "core/error.h"
#include "core/shape_text.h"
#include "media/video_decoder.h"

namespace reel {
namespace {

// The VAE's encoders need sides that are multiples of 16; ST trims the bottom and right
// (caching/vae.py, _align_dimension). Buckets are multiples of 32, so this rarely bites.
constexpr int64_t kAlign = 16;

}  // namespace

at::Tensor sample_pixels(const Sample& sample) {
  const SampleGeometry& g = sample.geometry;
  const std::string& file = sample.file.path;
  if (sample.frames < 1) {
    throw Error("the sample asks for " + std::to_string(sample.frames) + " frames").file(file);
  }
  if (g.target_w < 1 || g.target_h < 1 || g.crop_x < 0 || g.crop_y < 0 ||
      g.crop_x + g.target_w > g.intermediary_w || g.crop_y + g.target_h > g.intermediary_h) {
    throw Error("the crop window " + size_text(g.target_w, g.target_h) + " at (" +
                std::to_string(g.crop_x) + ", " + std::to_string(g.crop_y) +
                ") does not fit inside the intermediary size " +
                size_text(g.intermediary_w, g.intermediary_h))
        .file(file)
        .hint("the metadata cache is inconsistent; delete it so the dataset is scanned again");
  }

  DecodeRequest request;
  request.max_frames = sample.frames;
  request.width = g.intermediary_w;
  request.height = g.intermediary_h;
  const at::Tensor decoded = decode_frames(file, request);

  if (decoded.dim() != 4 || decoded.size(1) != g.intermediary_h ||
      decoded.size(2) != g.intermediary_w || decoded.size(3) != 3) {
    throw Error("the decoder returned frames " + shape_text(decoded.sizes()) + ", expected [F, " +
                std::to_string(g.intermediary_h) + ", " + std::to_string(g.intermediary_w) + ", 3]")
        .file(file);
  }
  if (decoded.size(0) != sample.frames) {
    TruncatedClip error("truncated: decoded " + std::to_string(decoded.size(0)) + " of " +
                            std::to_string(sample.frames) + " frames",
                        decoded.size(0));
    error.file(file).hint("the file is shorter than its header says; re-encode or remove it");
    throw error;
  }

  const int64_t h = g.target_h - g.target_h % kAlign;
  const int64_t w = g.target_w - g.target_w % kAlign;
  if (h == 0 || w == 0) {
    throw Error("the target size " + size_text(g.target_w, g.target_h) + " is below " +
                std::to_string(kAlign) + " pixels on a side")
        .file(file);
  }
  return decoded.narrow(1, g.crop_y, h).narrow(2, g.crop_x, w).contiguous();
}

at::Tensor pixels_to_vae_input(const at::Tensor& pixels) {
  if (pixels.scalar_type() != at::kByte || pixels.dim() != 4 || pixels.size(3) != 3) {
    throw Error("pixels_to_vae_input takes uint8 frames [F, H, W, 3], got " +
                std::string(c10::toString(pixels.scalar_type())) + " " +
                shape_text(pixels.sizes()));
  }
  return pixels.permute({3, 0, 1, 2}).to(at::kFloat).div(127.5).sub(1.0).contiguous();
}

}  // namespace reel
