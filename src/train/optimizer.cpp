#include "train/optimizer.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <map>
#include <mutex>
#include <set>

#include "core/error.h"
#include "core/shape_text.h"

namespace reel {
namespace {

constexpr const char* kStepKey = "step";
constexpr const char* kRngKey = "rng_state";
constexpr const char* kOtherRun =
    "the checkpoint was written for another optimizer, another set of trainable parameters or "
    "another precision";

std::string describe(const at::Tensor& t) {
  return std::string(c10::toString(t.scalar_type())) + " " + shape_text(t.sizes());
}

}  // namespace

Optimizer::Optimizer(std::string name, NamedTensors params)
    : name_(std::move(name)), params_(std::move(params)) {
  if (params_.empty())
    throw Error(name_ + ": no trainable parameters to optimize")
        .hint("the adapter has no trainable tensors; check the LoRA target modules");
  std::set<std::string> seen;
  for (const auto& [param_name, p] : params_) {
    if (!seen.insert(param_name).second)
      throw Error(name_ + ": parameter '" + param_name + "' is listed twice");
    if (!p.defined() || !p.is_floating_point() || !p.requires_grad() || !p.is_leaf())
      throw Error(name_ + ": parameter '" + param_name +
                  "' is not a floating-point leaf tensor that requires grad");
  }
}

Optimizer::~Optimizer() = default;

void Optimizer::step(double lr) {
  if (!std::isfinite(lr) || lr < 0)
    throw Error(name_ + ": learning rate " + std::to_string(lr) + " is not a finite value >= 0");
  at::NoGradGuard no_grad;
  ++steps_;
  for (size_t i = 0; i < params_.size(); ++i) {
    const at::Tensor& p = params_[i].second;
    const at::Tensor grad = p.grad();
    if (!grad.defined()) continue;
    if (grad.sizes() != p.sizes())
      throw Error(name_ + ": the gradient of '" + params_[i].first + "' is " +
                  shape_text(grad.sizes()) + ", the parameter " + shape_text(p.sizes()));
    update(i, p, grad, lr);
  }
}

void Optimizer::zero_grad() {
  for (auto& [param_name, p] : params_) p.mutable_grad().reset();
}

at::Tensor Optimizer::add_state(size_t index, const std::string& key, at::Tensor initial) {
  slots_.push_back({params_.at(index).first + "/" + key, initial});
  return initial;
}

void Optimizer::add_generator_state(at::Generator generator) {
  generator_ = std::move(generator);
}

Optimizer::NamedTensors Optimizer::state() const {
  NamedTensors out;
  out.reserve(slots_.size() + 2);
  out.emplace_back(kStepKey, at::scalar_tensor(steps_, at::kLong));
  for (const Slot& slot : slots_) out.emplace_back(slot.name, slot.tensor);
  if (generator_.defined()) {
    std::lock_guard<std::mutex> lock(generator_.mutex());
    out.emplace_back(kRngKey, generator_.get_state());
  }
  return out;
}

void Optimizer::load_state(const NamedTensors& state) {
  std::map<std::string, at::Tensor> given;
  for (const auto& [key, t] : state) {
    if (!given.emplace(key, t).second) throw Error(name_ + " state: '" + key + "' is given twice");
  }
  const NamedTensors expected = this->state();
  for (const auto& [key, want] : expected) {
    auto it = given.find(key);
    if (it == given.end()) throw Error(name_ + " state: '" + key + "' is missing").hint(kOtherRun);
    const at::Tensor& got = it->second;
    if (!got.defined() || got.scalar_type() != want.scalar_type() || got.sizes() != want.sizes())
      throw Error(name_ + " state: '" + key + "' is " +
                  (got.defined() ? describe(got) : std::string("undefined")) + ", expected " +
                  describe(want))
          .hint(kOtherRun);
    given.erase(it);
  }
  if (!given.empty())
    throw Error(name_ + " state: unexpected '" + given.begin()->first + "'").hint(kOtherRun);

  std::map<std::string, at::Tensor> by_name(state.begin(), state.end());
  at::NoGradGuard no_grad;
  steps_ = by_name.at(kStepKey).item<int64_t>();
  for (Slot& slot : slots_) slot.tensor.copy_(by_name.at(slot.name));
  if (generator_.defined()) {
    std::lock_guard<std::mutex> lock(generator_.mutex());
    generator_.set_state(by_name.at(kRngKey).to(at::kCPU).contiguous());
  }
}

}  // namespace reel
