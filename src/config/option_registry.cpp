#include "config/option_registry.h"

#include <algorithm>

#include "config/did_you_mean.h"
#include "config/option_table.h"

namespace reel {

OptionRegistry::OptionRegistry() {
  for (const auto& o : reel_options()) reel_names_.push_back(o.name);
  for (const auto& o : st_options()) {
    if (o.type != "alias" && !find(o.name)) st_names_.push_back(o.name);
  }
}

const OptionRegistry& OptionRegistry::instance() {
  static const OptionRegistry registry;
  return registry;
}

const std::vector<Option>& OptionRegistry::options() const {
  return reel_options();
}

const Option* OptionRegistry::find(const std::string& name) const {
  for (const auto& o : reel_options()) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

const StOption* OptionRegistry::alias(const std::string& key) const {
  const StOption* st = find_st_option(key);
  return st && st->type == "alias" ? st : nullptr;
}

KeyKind OptionRegistry::classify(const std::string& key) const {
  if (find(key)) return KeyKind::kReel;
  if (alias(key)) return KeyKind::kAlias;
  if (find_st_option(key)) return KeyKind::kStIgnored;
  return KeyKind::kUnknown;
}

std::vector<const StOption*> OptionRegistry::st_ignored() const {
  std::vector<const StOption*> out;
  for (const auto& name : st_names_) out.push_back(find_st_option(name));
  return out;
}

std::string OptionRegistry::suggest(const std::string& key) const {
  std::string best = closest_match(key, reel_names_);
  return best.empty() ? closest_match(key, st_names_) : best;
}

std::string st_ignored_message(const std::string& key) {
  return "SimpleTuner option " + key + " is not supported by Reel and is ignored";
}

}  // namespace reel
