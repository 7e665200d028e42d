// The settings of an optimizer and how config.json's `optimizer`, `optimizer_config`,
// `optimizer_beta1` and `optimizer_beta2` produce them (spec/training.md §6; ST's
// optimizer_param.py). The learning rate is not a setting: it comes with every step.
//
// Defaults per optimizer (ST's optimizer_choices):
//
//   optimizer                        betas         eps   weight_decay  other
//   torch-adamw (alias adamw)        (0.9, 0.999)  1e-8  1e-2
//   adamw_bf16 (the default)         (0.9, 0.999)  1e-6  1e-2
//   optimi-adamw                     (0.9, 0.99)   1e-6  0             kahan_sum true
//   optimi-lion                      (0.9, 0.99)   -     0             kahan_sum true
//   bnb-adamw8bit[-paged]            (0.9, 0.999)  1e-6  1e-2          min_8bit_size 4096
//   bnb-lion8bit[-paged]             (0.9, 0.99)   -     0             min_8bit_size 4096
//
// (ST passes eps 1e-6 to bnb's AdamW8bit, not bnb's own default 1e-8.)
//
// optimizer_config is "key=value,key=value". ST splits it at every ',' and '=' and types
// each value by the first rule that matches:
//   1. contains '.'            -> float  ("0.0", "1.5e-3", "1.")
//   2. all digits              -> int    ("0", "4096")
//   3. true / false / none     -> bool / none (any letter case)
//   4. contains "e-"           -> float  ("1e-6")
//   5. otherwise               -> text   ("1e5", "1E-6", "-1" stay text: ST's quirk)
// Reel types values the same way, then checks them against the keys the optimizer knows:
// a float key takes a float or an int, a bool key a bool (or 0/1), and anything else is a
// reel::Error that names the key, the value and what to write instead, where ST would hand
// a string to torch and crash. Reel differs from ST where ST fails or silently drops input:
//   - spaces around keys and values are trimmed (ST keeps them, so " eps" became an
//     unknown key that ST dropped with a warning);
//   - empty items (a trailing ',') are ignored (ST crashes on them);
//   - an unknown key is an error listing the keys the optimizer takes (ST drops it with a
//     warning);
//   - `betas` cannot be written at all, since the comma between the two betas splits the
//     item in ST too (it crashes). Use optimizer_beta1/optimizer_beta2 (which, as in ST,
//     win over optimizer_config) or Reel's own keys beta1= and beta2=.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace reel {

struct OptimizerSettings {
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;
  // optimi: Kahan-compensated updates of bf16/fp16 parameters (no effect on fp32 ones).
  bool kahan_sum = false;
  // optimi: weight decay p *= 1 - (lr / max_lr) * weight_decay instead of 1 - lr * wd.
  bool decouple_lr = false;
  std::optional<double> max_lr;  // optimi; with decouple_lr, defaults to the base lr
  // bitsandbytes: tensors with fewer elements keep float32 state.
  int64_t min_8bit_size = 4096;
  // optimizer_config "lr=": replaces learning_rate as the base of the LR schedule (ST hands
  // it to the optimizer in place of learning_rate; the scheduler then scales it).
  std::optional<double> lr;
  // Seeds the random numbers of stochastic rounding (adamw_bf16); the trainer sets it from
  // the run's seed. Not an optimizer_config key.
  uint64_t seed = 0;
};

// The options of a run that choose and tune the optimizer.
struct OptimizerOptions {
  std::string optimizer = "adamw_bf16";
  std::string optimizer_config;  // "key=value,..."; empty: none
  std::optional<double> optimizer_beta1, optimizer_beta2;
  double learning_rate = 1e-4;  // the default max_lr of optimi's decouple_lr
};

// The names make_optimizer() accepts, canonical ones first ("adamw" is an alias of
// "torch-adamw"; a "-paged" bnb optimizer is the same as its unpaged one here).
const std::vector<std::string>& supported_optimizers();

// The defaults of `optimizer` (table above). Throws reel::Error listing the supported names.
OptimizerSettings default_optimizer_settings(const std::string& optimizer);

// A value of optimizer_config as ST types it: none, bool, int, float or text.
using OptimizerConfigValue = std::variant<std::monostate, bool, int64_t, double, std::string>;

// Splits and types `text` (rules above). Throws reel::Error (key "optimizer_config") for an
// item without '=', a value that ST would read as a number but is not one ("1.2.3"), or an
// int that does not fit 64 bits.
std::vector<std::pair<std::string, OptimizerConfigValue>> parse_optimizer_config(
    std::string_view text);

// Defaults of options.optimizer, then optimizer_config, then optimizer_beta1/2. Throws
// reel::Error naming the key and value for an unknown optimizer or key, a value of the wrong
// type, a value out of range (betas in [0, 1), eps, weight_decay, lr, max_lr >= 0), only one
// of optimizer_beta1/optimizer_beta2, or an ST option Reel does not implement set to anything
// but its default (amsgrad, gradient_release).
OptimizerSettings resolve_optimizer_settings(const OptimizerOptions& options);

}  // namespace reel
