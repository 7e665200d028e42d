#include "app/cli.h"

#include <c10/util/Exception.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/commands.h"
#include "core/build_info.h"
#include "core/error.h"
#include "core/log.h"
#include "media/ffmpeg_version.h"

namespace reel {
namespace {

int run(int argc, char** argv) {
  CLI::App app("Reel trains LoRA and LyCORIS adapters for the Wan 2.1 and 2.2 video models.",
               "reel");
  app.require_subcommand(0, 1);
  bool version = false;
  std::string log_level;
  app.add_flag("--version", version, "Print versions, the build and the visible GPUs");
  app.add_option("--log_level", log_level,
                 "trace, debug, info, warn, error or off (default: $REEL_LOG_LEVEL or info)");
  app.parse_complete_callback([&] { log::init(log_level); });

  int exit_code = 0;
  add_inspect_command(app, exit_code);
  add_config_command(app, exit_code);
  add_debug_command(app, exit_code);
  add_cache_command(app, exit_code);
  add_train_command(app, exit_code);
  add_sample_command(app, exit_code);
  add_planned_commands(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (version) {
    std::cout << version_report() << "FFmpeg: " << ffmpeg_version() << "\n";
    return 0;
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
    return 2;
  }
  return exit_code;
}

}  // namespace

int run_cli(int argc, char** argv) {
  // Errors a user can act on are printed plainly; anything else is a bug in Reel and says so.
  try {
    return run(argc, argv);
  } catch (const Error& e) {
    std::cerr << "error: " << e.what() << "\n";
  } catch (const c10::Error& e) {
    std::cerr << "error (libtorch): " << e.what_without_backtrace() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what()
              << "\n  please report this with the command you ran and `reel --version`\n";
  }
  return 1;
}

}  // namespace reel
