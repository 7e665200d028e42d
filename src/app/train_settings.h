// TrainerSettings (train/trainer_settings.h) from the resolved options.
#pragma once

#include "config/load_config.h"
#include "train/trainer_settings.h"

namespace reel {

TrainerSettings train_settings(const LoadedConfig& config);

}  // namespace reel
