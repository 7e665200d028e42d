// A sample whose pixels could not be read while filling a cache: what the summary table and
// the log say about it. Filling goes on with the other samples (design.md: a bad input file
// never stops a long run halfway).
#pragma once

#include <exception>

#include "data/sample.h"

namespace reel {

// kTruncated (with the frames that decode) when sample_pixels() threw TruncatedClip, else
// kUnreadable; the detail is the error's message. Logs one warning line.
SkippedFile skipped_sample(const Sample& sample, const std::exception& error);

}  // namespace reel
