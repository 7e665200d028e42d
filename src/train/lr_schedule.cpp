#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.h"
#include "core/log.h"

namespace reel {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::string joined_names() {
  std::string s;
  for (const std::string& n : LrSchedule::names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// ST's custom schedules write floor(lr * 1e9) / 1e9 into the optimizer.
double floor_to_nano(double lr) {
  return std::floor(lr * 1e9) / 1e9;
}

// ST's cosine formula for its T_cur and T_i: eta_min + (eta - eta_min)(1 + cos(pi T_cur/T_i))/2.
double st_cosine(double eta, double eta_min, double t_cur, double t_i) {
  return eta_min + (eta - eta_min) * (1.0 + std::cos(kPi * t_cur / t_i)) / 2.0;
}

}  // namespace

const std::vector<std::string>& LrSchedule::names() {
  static const std::vector<std::string> kNames = {
      "constant", "constant_with_warmup", "linear",       "polynomial",
      "cosine",   "cosine_with_restarts", "cosine_warmup"};
  return kNames;
}

LrSchedule::LrSchedule(LrScheduleConfig config) : config_(std::move(config)) {
  const std::string& name = config_.name;
  const auto names = LrSchedule::names();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) {
    throw Error("unknown LR schedule '" + name + "'")
        .key("lr_scheduler")
        .hint((name == "sine" ? "sine is not offered by Reel yet; valid: " : "valid: ") +
              joined_names());
  }
  kind_ = static_cast<Kind>(it - names.begin());

  if (!(config_.learning_rate > 0.0)) {
    throw Error("learning_rate " + number(config_.learning_rate) + " is not positive")
        .key("learning_rate");
  }
  if (config_.warmup_steps < 0) {
    throw Error("lr_warmup_steps " + std::to_string(config_.warmup_steps) + " is negative")
        .key("lr_warmup_steps");
  }
  if (config_.max_steps < 0) {
    throw Error("max_train_steps " + std::to_string(config_.max_steps) + " is negative")
        .key("max_train_steps");
  }
  if (config_.num_processes < 1) {
    throw Error("num_processes " + std::to_string(config_.num_processes) + " is not positive");
  }
  const bool decays_to_max_steps =
      kind_ == Kind::kLinear || kind_ == Kind::kPolynomial || kind_ == Kind::kCosineWarmup;
  if (decays_to_max_steps && config_.max_steps == 0) {
    throw Error("the " + name + " LR schedule decays until max_train_steps, which is not set")
        .key("max_train_steps");
  }
  if (kind_ == Kind::kPolynomial) {
    if (!(config_.learning_rate > config_.lr_end)) {
      throw Error("lr_end " + number(config_.lr_end) + " is not below learning_rate " +
                  number(config_.learning_rate))
          .key("lr_end")
          .hint("the polynomial schedule decays from learning_rate down to lr_end");
    }
    if (config_.max_steps <= config_.warmup_steps) {
      throw Error("the polynomial LR schedule decays between lr_warmup_steps (" +
                  std::to_string(config_.warmup_steps) + ") and max_train_steps (" +
                  std::to_string(config_.max_steps) + "), an empty span")
          .key("lr_warmup_steps")
          .hint("use fewer warm-up steps than training steps");
    }
  }
  if (kind_ == Kind::kCosine) {
    cosine_period_ = config_.warmup_steps * config_.num_processes;
    if (cosine_period_ <= 0) {
      log::warn("lr_scheduler cosine takes its period from lr_warmup_steps, which is ",
                config_.warmup_steps, "; using 1000 steps (as SimpleTuner does)");
      cosine_period_ = 1000;
    }
  }
  if (kind_ == Kind::kCosineWithRestarts) {
    log::warn(
        "lr_scheduler cosine_with_restarts misbehaves in SimpleTuner: it never leaves "
        "learning_rate; Reel keeps that behaviour (a constant LR)");
  }
}

double LrSchedule::lr(int64_t step) const {
  const double eta = config_.learning_rate, e = config_.lr_end;
  const int64_t p = config_.num_processes;
  const double t = static_cast<double>(std::max<int64_t>(step, 0) * p);
  const double w = static_cast<double>(config_.warmup_steps * p);
  const double n = static_cast<double>(config_.max_steps * p);
  const bool warming = t < w;
  const double warmup = t / std::max(1.0, w);
  switch (kind_) {
    case Kind::kConstant:
      return eta;
    case Kind::kConstantWithWarmup:
      return eta * (warming ? warmup : 1.0);
    case Kind::kLinear:
      return eta * (warming ? warmup : std::max(0.0, (n - t) / std::max(1.0, n - w)));
    case Kind::kPolynomial: {
      if (warming) return eta * warmup;
      if (t > n) return eta * (e / eta);
      const double remaining = 1.0 - (t - w) / (n - w);
      return eta * (((eta - e) * std::pow(remaining, config_.power) + e) / eta);
    }
    case Kind::kCosine:
      // steps_per_epoch = -1 makes ST's T_cur = -step, which never reaches T_0.
      return floor_to_nano(st_cosine(eta, e, -t, static_cast<double>(cosine_period_)));
    case Kind::kCosineWithRestarts:
      // T_cur = step % -1 = 0 for every step.
      return floor_to_nano(st_cosine(eta, e, 0.0, 1.0));
    case Kind::kCosineWarmup: {
      if (warming) return eta * warmup;
      const double progress = std::min(1.0, (t - w) / std::max(1.0, n - w));
      return eta * std::max(0.0, 0.5 * (1.0 + std::cos(kPi * progress)));
    }
  }
  return eta;
}

}  // namespace reel
