// What one pass of filling a cache did, for the summary table.
#pragma once

#include <cstdint>
#include <vector>

#include "data/sample.h"

namespace reel {

struct CacheFill {
  int64_t encoded = 0;
  std::vector<SkippedFile> failed;  // samples whose pixels could not be read (path + reason)
};

}  // namespace reel
