// Reel's own options, each declared once (option_table.cpp).
#pragma once

#include <vector>

#include "config/option.h"

namespace reel {

// In declaration order (grouped by UI group). Enum options whose choices are not spelt out
// take SimpleTuner's from st_options.tsv.
const std::vector<Option>& reel_options();

}  // namespace reel
