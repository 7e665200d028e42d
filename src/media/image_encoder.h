// Writing one RGB image as a PNG (contact sheets and previews of validation videos), with
// FFmpeg's PNG encoder, which the media layer already links. The file appears complete or not
// at all.
//
//   write_png(out / "sheet.png", image /* uint8 [H, W, 3] */);
#pragma once

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <string>

namespace reel {

// The PNG file's bytes. image: uint8 [H, W, 3] RGB on any device. Throws reel::Error for a
// bad tensor.
std::string encode_png(const at::Tensor& image);

// encode_png, written atomically; throws reel::Error naming the file when it cannot be.
void write_png(const std::filesystem::path& path, const at::Tensor& image);

}  // namespace reel
