#include "train/caption_dropout.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <sstream>

#include "core/error.h"

namespace reel {
namespace {

constexpr const char* kStateName = "caption_dropout.generator";

}  // namespace

CaptionDropout::CaptionDropout(double probability, uint64_t seed)
    : probability_(probability), generator_(at::make_generator<at::CPUGeneratorImpl>(seed)) {
  if (!(probability >= 0.0 && probability <= 1.0)) {
    std::ostringstream v;
    v << probability;
    throw Error("caption_dropout_probability " + v.str() + " is outside [0, 1]")
        .key("caption_dropout_probability");
  }
}

std::vector<bool> CaptionDropout::draw(int64_t batch) {
  const at::Tensor u = at::rand({batch}, generator_, at::kDouble);
  const double* d = u.const_data_ptr<double>();
  std::vector<bool> drop(static_cast<size_t>(batch));
  for (int64_t i = 0; i < batch; ++i) drop[i] = d[i] < probability_;
  return drop;
}

std::vector<std::pair<std::string, at::Tensor>> CaptionDropout::state_tensors() const {
  return {{kStateName, generator_.get_state()}};
}

void CaptionDropout::restore(const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  for (const auto& [name, t] : tensors) {
    if (name == kStateName) {
      generator_.set_state(t);
      return;
    }
  }
  throw Error(std::string("the checkpoint has no caption dropout state '") + kStateName + "'");
}

}  // namespace reel
