// An exponential moving average of the trained tensors (spec training.md §8, ST's EMAModel):
// a float32 shadow of every adapter tensor, kept on its own device (the CPU by default) and
// pulled towards the live tensors after optimizer steps.
//
//   Ema ema(adapter.named_trainable(), {.decay = 0.995});
//   ... optimizer.step(); ++global_step;
//   ema.update(global_step);                    // on the steps the interval picks
//   log("ema_decay_value", ema.last_decay());
//
// An update at global step g (when g % update_interval == 0) uses
//   decay = 0                                 if g - 1 <= 0
//         = min((1 + k) / (10 + k), decay)    with k = g - 1, i.e. min(g / (9 + g), decay)
// or, with warmup_steps W > 0: 0 while g < W, then the configured decay; and then
//   shadow <- shadow - (1 - decay) * (shadow - param).
// So the first update copies the tensors, and the average forgets its start quickly.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace reel {

struct EmaConfig {
  double decay = 0.995;            // ema_decay, in [0, 1]
  int64_t update_interval = 1;     // ema_update_interval
  int64_t warmup_steps = 0;        // ema_warmup_steps
  c10::Device device = c10::kCPU;  // ema_device: where the shadow lives
};

// The decay an update at `global_step` uses (the rule above).
double ema_decay_at(const EmaConfig& config, int64_t global_step);

class Ema {
 public:
  // Keeps the handles of `params` (updated in place by the optimizer) and starts the shadow as
  // a float32 copy of them on config.device. Throws reel::Error for an invalid config.
  Ema(std::vector<std::pair<std::string, at::Tensor>> params, EmaConfig config);

  // Call after every optimizer step with the new global step (from 1). Updates the shadow when
  // the interval picks this step; returns whether it did.
  bool update(int64_t global_step);

  // The decay of the latest update (0 before the first): ST's logged `ema_decay_value`.
  double last_decay() const { return ema_decay_at(config_, last_update_step_); }
  // The global step of the latest update, 0 before the first.
  int64_t last_update_step() const { return last_update_step_; }

  // The averaged tensors, named as the params were (float32, on config.device).
  const std::vector<std::pair<std::string, at::Tensor>>& shadow() const { return shadow_; }
  const EmaConfig& config() const { return config_; }

  // Checkpoint state: the shadow tensors (CPU copies) and {"format": "reel-ema", "version": 1,
  // "last_update_step", and for people: "decay", "update_interval", "warmup_steps"}.
  std::vector<std::pair<std::string, at::Tensor>> state_tensors() const;
  nlohmann::json state_json() const;
  // Continues from a saved state; throws reel::Error when a tensor is missing, extra or of
  // another shape, or the json is not an EMA state. The current config stays in force.
  void restore(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
               const nlohmann::json& state);

 private:
  std::vector<std::pair<std::string, at::Tensor>> params_;
  std::vector<std::pair<std::string, at::Tensor>> shadow_;
  EmaConfig config_;
  int64_t last_update_step_ = 0;
};

}  // namespace reel
