// The cross-option rules of spec config.md §4 and the Wan flavour's forced settings (§2, §3),
// applied to resolved values before any model is loaded: errors for combinations Reel
// rejects, warnings (and overrides) for those it corrects, derived defaults (the flavour's
// repository, lora_alpha = lora_rank, ...), and checks that named local files exist.
#pragma once

#include <string>

#include "config/diagnostic.h"
#include "config/resolved_values.h"

namespace reel {

// Relative paths are checked against `working_dir` ("" = current directory).
void apply_option_rules(ValueMap& values, Diagnostics& diags, const std::string& working_dir);

}  // namespace reel
