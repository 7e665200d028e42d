// The summary `reel cache` (and the trainer's start-up) prints after preparing the caches:
// per dataset the files found, used and skipped (by reason), its buckets, and the size of
// its caches on disk; per text-embed cache its captions.
#pragma once

#include <string>

#include "data/prepare_caches.h"

namespace reel {

std::string format_preparation(const Preparation& preparation);

// "1.5 MiB", "320 B".
std::string format_bytes(uint64_t bytes);

}  // namespace reel
