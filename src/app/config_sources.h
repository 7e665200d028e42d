// The arguments of `reel cache` and `reel train`: CONFIG is `--config FILE` or the first
// argument that is not an option; the rest are option tokens (--key value, --key=value).
#pragma once

#include <string>
#include <vector>

#include "config/load_config.h"

namespace reel {

ConfigSources config_sources(std::vector<std::string> args);

}  // namespace reel
