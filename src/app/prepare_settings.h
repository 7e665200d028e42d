// PrepareSettings (data/prepare_caches.h) from the resolved options: the encoders' paths
// (hub ids looked up in the local Hugging Face cache), the cache and bucket options, the
// device and dtypes. Shared by `reel cache` and `reel train`.
#pragma once

#include "config/load_config.h"
#include "data/prepare_caches.h"

namespace reel {

PrepareSettings prepare_settings(const LoadedConfig& config);

}  // namespace reel
