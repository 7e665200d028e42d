// `reel cache [CONFIG] [--config CONFIG] [--option value ...]`: the prepare stage alone. Scans
// every dataset and fills the text-embed, latent and image-embed caches, then prints what it
// found and where the caches are. Exit code 1 when a dataset cannot be used.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "app/commands.h"
#include "app/config_sources.h"
#include "app/preparation_report.h"
#include "app/prepare_settings.h"
#include "config/dataset_config_loader.h"
#include "config/dataset_defaults.h"
#include "config/load_config.h"
#include "core/error.h"

namespace reel {
namespace {

int run_cache(const std::vector<std::string>& args) {
  LoadedConfig config = load_config(config_sources(args));
  throw_if_errors(config.diagnostics());
  if (!config.is_set("data_backend_config")) {
    throw Error("no dataset configuration")
        .key("data_backend_config")
        .hint("set data_backend_config to your multidatabackend.json");
  }
  Diagnostics diagnostics;
  DatasetConfigs datasets = load_dataset_config(config.get_string("data_backend_config"),
                                                dataset_defaults(config), diagnostics);
  throw_if_errors(diagnostics);

  Preparation preparation = prepare_caches(datasets, prepare_settings(config));
  std::cout << format_preparation(preparation);
  return preparation.ok() ? 0 : 1;
}

}  // namespace

void add_cache_command(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "cache", "Prepare the text-embedding, VAE-latent and image-embedding caches of the datasets");
  cmd->allow_extras();
  cmd->footer(
      "Usage: reel cache [CONFIG] [--config CONFIG] [--option value ...]\n"
      "Without CONFIG: $CONFIG_PATH, config/$ENV/config.json or config/config.json.\n"
      "A second run with nothing changed encodes nothing. Exit code 1 when a dataset has no "
      "usable sample.");
  cmd->callback([&exit_code, cmd] { exit_code = run_cache(cmd->remaining()); });
}

}  // namespace reel
