#include "config/option_resolver.h"

#include <algorithm>

#include "config/option_registry.h"
#include "config/option_value.h"
#include "config/wan_flavour.h"
#include "core/error.h"

namespace reel {
namespace {

using json = nlohmann::json;

bool is_ui_key(const std::string& key) {
  return key == "__active_tab__" || key == "__disabled_fields__" || key == "ez_model_type";
}

ConvertedValue convert(const Option& o, const RawSetting& s) {
  if (s.is_text)
    return convert_text_value(o, s.value.is_string() ? s.value.get<std::string>() : "");
  return convert_json_value(o, s.value);
}

// Values ST renames on the way in (cli_utils.py:normalize_lr_scheduler_value).
RawSetting with_legacy_value(RawSetting s) {
  if (s.key == "lr_scheduler" && s.value.is_string() && s.value == "cosine_with_warmup") {
    s.value = "cosine";
  }
  return s;
}

}  // namespace

OptionResolver::OptionResolver() {
  for (const auto& o : OptionRegistry::instance().options()) {
    if (!o.has_default) continue;
    ConvertedValue c = convert_text_value(o, o.default_text);
    if (c.outcome != ConvertedValue::Outcome::kValue) {
      throw Error("option table: default \"" + o.default_text + "\" is invalid: " + c.error)
          .key(o.name);
    }
    values_[o.name] = {c.value, {SourceKind::kDefault, ""}};
  }
}

void OptionResolver::apply(const std::vector<RawSetting>& layer) {
  const auto& registry = OptionRegistry::instance();
  std::vector<const RawSetting*> ordered;
  for (const auto& s : layer) ordered.push_back(&s);
  std::stable_partition(ordered.begin(), ordered.end(), [&](const RawSetting* s) {
    return registry.classify(s->key) == KeyKind::kAlias;
  });
  for (const RawSetting* s : ordered) {
    switch (registry.classify(s->key)) {
      case KeyKind::kReel:
        set(*registry.find(s->key), with_legacy_value(*s), s->key);
        break;
      case KeyKind::kAlias:
        apply_alias(*s);
        break;
      case KeyKind::kStIgnored:
        warn_ignored(*s, s->key);
        break;
      case KeyKind::kUnknown: {
        std::string near = registry.suggest(s->key);
        diags_.push_back({Severity::kError, diagnostic_origin(s->source), s->key,
                          "unknown option '" + s->key + "'",
                          near.empty() ? "" : "did you mean '" + near + "'?"});
        break;
      }
    }
  }
}

void OptionResolver::apply_alias(const RawSetting& s) {
  const auto& registry = OptionRegistry::instance();
  const std::string& target = registry.alias(s.key)->default_text;
  const std::string origin = diagnostic_origin(s.source);
  if (target == "-") {
    if (!is_ui_key(s.key)) {
      diags_.push_back({Severity::kNotice, origin, s.key,
                        "legacy key " + s.key + " is a dataset option and is ignored here",
                        "set it in the dataset config (multidatabackend.json)"});
    }
    return;
  }
  // Two legacy keys change meaning, not just name.
  if (s.key == "vae_cache_preprocess" || s.key == "ignore_final_epochs") {
    Option flag;
    flag.name = s.key;
    flag.type = OptionType::kBool;
    ConvertedValue c = convert(flag, s);
    if (c.outcome == ConvertedValue::Outcome::kError) {
      diags_.push_back({Severity::kError, origin, s.key, c.error, ""});
      return;
    }
    if (c.outcome == ConvertedValue::Outcome::kDropped) return;
    bool v = c.value.get<bool>();
    if (s.key == "vae_cache_preprocess") {
      // Only `false` means anything: encode on demand instead of up front.
      if (!v) values_["vae_cache_ondemand"] = {true, s.source};
    } else {
      values_["strict_epoch_limit"] = {!v, s.source};
    }
    return;
  }
  if (const Option* o = registry.find(target)) {
    RawSetting renamed = s;
    renamed.key = target;
    set(*o, renamed, s.key);
  } else {
    warn_ignored(s, s.key);
  }
}

void OptionResolver::set(const Option& option, const RawSetting& s,
                         const std::string& written_key) {
  const std::string origin = diagnostic_origin(s.source);
  ConvertedValue c = convert(option, s);
  switch (c.outcome) {
    case ConvertedValue::Outcome::kDropped:
      return;
    case ConvertedValue::Outcome::kError: {
      std::string hint;
      if (option.name == "model_flavour" && s.value.is_string()) {
        const WanFlavour* f = find_wan_flavour(s.value.get<std::string>());
        if (f && !f->supported) {
          hint = f->kind + " flavours are not supported by Reel yet";
        }
      }
      diags_.push_back({Severity::kError, origin, written_key, c.error, hint});
      return;
    }
    case ConvertedValue::Outcome::kValue:
      if (!c.warning.empty()) {
        diags_.push_back({Severity::kWarning, origin, written_key, c.warning, ""});
      }
      values_[option.name] = {c.value, s.source};
  }
}

void OptionResolver::warn_ignored(const RawSetting& s, const std::string& written_key) {
  if (!warned_ignored_.insert(written_key).second) return;
  diags_.push_back(
      {Severity::kWarning, diagnostic_origin(s.source), "", st_ignored_message(written_key), ""});
}

void OptionResolver::note_unbuilt() {
  for (const auto& o : OptionRegistry::instance().options()) {
    if (o.built || !user_set(values_, o.name)) continue;
    diags_.push_back({Severity::kNotice, diagnostic_origin(values_[o.name].source), o.name,
                      "accepted, not built yet: it has no effect in this version", ""});
  }
}

}  // namespace reel
