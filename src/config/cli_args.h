// Command-line option tokens: `--key value`, `--key=value`, and bare boolean flags
// (`--use_ema`, `--use_ema=false`).
#pragma once

#include <string>
#include <vector>

#include "config/diagnostic.h"
#include "config/raw_setting.h"

namespace reel {

// Tokens that are not options (or a value missing after `--key`) become errors in `diags`
// naming `source`.
std::vector<RawSetting> parse_cli_args(const std::vector<std::string>& tokens,
                                       const ValueSource& source, Diagnostics& diags);

}  // namespace reel
