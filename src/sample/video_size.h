// A video size as users write it: "832x480" (width x height) or "480" (a square).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace reel {

// (width, height) of positive integers; std::nullopt for any other text.
std::optional<std::pair<int64_t, int64_t>> parse_video_size(const std::string& text);

}  // namespace reel
