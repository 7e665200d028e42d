// The options' values while a configuration is being resolved: each with where it came from.
// Internal to the config layer; callers read values through LoadedConfig.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "config/value_source.h"

namespace reel {

struct ResolvedValue {
  nlohmann::json value;  // typed: bool, integer, float, string, list or object
  ValueSource source;
};

using ValueMap = std::map<std::string, ResolvedValue>;

// A value the user gave (file, environment or command line), not a default or a rule.
inline bool user_set(const ValueMap& values, const std::string& key) {
  auto it = values.find(key);
  return it != values.end() && it->second.source.kind != SourceKind::kDefault &&
         it->second.source.kind != SourceKind::kRule;
}

}  // namespace reel
