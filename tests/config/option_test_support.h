// Helpers for the option-registry tests: a fake environment, a config.json in a temp folder
// (with a real data_backend_config so the file check passes) and diagnostic queries.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/diagnostic.h"
#include "config/load_config.h"
#include "support/temp_dir.h"

namespace reel::test {

inline EnvLookup fake_env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// Loads `config` (model_family and data_backend_config added unless present) from a file in
// `dir`, with `cli` tokens and `env` variables.
inline LoadedConfig load_json(const TempDir& dir, nlohmann::json config,
                              std::vector<std::string> cli = {},
                              std::map<std::string, std::string> env = {}) {
  dir.write("multidatabackend.json", "[]");
  if (!config.contains("model_family")) config["model_family"] = "wan";
  if (!config.contains("data_backend_config"))
    config["data_backend_config"] = "multidatabackend.json";
  ConfigSources sources;
  sources.config_file = dir.write("config.json", config.dump()).string();
  sources.cli_args = std::move(cli);
  sources.env = fake_env(std::move(env));
  sources.working_dir = dir.path().string();
  return load_config(sources);
}

// Diagnostics of `severity` about `key` whose message contains `part`.
inline int count_diags(const Diagnostics& ds, Severity severity, const std::string& key,
                       const std::string& part = "") {
  int n = 0;
  for (const auto& d : ds) {
    if (d.severity == severity && d.key == key && d.message.find(part) != std::string::npos) ++n;
  }
  return n;
}

inline std::string dump(const Diagnostics& ds) {
  std::string s;
  for (const auto& d : ds) s += to_string(d) + "\n";
  return s;
}

}  // namespace reel::test
