// The text of `reel config check`: every option with a value, the value and where it came
// from; then the findings, notes apart from problems (errors and warnings) so the problems
// stand out.
#pragma once

#include <string>

#include "config/diagnostic.h"
#include "config/load_config.h"

namespace reel {

std::string format_options(const LoadedConfig& config);

// "notes:" (not built yet, values adjusted), "problems:" (errors, warnings) and a count line.
std::string format_diagnostics(const Diagnostics& diagnostics);

}  // namespace reel
