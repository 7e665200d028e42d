// Builds the optimizer config.json names (optimizer_config.h lists them and their settings).
//
//   OptimizerSettings s = resolve_optimizer_settings(options);
//   s.seed = run_seed;
//   std::unique_ptr<Optimizer> opt = make_optimizer(options.optimizer, trainable, s);
#pragma once

#include <memory>
#include <string>

#include "train/optimizer.h"
#include "train/optimizer_config.h"

namespace reel {

// Throws reel::Error (key "optimizer") listing supported_optimizers() for an unknown name,
// and the optimizer's own errors (adamw_bf16 on non-bf16 parameters, ...).
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, Optimizer::NamedTensors params,
                                          const OptimizerSettings& settings);

}  // namespace reel
