// The declaration of one user-facing option: everything the JSON loader, the CLI parser,
// `--help`, the web form and docs/options.md need to know about it. Reel's options are
// declared once, in option_table.cpp.
#pragma once

#include <limits>
#include <string>
#include <vector>

namespace reel {

enum class OptionType {
  kBool,
  kInt,  // also accepts a numeric string ("16"), as ST's text-typed `framerate` arrives
  kFloat,
  kString,
  kPath,        // a local file or folder (or, for pretrained_*, a hub id)
  kEnum,        // one of `choices`
  kJson,        // a JSON object or list, or a string holding one
  kList,        // a JSON list, a JSON string of one, a comma-separated string or a single item
  kPathOrJson,  // a path to a JSON file, or the JSON itself inline (webhook_config)
};

const char* to_string(OptionType type);

struct Option {
  std::string name;
  OptionType type = OptionType::kString;
  // The default in the option's text form, as it would be written on the command line;
  // `has_default` false means "none" (unset unless a rule derives it).
  bool has_default = false;
  std::string default_text;
  std::string group;  // UI tab: model, training, validation, data, memory, logging, ...
  std::string help;
  std::vector<std::string> choices;  // allowed values (any type); empty = not restricted
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  // "" in a config file is dropped like null, except for these (ST's allow_empty fields).
  bool allow_empty = false;
  // false: accepted and validated, but the feature behind it is not built yet.
  bool built = false;
};

}  // namespace reel
