#include "config/option.h"

namespace reel {

const char* to_string(OptionType type) {
  switch (type) {
    case OptionType::kBool:
      return "bool";
    case OptionType::kInt:
      return "int";
    case OptionType::kFloat:
      return "float";
    case OptionType::kString:
      return "string";
    case OptionType::kPath:
      return "path";
    case OptionType::kEnum:
      return "enum";
    case OptionType::kJson:
      return "json";
    case OptionType::kList:
      return "list";
    case OptionType::kPathOrJson:
      return "path or json";
  }
  return "?";
}

}  // namespace reel
