#include "config/cli_args.h"

#include "config/option_registry.h"
#include "config/option_value.h"

namespace reel {
namespace {

// A flag takes no value unless the next token is a boolean literal (`--use_ema false`).
bool is_flag(const std::string& key) {
  const auto& registry = OptionRegistry::instance();
  if (const Option* o = registry.find(key)) return o->type == OptionType::kBool;
  const StOption* st = find_st_option(key);
  if (const StOption* a = registry.alias(key)) {
    if (const Option* target = registry.find(a->default_text)) {
      return target->type == OptionType::kBool;
    }
    st = a;
  }
  return st && (st->type == "bool" || st->type == "alias");
}

}  // namespace

std::vector<RawSetting> parse_cli_args(const std::vector<std::string>& tokens,
                                       const ValueSource& source, Diagnostics& diags) {
  std::vector<RawSetting> out;
  const std::string origin = diagnostic_origin(source);
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    if (token.size() < 3 || token.compare(0, 2, "--") != 0) {
      diags.push_back({Severity::kError, origin, "",
                       "unexpected argument '" + token + "'; options are written --key=value", ""});
      continue;
    }
    RawSetting s;
    s.is_text = true;
    s.source = source;
    size_t eq = token.find('=');
    s.key = token.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    if (eq != std::string::npos) {
      s.value = token.substr(eq + 1);
    } else if (is_flag(s.key)) {
      bool unused;
      if (i + 1 < tokens.size() && parse_bool_text(tokens[i + 1], &unused)) {
        s.value = tokens[++i];
      } else {
        s.value = "true";
      }
    } else if (i + 1 < tokens.size() && tokens[i + 1].compare(0, 2, "--") != 0) {
      s.value = tokens[++i];
    } else {
      diags.push_back({Severity::kError, origin, s.key, "--" + s.key + " needs a value", ""});
      continue;
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace reel
