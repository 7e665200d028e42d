// Shapes and sizes as users read them in messages: "[2, 16, 21, 60, 104]", "640x352".
#pragma once

#include <c10/util/ArrayRef.h>

#include <cstdint>
#include <string>

namespace reel {

std::string shape_text(c10::IntArrayRef shape);
// Width x height: "640x352".
std::string size_text(int64_t width, int64_t height);

}  // namespace reel
