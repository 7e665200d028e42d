// The learning rate as a pure function of the step (spec training.md §7), with SimpleTuner's
// schedules and their quirks. Being a function, it needs no checkpoint state: a resumed run
// asks for lr(global_step) and gets what the uninterrupted run had.
//
//   LrSchedule schedule({.name = "cosine", .learning_rate = 1e-4, .warmup_steps = 400000,
//                        .max_steps = 400000});
//   optimizer.set_lr(schedule.lr(global_step));   // before update global_step + 1
//
// With eta = learning_rate, W = warmup_steps, N = max_steps, e = lr_end, t = step:
//   constant              eta
//   constant_with_warmup  eta * min(1, t / W)                                  (the default)
//   linear                warm-up, then eta * max(0, (N - t) / max(1, N - W))
//   polynomial            warm-up, then (eta - e) * (1 - (t - W) / (N - W))^power + e; e past N
//   cosine                ST's `Cosine`: no warm-up; e + (eta - e) * (1 + cos(pi * t / W)) / 2,
//                         never restarting, so the LR swings between eta and e with period 2W
//                         (W = N gives half a cosine over the run); W <= 0 means W = 1000
//   cosine_with_restarts  ST's `CosineAnnealingHardRestarts`, which always computes T_cur = 0:
//                         a constant eta (ST warns that it misbehaves; so does Reel)
//   cosine_warmup         Reel only (diffusers' cosine): warm-up, then
//                         eta * (1 + cos(pi * min(1, (t - W) / max(1, N - W)))) / 2, 0 past N
// Warm-up is eta * t / max(1, W) for t < W. cosine and cosine_with_restarts floor every LR to
// a multiple of 1e-9, as ST does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace reel {

struct LrScheduleConfig {
  std::string name = "constant_with_warmup";  // lr_scheduler
  double learning_rate = 4e-7;                // learning_rate
  int64_t warmup_steps = 0;                   // lr_warmup_steps
  int64_t max_steps = 0;                      // max_train_steps
  double lr_end = 4e-7;                       // lr_end
  double power = 0.8;                         // lr_power
  // accelerate steps the schedule once per process for every optimizer step, so ST's
  // schedules run on optimizer steps x num_processes (W and N scale the same way).
  int64_t num_processes = 1;
};

class LrSchedule {
 public:
  // Throws reel::Error for an unknown name (listing the valid ones) or values the schedule
  // cannot use. Logs ST's warnings (cosine with W <= 0, cosine_with_restarts) once, here.
  explicit LrSchedule(LrScheduleConfig config);

  // The LR after `step` optimizer updates, i.e. the one update step + 1 uses (and the one ST
  // logs as `learning_rate` at global step `step`).
  double lr(int64_t step) const;

  const LrScheduleConfig& config() const { return config_; }

  // The names lr() accepts, in the order the docs list them.
  static const std::vector<std::string>& names();

 private:
  enum class Kind {
    kConstant,
    kConstantWithWarmup,
    kLinear,
    kPolynomial,
    kCosine,
    kCosineWithRestarts,
    kCosineWarmup,
  };

  LrScheduleConfig config_;
  Kind kind_ = Kind::kConstantWithWarmup;
  int64_t cosine_period_ = 1000;  // ST's T_0 for cosine
};

}  // namespace reel
