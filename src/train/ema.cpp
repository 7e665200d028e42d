#include "train/ema.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <sstream>

#include "core/error.h"
#include "core/shape_text.h"

using nlohmann::json;

namespace reel {
namespace {

constexpr const char* kFormat = "reel-ema";
constexpr int kVersion = 1;

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

double ema_decay_at(const EmaConfig& config, int64_t global_step) {
  if (config.warmup_steps > 0) return global_step < config.warmup_steps ? 0.0 : config.decay;
  const int64_t k = std::max<int64_t>(0, global_step - 1);
  if (k <= 0) return 0.0;
  const double warming = (1.0 + static_cast<double>(k)) / (10.0 + static_cast<double>(k));
  return std::min(warming, config.decay);
}

Ema::Ema(std::vector<std::pair<std::string, at::Tensor>> params, EmaConfig config)
    : params_(std::move(params)), config_(config) {
  if (!(config_.decay >= 0.0 && config_.decay <= 1.0)) {
    throw Error("ema_decay " + number(config_.decay) + " is outside [0, 1]").key("ema_decay");
  }
  if (config_.update_interval < 1) {
    throw Error("ema_update_interval " + std::to_string(config_.update_interval) +
                " is not positive")
        .key("ema_update_interval");
  }
  if (config_.warmup_steps < 0) {
    throw Error("ema_warmup_steps " + std::to_string(config_.warmup_steps) + " is negative")
        .key("ema_warmup_steps");
  }
  shadow_.reserve(params_.size());
  for (const auto& [name, param] : params_) {
    shadow_.emplace_back(name, param.detach().to(config_.device, at::kFloat, false, true));
  }
}

bool Ema::update(int64_t global_step) {
  if (global_step % config_.update_interval != 0) return false;
  last_update_step_ = global_step;
  const double keep = 1.0 - ema_decay_at(config_, global_step);
  for (size_t i = 0; i < shadow_.size(); ++i) {
    at::Tensor& s = shadow_[i].second;
    const at::Tensor p = params_[i].second.detach().to(s.device(), at::kFloat);
    s.sub_(s - p, keep);
  }
  return true;
}

std::vector<std::pair<std::string, at::Tensor>> Ema::state_tensors() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  out.reserve(shadow_.size());
  for (const auto& [name, s] : shadow_) {
    out.emplace_back(name, s.to(at::Device(at::kCPU), at::kFloat, false, true));
  }
  return out;
}

json Ema::state_json() const {
  return {{"format", kFormat},
          {"version", kVersion},
          {"last_update_step", last_update_step_},
          {"decay", config_.decay},
          {"update_interval", config_.update_interval},
          {"warmup_steps", config_.warmup_steps}};
}

void Ema::restore(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                  const json& state) {
  if (!state.is_object() || state.value("format", "") != kFormat) {
    throw Error("not an EMA state: " + state.dump().substr(0, 80));
  }
  if (state.value("version", 0) != kVersion) {
    throw Error("EMA state version " + state.at("version").dump() + " is not supported")
        .hint("this build reads version " + std::to_string(kVersion));
  }
  std::map<std::string, const at::Tensor*> by_name;
  for (const auto& [name, t] : tensors) by_name[name] = &t;
  for (const auto& [name, s] : shadow_) {
    const auto it = by_name.find(name);
    if (it == by_name.end()) {
      throw Error("the EMA state has no tensor '" + name + "'")
          .hint("the checkpoint was written for another adapter (rank, targets or model)");
    }
    if (!it->second->sizes().equals(s.sizes())) {
      throw Error("EMA tensor '" + name + "' is " + shape_text(it->second->sizes()) +
                  " in the checkpoint but " + shape_text(s.sizes()) + " in this run")
          .hint("the checkpoint was written for another adapter (rank, targets or model)");
    }
  }
  if (by_name.size() != shadow_.size()) {
    for (const auto& [name, t] : by_name) {
      const bool known = std::any_of(shadow_.begin(), shadow_.end(),
                                     [&](const auto& s) { return s.first == name; });
      if (!known) {
        throw Error("the EMA state has tensor '" + name + "', which this run does not train")
            .hint("the checkpoint was written for another adapter (rank, targets or model)");
      }
    }
  }
  for (auto& [name, s] : shadow_) s.copy_(*by_name.at(name));
  last_update_step_ = state.at("last_update_step").get<int64_t>();
}

}  // namespace reel
