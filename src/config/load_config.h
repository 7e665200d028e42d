// The entry point of the config layer: options resolved from defaults, config.json, the
// environment and the command line (in that order of precedence), checked against the
// registry and the cross-option rules, with every finding collected as a Diagnostic.
//
//   ConfigSources sources;
//   sources.cli_args = {"--learning_rate=1e-4"};
//   LoadedConfig config = load_config(sources);
//   throw_if_errors(config.diagnostics());
//   double lr = config.get_double("learning_rate");
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/diagnostic.h"
#include "config/env_lookup.h"
#include "config/value_source.h"

namespace reel {

struct ConfigSources {
  // config.json to read; unset: $CONFIG_PATH, else config/$ENV/config.json, else
  // config/config.json, else none.
  std::optional<std::string> config_file;
  // Option tokens of the command line: --key value, --key=value, --flag.
  std::vector<std::string> cli_args;
  // REEL_<KEY> overrides, TRAINER_EXTRA_ARGS, CONFIG_PATH, ENV and {env:NAME} placeholders.
  EnvLookup env = process_env();
  // Relative paths (config lookup, file checks) are taken from here; "" = current directory.
  std::string working_dir;
};

class LoadedConfig {
 public:
  // Whether the option has a value (a default counts). Unknown names are false.
  bool is_set(const std::string& key) const;
  // Typed values; throw reel::Error when the option has no value or another type.
  bool get_bool(const std::string& key) const;
  int64_t get_int(const std::string& key) const;  // numeric strings ("16") are read too
  double get_double(const std::string& key) const;
  std::string get_string(const std::string& key) const;  // numbers and JSON as their text
  nlohmann::json get_json(const std::string& key) const;
  // Where the value came from; kDefault for an option without a value.
  ValueSource source_of(const std::string& key) const;
  // The options that have a value, in name order.
  std::vector<std::string> keys() const;

  const Diagnostics& diagnostics() const;
  // The config.json that was read, "" when none.
  const std::string& config_file() const;

  struct State;
  explicit LoadedConfig(std::shared_ptr<const State> state);

 private:
  const nlohmann::json& value(const std::string& key) const;
  std::shared_ptr<const State> state_;
};

LoadedConfig load_config(const ConfigSources& sources);

}  // namespace reel
