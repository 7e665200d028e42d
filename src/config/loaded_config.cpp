#include "config/load_config.h"

#include <cerrno>
#include <cstdlib>

#include "config/loaded_config_state.h"
#include "config/option_value.h"
#include "config/resolved_values.h"
#include "core/error.h"

namespace reel {

LoadedConfig::LoadedConfig(std::shared_ptr<const State> state) : state_(std::move(state)) {}

bool LoadedConfig::is_set(const std::string& key) const {
  return state_->values.count(key) > 0;
}

const nlohmann::json& LoadedConfig::value(const std::string& key) const {
  auto it = state_->values.find(key);
  if (it == state_->values.end()) {
    throw Error("option has no value").key(key).hint("set " + key + " in config.json");
  }
  return it->second.value;
}

bool LoadedConfig::get_bool(const std::string& key) const {
  const auto& v = value(key);
  if (!v.is_boolean()) throw Error("option is not a boolean: " + v.dump()).key(key);
  return v.get<bool>();
}

int64_t LoadedConfig::get_int(const std::string& key) const {
  const auto& v = value(key);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_string()) {
    // Enum-like numeric options (aspect_bucket_alignment) may be kept as text.
    const std::string& s = v.get_ref<const std::string&>();
    char* end = nullptr;
    errno = 0;
    long long n = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && *end == '\0' && errno == 0) return n;
  }
  if (v.is_number_float() && v.get<double>() == static_cast<double>(v.get<int64_t>())) {
    return v.get<int64_t>();
  }
  throw Error("option is not an integer: " + v.dump()).key(key);
}

double LoadedConfig::get_double(const std::string& key) const {
  const auto& v = value(key);
  if (v.is_number()) return v.get<double>();
  throw Error("option is not a number: " + v.dump()).key(key);
}

std::string LoadedConfig::get_string(const std::string& key) const {
  return value_text(value(key));
}

nlohmann::json LoadedConfig::get_json(const std::string& key) const {
  return value(key);
}

ValueSource LoadedConfig::source_of(const std::string& key) const {
  auto it = state_->values.find(key);
  return it == state_->values.end() ? ValueSource{} : it->second.source;
}

std::vector<std::string> LoadedConfig::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : state_->values) out.push_back(k);
  return out;
}

const Diagnostics& LoadedConfig::diagnostics() const {
  return state_->diagnostics;
}

const std::string& LoadedConfig::config_file() const {
  return state_->config_file;
}

}  // namespace reel
