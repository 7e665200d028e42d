// SimpleTuner's option list (spec st-options.tsv, compiled in from st_options.tsv): every
// config.json key ST knows, so that Reel can tell an ST option it ignores from a typo.
#pragma once

#include <string>
#include <vector>

namespace reel {

struct StOption {
  std::string name;
  std::string type;          // bool, int, float, str, path, enum, json, list, or alias
  std::string default_text;  // for an alias: the target option, "-" = ST drops the key
  std::vector<std::string> choices;
  std::string section;  // ST's UI tab/section
  bool wan = false;     // matters for Wan training
};

const std::vector<StOption>& st_options();
const StOption* find_st_option(const std::string& name);

}  // namespace reel
