#include <CLI/CLI.hpp>
#include <iostream>

#include "app/commands.h"

namespace reel {
namespace {

struct Planned {
  const char* name;
  const char* summary;
  const char* usage;
};

const Planned kPlanned[] = {
    {"configure", "Write a config.json and multidatabackend.json by answering questions",
     "reel configure [DIR]"},
    {"lora", "Convert, merge and inspect adapter files (diffusers and ComfyUI layouts)",
     "reel lora SUBCOMMAND ..."},
    {"serve", "Serve the browser UI for configuring and watching runs", "reel serve [--port N]"},
};

}  // namespace

void add_planned_commands(CLI::App& app, int& exit_code) {
  for (const auto& p : kPlanned) {
    CLI::App* cmd = app.add_subcommand(p.name, p.summary);
    cmd->allow_extras();
    cmd->footer([p] {
      std::string footer =
          std::string("Usage: ") + p.usage + "\nNot built yet in this version of Reel.";
      return footer;
    });
    cmd->callback([&exit_code, p] {
      std::cerr << "reel " << p.name << " is not built yet in this version of Reel.\n"
                << "  `reel config check CONFIG` validates a configuration today.\n";
      exit_code = 2;
    });
  }
}

}  // namespace reel
