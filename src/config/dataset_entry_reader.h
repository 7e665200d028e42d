// Reads typed values out of one dataset object of multidatabackend.json, the way ST's Python
// reads them (null is "not set", "true"/"false" strings are booleans, a string of digits is
// an integer), and reports each bad value as a Diagnostic naming the file, the dataset, the
// key, the value and what is allowed. Internal to dataset_config_loader.cpp.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/diagnostic.h"

namespace reel {

class DatasetEntryReader {
 public:
  // `where` locates the entry in messages ("multidatabackend.json: dataset 'x' (entry 1)");
  // `key_prefix` is prepended to key names ("video." inside the video block).
  DatasetEntryReader(const nlohmann::json& object, std::string where, Diagnostics& diags,
                     std::string key_prefix = "");

  // Present and not null.
  bool has(const std::string& key) const;
  const nlohmann::json* get(const std::string& key) const;

  std::optional<bool> boolean(const std::string& key);
  std::optional<double> number(const std::string& key);
  std::optional<int> integer(const std::string& key);
  std::optional<std::string> string(const std::string& key);
  // A string or a list of strings (instance_prompt, conditioning_data).
  std::optional<std::vector<std::string>> strings(const std::string& key);

  // One of `allowed` (JSON spelling → value); any other spelling is an error listing
  // `allowed_text` (which may leave out aliases). `simpletuner_only` are values ST takes and
  // Reel does not, reported as such.
  template <class E>
  std::optional<E> choice(const std::string& key,
                          const std::vector<std::pair<const char*, E>>& allowed,
                          const std::string& allowed_text,
                          const std::vector<std::string>& simpletuner_only = {}) {
    auto s = string(key);
    if (!s) return std::nullopt;
    for (const auto& [name, value] : allowed) {
      if (*s == name) return value;
    }
    bool st_only = false;
    for (const auto& name : simpletuner_only) st_only = st_only || *s == name;
    error(key, st_only
                   ? "SimpleTuner's '" + *s + "' is not supported by Reel; allowed: " + allowed_text
                   : "'" + *s + "' is not a valid " + prefix_ + key + "; allowed: " + allowed_text);
    return std::nullopt;
  }

  void error(const std::string& key, const std::string& message, const std::string& hint = "");
  void warn(const std::string& key, const std::string& message, const std::string& hint = "");
  void notice(const std::string& key, const std::string& message);

  const std::string& where() const { return where_; }
  const std::string& key_prefix() const { return prefix_; }
  Diagnostics& diagnostics() { return diags_; }

 private:
  void add(Severity severity, const std::string& key, const std::string& message,
           const std::string& hint);
  void wrong_type(const std::string& key, const nlohmann::json& value, const char* expected);

  const nlohmann::json& object_;
  std::string where_;
  Diagnostics& diags_;
  std::string prefix_;
};

}  // namespace reel
