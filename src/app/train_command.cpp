// `reel train [CONFIG] [--config CONFIG] [--option value ...]`: validate, prepare the caches
// that are missing, train, checkpoint, and say where everything went.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/commands.h"
#include "app/config_sources.h"
#include "app/preparation_report.h"
#include "app/prepare_settings.h"
#include "app/train_settings.h"
#include "app/validation_settings.h"
#include "config/dataset_config_loader.h"
#include "config/dataset_defaults.h"
#include "config/options_reference.h"
#include "core/error.h"
#include "train/trainer.h"

namespace reel {
namespace {

int run_train(const std::vector<std::string>& args) {
  LoadedConfig config = load_config(config_sources(args));
  throw_if_errors(config.diagnostics());
  Diagnostics diagnostics;
  DatasetConfigs datasets = load_dataset_config(config.get_string("data_backend_config"),
                                                dataset_defaults(config), diagnostics);
  throw_if_errors(diagnostics);
  TrainerSettings settings = train_settings(config);
  const PrepareSettings prepare = prepare_settings(config);
  Preparation prepared = prepare_caches(datasets, prepare);
  std::cout << format_preparation(prepared) << std::flush;
  if (!prepared.ok()) return 1;
  std::optional<ValidationRenderer> renderer =
      validation_renderer(config, settings, prepare, prepared, datasets);
  settings.validation = validation_hook(config, renderer ? &*renderer : nullptr);

  TrainResult r = train(settings, prepared, datasets);
  if (r.stopped) {
    std::cout << "stopped at step " << r.global_step << "; checkpoint "
              << r.last_checkpoint.string()
              << "\nresume with: reel train ... --resume_from_checkpoint latest\n";
    return 130;
  }
  std::cout << "trained " << r.global_step << " steps"
            << (r.resumed_from > 0 ? " (resumed from step " + std::to_string(r.resumed_from) + ")"
                                   : std::string())
            << "\nadapter: " << r.adapter.string()
            << "\nmodel card: " << (settings.output_dir / "README.md").string()
            << "\nmetrics: " << (settings.output_dir / "metrics.jsonl").string() << "\n";
  if (renderer) {
    std::cout << "validation videos: " << (settings.output_dir / "validation").string() << "\n";
  }
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a LoRA or LyCORIS adapter from a SimpleTuner-style config.json");
  cmd->allow_extras();
  cmd->footer([] {
    return "Usage: reel train [CONFIG] [--config CONFIG] [--option value ...]\n"
           "Ctrl-C writes a checkpoint and stops; --resume_from_checkpoint latest continues.\n\n" +
           options_help_text();
  });
  cmd->callback([&exit_code, cmd] { exit_code = run_train(cmd->remaining()); });
}

}  // namespace reel
