#include "train/optimizer_factory.h"

#include "core/error.h"
#include "train/adamw_8bit_optimizer.h"
#include "train/adamw_bf16_optimizer.h"
#include "train/adamw_optimizer.h"
#include "train/lion_8bit_optimizer.h"
#include "train/optimi_adamw_optimizer.h"
#include "train/optimi_lion_optimizer.h"

namespace reel {

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, Optimizer::NamedTensors params,
                                          const OptimizerSettings& settings) {
  if (name == "torch-adamw" || name == "adamw")
    return std::make_unique<AdamWOptimizer>(std::move(params), settings, name);
  if (name == "adamw_bf16")
    return std::make_unique<AdamWBF16Optimizer>(std::move(params), settings);
  if (name == "optimi-adamw")
    return std::make_unique<OptimiAdamWOptimizer>(std::move(params), settings);
  if (name == "optimi-lion")
    return std::make_unique<OptimiLionOptimizer>(std::move(params), settings);
  if (name == "bnb-adamw8bit" || name == "bnb-adamw8bit-paged")
    return std::make_unique<AdamW8bitOptimizer>(std::move(params), settings, name);
  if (name == "bnb-lion8bit" || name == "bnb-lion8bit-paged")
    return std::make_unique<Lion8bitOptimizer>(std::move(params), settings, name);
  std::string names;
  for (const std::string& n : supported_optimizers()) names += (names.empty() ? "" : ", ") + n;
  throw Error("unknown optimizer '" + name + "'")
      .key("optimizer")
      .hint("Reel implements: " + names);
}

}  // namespace reel
