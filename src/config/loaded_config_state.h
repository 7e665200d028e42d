// What a LoadedConfig holds; shared by load_config.cpp (which fills it) and
// loaded_config.cpp (which reads it).
#pragma once

#include <string>

#include "config/diagnostic.h"
#include "config/load_config.h"
#include "config/resolved_values.h"

namespace reel {

struct LoadedConfig::State {
  ValueMap values;
  Diagnostics diagnostics;
  std::string config_file;
};

}  // namespace reel
