// Typed reads of resolved options with a fallback for options that are unset or empty, for
// the app's settings builders (train, prepare, validation).
//
//   OptionReader o(config);
//   int64_t steps = o.integer("validation_num_inference_steps", 30);
#pragma once

#include <cstdint>
#include <string>

#include "config/load_config.h"

namespace reel {

class OptionReader {
 public:
  explicit OptionReader(const LoadedConfig& c) : c_(c) {}
  bool has(const std::string& k) const { return c_.is_set(k) && !c_.get_string(k).empty(); }
  std::string text(const std::string& k, const std::string& d = "") const {
    return has(k) ? c_.get_string(k) : d;
  }
  double number(const std::string& k, double d) const { return has(k) ? c_.get_double(k) : d; }
  int64_t integer(const std::string& k, int64_t d) const { return has(k) ? c_.get_int(k) : d; }
  bool flag(const std::string& k, bool d) const { return has(k) ? c_.get_bool(k) : d; }
  const LoadedConfig& config() const { return c_; }

 private:
  const LoadedConfig& c_;
};

}  // namespace reel
