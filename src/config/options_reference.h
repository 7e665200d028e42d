// Documentation generated from the option registry: docs/options.md and `--help` text.
// Both are derived, never edited by hand; a test keeps docs/options.md in step.
#pragma once

#include <string>

namespace reel {

// docs/options.md: Reel's options grouped by UI group (name, type, default, allowed values,
// built or not, help), then the SimpleTuner options accepted and ignored, then legacy keys.
std::string options_reference_markdown();

// A plain-text listing for `reel train --help`.
std::string options_help_text();

}  // namespace reel
