#include "adapters/lora_dropout.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>

#include <mutex>
#include <string>

#include "core/error.h"
#include "core/splitmix64.h"

namespace reel {
LoraDropout::LoraDropout(double p, uint64_t seed) : p_(p), seed_(seed) {
  if (!(p >= 0.0 && p < 1.0)) {
    throw Error("lora_dropout " + std::to_string(p) + " is outside [0, 1)")
        .key("lora_dropout")
        .hint("use a probability such as 0.1, or 0 for no dropout");
  }
}

void LoraDropout::new_pass(uint64_t pass) {
  pass_ = pass;
  replaying_ = false;
  calls_ = 0;
  forward_calls_ = 0;
}

void LoraDropout::replay() {
  if (!replaying_) forward_calls_ = calls_;
  replaying_ = true;
  calls_ = 0;
}

at::Tensor LoraDropout::operator()(const at::Tensor& x) const {
  if (p_ == 0.0) return x;
  uint64_t call = calls_++;
  if (replaying_ && forward_calls_ > 0) call %= forward_calls_;
  const uint64_t mask_seed = splitmix64(splitmix64(splitmix64(seed_) ^ pass_) ^ call);

  // A private generator of x's device type, so that CUDA masks are drawn on the GPU.
  at::Generator gen;
  {
    at::Generator device_default = at::globalContext().defaultGenerator(x.device());
    std::lock_guard<std::mutex> lock(device_default.mutex());
    gen = device_default.clone();
  }
  gen.set_current_seed(mask_seed);
  const double keep = 1.0 - p_;
  at::Tensor mask = at::empty_like(x).bernoulli_(keep, gen);
  return x * mask * (1.0 / keep);
}

}  // namespace reel
