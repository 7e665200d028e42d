#include "nn/feed_forward.h"

#include <ATen/ATen.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"

namespace reel::nn {

at::Tensor FeedForward::operator()(const at::Tensor& x, int64_t chunk_size) const {
  const auto run = [this](const at::Tensor& part) {
    return out(at::gelu(proj(part), gelu == Gelu::kTanh ? "tanh" : "none"));
  };
  if (chunk_size <= 0 || x.dim() < 2 || x.size(1) <= chunk_size) return run(x);
  std::vector<at::Tensor> parts;
  for (const at::Tensor& part : x.split(chunk_size, 1)) parts.push_back(run(part));
  return at::cat(parts, 1);
}

int64_t feed_forward_chunk_size(int64_t configured) {
  const char* env = std::getenv("WAN_FEED_FORWARD_CHUNK_SIZE");
  if (env == nullptr || *env == '\0') return configured;
  const std::string text = env;
  size_t used = 0;
  long long value = -1;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || value < 0) {
    throw Error("WAN_FEED_FORWARD_CHUNK_SIZE is '" + text + "', not a token count")
        .hint("set it to a non-negative integer (0 = unchunked) or unset it");
  }
  return static_cast<int64_t>(value);
}

}  // namespace reel::nn
