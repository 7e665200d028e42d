// Turning what a user wrote into an option's typed value, checked against its allowed values
// and range. config.json values follow spec config.md §1 (null and "" dropped, "true"/"false"
// strings as booleans, numeric strings for numbers, lists for list options); command-line and
// environment values are text.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "config/option.h"

namespace reel {

struct ConvertedValue {
  enum class Outcome { kValue, kDropped, kError } outcome = Outcome::kValue;
  nlohmann::json value;
  std::string error;    // kError: names the value and what is allowed
  std::string warning;  // kValue: accepted, but the user should know (e.g. list -> last item)
};

ConvertedValue convert_json_value(const Option& option, const nlohmann::json& raw);
ConvertedValue convert_text_value(const Option& option, const std::string& text);

// The value as a user would write it: strings bare, everything else as compact JSON.
std::string value_text(const nlohmann::json& value);

// "true"/"false" in any case, plus 1/0, yes/no, on/off; false when `text` is none of them.
bool parse_bool_text(const std::string& text, bool* out);

}  // namespace reel
