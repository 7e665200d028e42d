#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "app/commands.h"
#include "config/config_report.h"
#include "config/dataset_config_format.h"
#include "config/dataset_config_loader.h"
#include "config/dataset_defaults.h"
#include "config/load_config.h"
#include "config/options_reference.h"

namespace reel {
namespace {

// `reel config check [CONFIG] [--option value ...]`: CONFIG is the first argument when it is
// not an option; every other argument is an option token, as on `reel train`.
int check(std::vector<std::string> args) {
  ConfigSources sources;
  if (!args.empty() && args.front().rfind("-", 0) != 0) {
    sources.config_file = args.front();
    args.erase(args.begin());
  }
  sources.cli_args = std::move(args);
  LoadedConfig config = load_config(sources);
  std::cout << format_options(config);

  Diagnostics diagnostics = config.diagnostics();
  if (config.is_set("data_backend_config")) {
    std::filesystem::path datasets_file = config.get_string("data_backend_config");
    // A missing file is already one of the option diagnostics.
    if (std::filesystem::exists(datasets_file)) {
      Diagnostics dataset_diagnostics;
      DatasetConfigs datasets =
          load_dataset_config(datasets_file, dataset_defaults(config), dataset_diagnostics);
      std::cout << "\ndatasets (" << datasets_file.string() << "):\n"
                << format_dataset_configs(datasets);
      diagnostics.insert(diagnostics.end(), dataset_diagnostics.begin(), dataset_diagnostics.end());
    }
  }
  std::cout << "\n" << format_diagnostics(diagnostics);
  return has_errors(diagnostics) ? 1 : 0;
}

}  // namespace

void add_config_command(CLI::App& app, int& exit_code) {
  CLI::App* config =
      app.add_subcommand("config", "Check a configuration; print the options reference");
  config->require_subcommand(1);

  CLI::App* check_cmd = config->add_subcommand(
      "check",
      "Resolve a config.json (and its multidatabackend.json) and report every value, where it "
      "came from, and every problem");
  check_cmd->allow_extras();
  check_cmd->footer(
      "Usage: reel config check [CONFIG] [--data_backend_config FILE] [--option value ...]\n"
      "Without CONFIG: $CONFIG_PATH, config/$ENV/config.json or config/config.json.\n"
      "Exit code 1 when there are errors.");
  check_cmd->callback([&exit_code, check_cmd] { exit_code = check(check_cmd->remaining()); });

  CLI::App* reference = config->add_subcommand(
      "reference", "Print the options reference (docs/options.md) generated from the registry");
  reference->callback([&exit_code] {
    std::cout << options_reference_markdown();
    exit_code = 0;
  });
}

}  // namespace reel
