// A tensor shape as users read it in messages: "[2, 16, 21, 60, 104]".
#pragma once

#include <c10/util/ArrayRef.h>

#include <cstdint>
#include <string>

namespace reel {

std::string shape_text(c10::IntArrayRef shape);

}  // namespace reel
