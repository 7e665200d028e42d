#include "config/load_config.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "config/cli_args.h"
#include "config/config_file.h"
#include "config/loaded_config_state.h"
#include "config/option_registry.h"
#include "config/option_resolver.h"
#include "config/option_rules.h"
#include "config/shell_words.h"
#include "core/error.h"

namespace reel {
namespace {

std::string env_name(const std::string& key) {
  std::string out = "REEL_" + key;
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return out;
}

std::vector<RawSetting> environment_layer(const EnvLookup& env) {
  std::vector<RawSetting> layer;
  for (const auto& o : OptionRegistry::instance().options()) {
    const std::string name = env_name(o.name);
    if (auto v = env(name)) {
      layer.push_back({o.name, *v, true, {SourceKind::kEnv, name}});
    }
  }
  return layer;
}

// SimpleTuner's config.env passes TRAINER_EXTRA_ARGS on to the trainer's command line.
std::vector<RawSetting> extra_args_layer(const EnvLookup& env, Diagnostics& diags) {
  auto text = env("TRAINER_EXTRA_ARGS");
  if (!text || text->empty()) return {};
  try {
    return parse_cli_args(split_shell_words(*text), {SourceKind::kEnv, "TRAINER_EXTRA_ARGS"},
                          diags);
  } catch (const Error& e) {
    diags.push_back({Severity::kError, "env TRAINER_EXTRA_ARGS", "", e.message(), ""});
    return {};
  }
}

}  // namespace

LoadedConfig load_config(const ConfigSources& sources) {
  OptionResolver resolver;
  Diagnostics& diags = resolver.diagnostics();
  auto state = std::make_shared<LoadedConfig::State>();

  std::optional<std::string> file = sources.config_file;
  if (file) {
    std::filesystem::path p(*file);
    if (p.is_relative() && !sources.working_dir.empty())
      p = std::filesystem::path(sources.working_dir) / p;
    file = p.string();
  } else {
    file = find_config_file(sources.env, sources.working_dir, diags);
  }
  if (file) {
    resolver.apply(read_config_file(*file, sources.env, diags));
    state->config_file = *file;
  }
  resolver.apply(environment_layer(sources.env));
  resolver.apply(extra_args_layer(sources.env, diags));
  resolver.apply(parse_cli_args(sources.cli_args, {SourceKind::kCli, ""}, diags));
  resolver.note_unbuilt();
  apply_option_rules(resolver.values(), diags, sources.working_dir);

  state->values = std::move(resolver.values());
  state->diagnostics = std::move(diags);
  return LoadedConfig(state);
}

}  // namespace reel
