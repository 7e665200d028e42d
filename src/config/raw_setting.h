// One key = value as a user wrote it, before it is matched to an option: from config.json
// (a JSON value, §1 rules apply) or from the command line / environment (text).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "config/value_source.h"

namespace reel {

struct RawSetting {
  std::string key;       // without leading dashes
  nlohmann::json value;  // JSON from a file; a string (or null for a bare flag) from text
  bool is_text = false;  // command line or environment: convert from text
  ValueSource source;
};

}  // namespace reel
