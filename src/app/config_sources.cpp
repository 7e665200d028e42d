#include "app/config_sources.h"

namespace reel {

ConfigSources config_sources(std::vector<std::string> args) {
  ConfigSources sources;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) {
      sources.config_file = args[i + 1];
      args.erase(args.begin() + i, args.begin() + i + 2);
      break;
    }
    if (args[i].rfind("--config=", 0) == 0) {
      sources.config_file = args[i].substr(9);
      args.erase(args.begin() + i);
      break;
    }
  }
  if (!sources.config_file && !args.empty() && args.front().rfind("-", 0) != 0) {
    sources.config_file = args.front();
    args.erase(args.begin());
  }
  sources.cli_args = std::move(args);
  return sources;
}

}  // namespace reel
