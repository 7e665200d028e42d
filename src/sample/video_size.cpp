#include "sample/video_size.h"

namespace reel {
namespace {

// The whole of `text` as a positive integer.
std::optional<int64_t> positive(const std::string& text) {
  try {
    size_t used = 0;
    const int64_t v = std::stoll(text, &used);
    if (used == text.size() && v > 0) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::pair<int64_t, int64_t>> parse_video_size(const std::string& text) {
  const size_t x = text.find('x');
  const std::optional<int64_t> w = positive(text.substr(0, x));
  const std::optional<int64_t> h = x == std::string::npos ? w : positive(text.substr(x + 1));
  if (!w || !h) return std::nullopt;
  return std::pair{*w, *h};
}

}  // namespace reel
