// The global options a dataset entry falls back to (resolution, batch size, cache roots, ...),
// taken from the resolved configuration.
#pragma once

#include "config/dataset_config.h"
#include "config/load_config.h"

namespace reel {

DatasetDefaults dataset_defaults(const LoadedConfig& config);

}  // namespace reel
